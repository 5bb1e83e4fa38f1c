import assert from "node:assert/strict";
import type { VerifiedEvent } from "./provider.ts";
import { HANDLED_EVENT_TYPES, toFact } from "./stripe_events.ts";
import {
  FIXTURE,
  stripeCharge as charge,
  stripeDispute as dispute,
  stripePaymentIntent as paymentIntent,
  stripeSession as session,
} from "./stripe_fixtures.ts";

const SESSION = FIXTURE.sessionId;
const PI = FIXTURE.paymentIntentId;

function event(type: string, object: unknown): VerifiedEvent {
  return {
    id: "evt_1QhS1b2eZvKYlo2CqRsTuVwX",
    type,
    created: 1795343000,
    object,
  };
}

Deno.test("checkout.session.completed, paid → payment_succeeded with every reference", () => {
  assert.deepEqual(toFact(event("checkout.session.completed", session())), {
    orderRef: {
      orderId: FIXTURE.orderId,
      sessionId: SESSION,
      paymentIntentId: PI,
    },
    fact: {
      kind: "payment_succeeded",
      sessionId: SESSION,
      paymentIntentId: PI,
      amount: 8900,
      currency: "nzd",
      customerEmail: "kiri@example.nz",
    },
  });
});

Deno.test("checkout.session.completed without our metadata still names the session", () => {
  const mapped = toFact(
    event("checkout.session.completed", session({ metadata: {} })),
  );
  assert.ok("orderRef" in mapped);
  assert.deepEqual(mapped.orderRef, {
    sessionId: SESSION,
    paymentIntentId: PI,
  });
});

Deno.test("checkout.session.completed, unpaid → payment_processing", () => {
  const mapped = toFact(
    event("checkout.session.completed", session({ payment_status: "unpaid" })),
  );
  assert.deepEqual(mapped, {
    orderRef: {
      orderId: FIXTURE.orderId,
      sessionId: SESSION,
      paymentIntentId: PI,
    },
    fact: {
      kind: "payment_processing",
      sessionId: SESSION,
      paymentIntentId: PI,
    },
  });
});

Deno.test("checkout.session.completed, no_payment_required → payment_succeeded of 0", () => {
  // A 100% coupon; amount_total may also come back null when nothing is charged.
  for (const amountTotal of [0, null]) {
    const object = session({
      payment_status: "no_payment_required",
      payment_intent: null,
      amount_total: amountTotal,
      total_details: {
        amount_discount: 8900,
        amount_shipping: 0,
        amount_tax: 0,
      },
    });
    assert.deepEqual(toFact(event("checkout.session.completed", object)), {
      orderRef: { orderId: FIXTURE.orderId, sessionId: SESSION },
      fact: {
        kind: "payment_succeeded",
        sessionId: SESSION,
        paymentIntentId: null,
        amount: 0,
        currency: "nzd",
        customerEmail: "kiri@example.nz",
      },
    });
  }
});

Deno.test("a session paid in the shopper's currency reports the order's amount", () => {
  const object = session({
    amount_total: 5120,
    currency: "usd",
    currency_conversion: {
      amount_subtotal: 8900,
      amount_total: 8900,
      fx_rate: "0.5753",
      source_currency: "nzd",
    },
  });
  const mapped = toFact(event("checkout.session.completed", object));
  assert.ok("fact" in mapped && mapped.fact.kind === "payment_succeeded");
  assert.equal(mapped.fact.amount, 8900);
  assert.equal(mapped.fact.currency, "nzd");
  assert.deepEqual(mapped.fact.presentment, { amount: 5120, currency: "usd" });
});

Deno.test("a session with presentment details names the shopper's side beside the order's", () => {
  const details = { presentment_amount: 5120, presentment_currency: "usd" };
  const mapped = toFact(
    event("checkout.session.completed", session({ presentment_details: details })),
  );
  assert.ok("fact" in mapped && mapped.fact.kind === "payment_succeeded");
  assert.deepEqual(
    [mapped.fact.amount, mapped.fact.currency, mapped.fact.presentment],
    [8900, "nzd", { amount: 5120, currency: "usd" }],
  );
});

Deno.test("async_payment_succeeded → payment_succeeded; async_payment_failed → payment_failed", () => {
  const ok = toFact(
    event("checkout.session.async_payment_succeeded", session()),
  );
  assert.ok("fact" in ok);
  assert.deepEqual(ok.fact, {
    kind: "payment_succeeded",
    sessionId: SESSION,
    paymentIntentId: PI,
    amount: 8900,
    currency: "nzd",
    customerEmail: "kiri@example.nz",
  });
  const failed = toFact(
    event(
      "checkout.session.async_payment_failed",
      session({ payment_status: "unpaid" }),
    ),
  );
  assert.deepEqual(failed, {
    orderRef: {
      orderId: FIXTURE.orderId,
      sessionId: SESSION,
      paymentIntentId: PI,
    },
    fact: {
      kind: "payment_failed",
      sessionId: SESSION,
      paymentIntentId: PI,
      reason: "async_payment_failed",
    },
  });
});

