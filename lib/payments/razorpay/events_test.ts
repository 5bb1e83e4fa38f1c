import assert from "node:assert/strict";
import { RazorpayEnvelope, type RazorpayEventMapping, toRazorpayFact } from "./events.ts";

const payment = (extra: Record<string, unknown> = {}) => ({
  id: "pay_A1",
  entity: "payment",
  amount: 2500,
  currency: "INR",
  status: "captured",
  order_id: "order_O1",
  email: "kim@example.com",
  card: { last4: "1111", network: "Visa" },
  notes: { order_id: "shopper_controlled" },
  ...extra,
});
const order = { id: "order_O1", entity: "order", notes: { order_id: "ord_settle_1" } };
const refund = {
  id: "rfnd_R1",
  entity: "refund",
  amount: 1000,
  currency: "INR",
  payment_id: "pay_A1",
  status: "processed",
};
const dispute = {
  id: "disp_D1",
  entity: "dispute",
  payment_id: "pay_A1",
  amount: 2500,
  currency: "INR",
  reason_code: "chargeback",
};

function map(event: string, payload: Record<string, unknown>): RazorpayEventMapping {
  const wrapped = Object.fromEntries(Object.entries(payload).map(([k, v]) => [k, { entity: v }]));
  return toRazorpayFact(RazorpayEnvelope.parse({ entity: "event", event, payload: wrapped }));
}

const paid = {
  kind: "payment_succeeded",
  sessionId: "order_O1",
  paymentIntentId: "pay_A1",
  amount: 2500,
  currency: "inr",
  customerEmail: "kim@example.com",
  method: { brand: "visa", last4: "1111" },
};
const byPayment = { sessionId: "order_O1", paymentIntentId: "pay_A1" };

const TABLE: [string, string, Record<string, unknown>, unknown][] = [
  ["captured → paid; payment notes never name the order", "payment.captured", {
    payment: payment(),
  }, { orderRef: byPayment, fact: paid }],
  ["authorized → processing, with a capture request", "payment.authorized", {
    payment: payment({ status: "authorized" }),
  }, {
    orderRef: byPayment,
    fact: { kind: "payment_processing", sessionId: "order_O1", paymentIntentId: "pay_A1" },
    capture: { paymentId: "pay_A1", amount: 2500, currency: "inr", paid },
  }],
  ["order.paid → paid, the order entity's notes as metadata", "order.paid", {
    payment: payment(),
    order,
  }, { orderRef: { orderId: "ord_settle_1", ...byPayment }, fact: paid }],
  ["failed → reason from error_description, cut short", "payment.failed", {
    payment: payment({
      status: "failed",
      card: undefined,
      error_code: "BAD_REQUEST_ERROR",
      error_description: "x".repeat(900),
    }),
  }, {
    orderRef: byPayment,
    fact: {
      kind: "payment_failed",
      ...byPayment,
      reason: "x".repeat(500) + "… [truncated]",
    },
  }],
  ["failed without a description → its code", "payment.failed", {
    payment: payment({ status: "failed", error_code: "GATEWAY_ERROR" }),
  }, {
    orderRef: byPayment,
    fact: { kind: "payment_failed", ...byPayment, reason: "GATEWAY_ERROR" },
  }],
  ["refund.processed → refund_issued by refund id, found by payment only", "refund.processed", {
    refund,
    payment: payment(),
  }, {
    orderRef: { paymentIntentId: "pay_A1" },
    fact: {
      kind: "refund_issued",
      refundId: "rfnd_R1",
      paymentIntentId: "pay_A1",
      amount: 1000,
      currency: "inr",
    },
  }],
  ["refund.failed → refund_failed by refund id, on the payment's order", "refund.failed", {
    refund: { ...refund, status: "failed" },
  }, {
    orderRef: { paymentIntentId: "pay_A1" },
    fact: {
      kind: "refund_failed",
      refundId: "rfnd_R1",
      paymentIntentId: "pay_A1",
      amount: 1000,
      currency: "inr",
    },
  }],
  ["dispute → dispute_opened, its id in the reason", "payment.dispute.created", {
    payment: payment(),
    dispute,
  }, {
    orderRef: { paymentIntentId: "pay_A1" },
    fact: {
      kind: "dispute_opened",
      paymentIntentId: "pay_A1",
      amount: 2500,
      reason: "chargeback (disp_D1)",
    },
  }],
  ["an unknown type → unhandled", "refund.created", { refund }, {
    unhandled: true,
    type: "refund.created",
    reason: "unhandled_type",
  }],
  ["a prototype key is no mapper", "constructor", {}, {
    unhandled: true,
    type: "constructor",
    reason: "unhandled_type",
  }],
];

for (const [name, event, payload, expected] of TABLE) {
  Deno.test(`razorpay events: ${name}`, () => {
    assert.deepEqual(map(event, payload), expected);
  });
}

Deno.test("razorpay events: an odd card or e-mail is left out, not malformed", () => {
  const mapped = map("payment.captured", {
    payment: payment({ card: { last4: "12", network: "Visa" }, email: "not an email" }),
  });
  assert.ok(!("unhandled" in mapped));
  assert.equal("method" in mapped.fact, false);
  assert.equal("customerEmail" in mapped.fact, false);
});

Deno.test("razorpay events: handled types without their entities are malformed", () => {
  for (
    const [event, payload] of [
      ["payment.captured", {}],
      ["payment.captured", { payment: payment({ amount: "2500" }) }],
      ["payment.captured", { payment: payment({ id: "p".repeat(300) }) }],
      ["order.paid", { payment: payment() }],
      ["refund.processed", { refund: { ...refund, payment_id: undefined } }],
      ["payment.dispute.created", { dispute: { ...dispute, amount: -1 } }],
    ] as const
  ) {
    const mapped = map(event, payload);
    assert.ok("unhandled" in mapped && mapped.reason === "malformed_payload", event);
  }
});

Deno.test("razorpay events: an empty payment id is malformed", () => {
  const mapped = toRazorpayFact(RazorpayEnvelope.parse({
    event: "payment.captured",
    payload: { payment: { entity: { ...payment(), id: "", order_id: null } } },
  }));
  assert.ok("unhandled" in mapped && mapped.reason === "malformed_payload");
});