Deno.test("checkout.session.expired → session_expired", () => {
  const object = session({
    status: "expired",
    payment_status: "unpaid",
    payment_intent: null,
  });
  assert.deepEqual(toFact(event("checkout.session.expired", object)), {
    orderRef: { orderId: FIXTURE.orderId, sessionId: SESSION },
    fact: { kind: "session_expired", sessionId: SESSION },
  });
});

Deno.test("payment_intent.succeeded → payment_succeeded for amount_received", () => {
  const object = paymentIntent({ amount: 9000, amount_received: 8900 });
  assert.deepEqual(toFact(event("payment_intent.succeeded", object)), {
    orderRef: { orderId: FIXTURE.orderId, paymentIntentId: PI },
    fact: {
      kind: "payment_succeeded",
      sessionId: null,
      paymentIntentId: PI,
      amount: 8900,
      currency: "nzd",
    },
  });
  const foreign = toFact(
    event("payment_intent.succeeded", paymentIntent({ metadata: {} })),
  );
  assert.ok("orderRef" in foreign);
  assert.deepEqual(foreign.orderRef, { paymentIntentId: PI });
});

Deno.test("a converted payment intent carries both sides; the domain compares them", () => {
  // Adaptive Pricing: the order is 18.00 NZD, the shopper was charged 10.35 USD.
  const details = { presentment_amount: 1035, presentment_currency: "usd" };
  const converted = paymentIntent({
    amount: 1800,
    amount_received: 1800,
    currency: "nzd",
    presentment_details: details,
  });
  const mapped = toFact(event("payment_intent.succeeded", converted));
  assert.ok("fact" in mapped);
  assert.deepEqual(mapped.fact, {
    kind: "payment_succeeded",
    sessionId: null,
    paymentIntentId: PI,
    amount: 1800,
    currency: "nzd",
    presentment: { amount: 1035, currency: "usd" },
  });
  // Reported the other way round, the sides are passed on as they are.
  const reversed = paymentIntent({
    amount_received: 1035,
    currency: "usd",
    presentment_details: { presentment_amount: 1800, presentment_currency: "nzd" },
  });
  const other = toFact(event("payment_intent.succeeded", reversed));
  assert.ok("fact" in other && other.fact.kind === "payment_succeeded");
  assert.deepEqual(other.fact.presentment, { amount: 1800, currency: "nzd" });
  const same = paymentIntent({
    presentment_details: { presentment_amount: 8900, presentment_currency: "NZD" },
  });
  const plain = toFact(event("payment_intent.succeeded", same));
  assert.ok("fact" in plain && !("presentment" in plain.fact), "no conversion, no other side");
});

Deno.test("payment_intent.payment_failed takes the reason from last_payment_error", () => {
  const reasonOf = (lastPaymentError: unknown) => {
    const object = paymentIntent({
      status: "requires_payment_method",
      amount_received: 0,
      last_payment_error: lastPaymentError,
    });
    const mapped = toFact(event("payment_intent.payment_failed", object));
    assert.ok("fact" in mapped && mapped.fact.kind === "payment_failed");
    assert.deepEqual(mapped.orderRef, {
      orderId: FIXTURE.orderId,
      paymentIntentId: PI,
    });
    return mapped.fact.reason;
  };
  assert.equal(
    reasonOf({
      type: "card_error",
      code: "card_declined",
      decline_code: "insufficient_funds",
      message: "Your card has insufficient funds.",
    }),
    "Your card has insufficient funds.",
  );
  assert.equal(
    reasonOf({ type: "card_error", code: "expired_card" }),
    "expired_card",
  );
  assert.equal(reasonOf(null), "payment_failed");
});

Deno.test("charge.failed → payment_failed with the failure message", () => {
  const object = charge({
    status: "failed",
    paid: false,
    captured: false,
    failure_code: "card_declined",
    failure_message: "Your card was declined.",
  });
  assert.deepEqual(toFact(event("charge.failed", object)), {
    orderRef: { orderId: FIXTURE.orderId, paymentIntentId: PI },
    fact: {
      kind: "payment_failed",
      sessionId: null,
      paymentIntentId: PI,
      reason: "Your card was declined.",
    },
  });
});

Deno.test("a failure names the checkout attempt Settle put in the intent's metadata", () => {
  const metadata = { order_id: FIXTURE.orderId, checkout_attempt: "2" };
  const declined = paymentIntent({ status: "requires_payment_method", metadata });
  const fromIntent = toFact(event("payment_intent.payment_failed", declined));
  assert.ok("fact" in fromIntent && fromIntent.fact.kind === "payment_failed");
  assert.equal(fromIntent.fact.attempt, 2);
  const fromCharge = toFact(event("charge.failed", charge({ status: "failed", metadata })));
  assert.ok("fact" in fromCharge && fromCharge.fact.kind === "payment_failed");
  assert.equal(fromCharge.fact.attempt, 2);
  const odd = charge({ status: "failed", metadata: { ...metadata, checkout_attempt: "two" } });
  const unreadable = toFact(event("charge.failed", odd));
  assert.ok("fact" in unreadable && !("attempt" in unreadable.fact));
});

Deno.test("charge.refunded → refunded with the cumulative amount", () => {
  const object = charge({
    amount_refunded: 3000,
    refunded: false,
    metadata: {},
  });
  assert.deepEqual(toFact(event("charge.refunded", object)), {
    orderRef: { paymentIntentId: PI },
    fact: {
      kind: "refunded",
      paymentIntentId: PI,
      amountRefunded: 3000,
      currency: "nzd",
    },
  });
});

Deno.test("charge.dispute.created → dispute_opened", () => {
  assert.deepEqual(toFact(event("charge.dispute.created", dispute())), {
    orderRef: { paymentIntentId: PI },
    fact: {
      kind: "dispute_opened",
      paymentIntentId: PI,
      amount: 8900,
      reason: "fraudulent",
    },
  });
});

Deno.test("expanded payment_intent objects are read by id", () => {
  const object = session({ payment_intent: paymentIntent() });
  const mapped = toFact(event("checkout.session.completed", object));
  assert.ok("orderRef" in mapped);
  assert.equal(mapped.orderRef.paymentIntentId, PI);
});

Deno.test("a charge that names neither an order nor a payment intent has no order", () => {
  const object = charge({ payment_intent: null, metadata: {} });
  assert.deepEqual(toFact(event("charge.refunded", object)), {
    unhandled: true,
    type: "charge.refunded",
    reason: "no_order_reference",
  });
});

Deno.test("other event types are unhandled, including prototype names", () => {
  for (
    const type of [
      "customer.created",
      "payment_intent.created",
      "toString",
      "__proto__",
    ]
  ) {
    assert.deepEqual(toFact(event(type, { id: "x" })), {
      unhandled: true,
      type,
      reason: "unhandled_type",
    });
  }
});

Deno.test("a handled type with a malformed object is reported, not thrown", () => {
  const cases: [string, unknown][] = [
    ["checkout.session.completed", session({ payment_status: undefined })],
    ["checkout.session.completed", session({ amount_total: null })],
    ["checkout.session.expired", { object: "checkout.session" }],
    ["payment_intent.succeeded", paymentIntent({ amount_received: "8900" })],
    ["payment_intent.succeeded", paymentIntent({ presentment_details: { presentment_amount: 1 } })],
    ["charge.refunded", charge({ amount_refunded: 12.5 })],
    ["charge.dispute.created", dispute({ reason: undefined })],
    ["charge.failed", null],
  ];
  for (const [type, object] of cases) {
    const mapped = toFact(event(type, object));
    assert.ok("unhandled" in mapped, type);
    assert.equal(mapped.reason, "malformed_payload", type);
    assert.ok(mapped.detail && mapped.detail.length > 0, type);
  }
});

Deno.test("the handled types are exactly the ones Settle subscribes to", () => {
  assert.deepEqual([...HANDLED_EVENT_TYPES].sort(), [
    "charge.dispute.created",
    "charge.failed",
    "charge.refunded",
    "checkout.session.async_payment_failed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.completed",
    "checkout.session.expired",
    "payment_intent.payment_failed",
    "payment_intent.succeeded",
  ]);
});

Deno.test("who paid and how: the session's e-mail, the intent's card; odd values are dropped", () => {
  const rows: [string, unknown, Record<string, unknown>][] = [
    // [event, object, what the payment fact adds]
    ["checkout.session.completed", session(), { customerEmail: "kiri@example.nz" }],
    [
      "checkout.session.completed",
      session({ customer_details: null, customer_email: " ana@example.com " }),
      { customerEmail: "ana@example.com" },
    ],
    [
      "checkout.session.completed",
      session({ customer_details: { email: "not an address" } }),
      {},
    ],
    ["checkout.session.completed", session({ customer_details: "junk" }), {}],
    [
      "payment_intent.succeeded",
      paymentIntent({
        receipt_email: "kiri@example.nz",
        payment_method_details: { type: "card", card: { brand: "visa", last4: "4242" } },
      }),
      { customerEmail: "kiri@example.nz", method: { brand: "visa", last4: "4242" } },
    ],
    [
      "payment_intent.succeeded",
      paymentIntent({
        latest_charge: {
          id: "ch_1",
          payment_method_details: { card: { brand: "amex", last4: "0005" } },
        },
      }),
      { method: { brand: "amex", last4: "0005" } },
    ],
    [
      "payment_intent.succeeded",
      paymentIntent({
        payment_method_details: { type: "card", card: { brand: "visa", last4: "42" } },
      }),
      {},
    ],
    [
      "payment_intent.succeeded",
      paymentIntent({ payment_method_details: { type: "bank_debit" } }),
      {},
    ],
  ];
  for (const [type, object, extra] of rows) {
    const mapped = toFact(event(type, object));
    assert.ok("fact" in mapped, `${type}: ${JSON.stringify(mapped)}`);
    const fact = mapped.fact as Record<string, unknown>;
    const got = Object.fromEntries(
      ["customerEmail", "method"].filter((k) => k in fact).map((k) => [k, fact[k]]),
    );
    assert.deepEqual(got, extra, JSON.stringify(object).slice(0, 120));
  }
});
