import assert from "node:assert/strict";
import { HOLD_REASONS, paymentUnderReview, REVIEW_REASONS } from "./attention.ts";
import { canFulfill } from "./order.ts";
import { AT, capOrder, orderIn, pendingOrder, TOTAL } from "./order_fixtures.ts";
import { apply } from "./transitions.ts";
import type { Fact, Order, Transition } from "./types.ts";

const pay = (
  paymentIntentId: string | null,
  over: Partial<Extract<Fact, { kind: "payment_succeeded" }>> = {},
): Fact => ({
  kind: "payment_succeeded",
  sessionId: "cs_1",
  paymentIntentId,
  amount: TOTAL,
  currency: "nzd",
  ...over,
});
const refund = (paymentIntentId: string, amountRefunded: number): Fact => ({
  kind: "refunded",
  paymentIntentId,
  amountRefunded,
  currency: "nzd",
});

const issued = (refundId: string, amount: number, paymentIntentId = "pi_1"): Fact => ({
  kind: "refund_issued",
  refundId,
  paymentIntentId,
  amount,
  currency: "nzd",
});

/** Every ordering of `items`. */
function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest])
  );
}

/** Applies the facts in order; returns every transition (the last one's order is current). */
function run(order: Order, ...facts: Fact[]): Transition[] {
  const out: Transition[] = [];
  for (const fact of facts) {
    out.push(apply(order, fact, AT));
    order = out.at(-1)!.order;
  }
  return out;
}
const kinds = (ts: Transition[]) =>
  ts.map((t) => "reason" in t.outcome ? `${t.outcome.kind}:${t.outcome.reason}` : t.outcome.kind);
const reasons = (order: Order) => order.needsAttention.map((a) => a.reason);

Deno.test("the same payment intent reported twice counts once", () => {
  const [first, again] = run(pendingOrder(), pay("pi_1"), pay("pi_1"));
  assert.deepEqual(kinds([first, again]), ["applied", "duplicate"]);
  assert.deepEqual(first.followUps, ["on_paid"]);
  assert.deepEqual(again.followUps, []);
  assert.equal(again.order.payment.amountReceived, TOTAL);
  assert.deepEqual(again.order.payment.paidIntentIds, ["pi_1"]);
  assert.deepEqual({ ...again.order, historySeq: 0 }, { ...first.order, historySeq: 0 });
});

Deno.test("without an intent, a repeat for the session that paid is a duplicate", () => {
  const ts = run(pendingOrder(), pay(null), pay(null));
  assert.deepEqual(kinds(ts), ["applied", "duplicate"]);
  assert.equal(ts[1].order.payment.amountReceived, TOTAL);
});

Deno.test("a second payment with another intent is kept and flagged", () => {
  const ts = run(pendingOrder(), pay("pi_1"), pay("pi_2", { sessionId: "cs_2" }));
  const { order, followUps } = ts[1];
  assert.deepEqual(kinds(ts), ["applied", "flagged:second_payment"]);
  assert.deepEqual(followUps, ["alert"]);
  assert.equal(order.status, "paid");
  assert.equal(order.payment.amountReceived, 2 * TOTAL);
  assert.deepEqual(order.payment.paidIntentIds, ["pi_1", "pi_2"]);
  assert.equal(order.payment.paymentIntentId, "pi_1");
  assert.ok(reasons(order).includes("second_payment"));
  assert.ok(canFulfill(order), "a second payment does not hold the first one's goods");
});

Deno.test("an amount below the total is accepted, flagged and held", () => {
  const [t] = run(pendingOrder(), pay("pi_1", { amount: TOTAL - 1 }));
  assert.deepEqual(kinds([t]), ["flagged:amount_mismatch"]);
  assert.deepEqual(t.followUps, ["alert"]);
  assert.equal(t.order.status, "paid");
  assert.equal(t.order.payment.amountReceived, TOTAL - 1);
  const flag = t.order.needsAttention.find((a) => a.reason === "amount_mismatch");
  assert.equal(flag?.detail, "expected $65.00, received pi_1: $64.99");
  assert.equal(canFulfill(t.order), false);
});

Deno.test("another currency is an amount mismatch; the currency's case is not", () => {
  const [other] = run(pendingOrder(), pay("pi_1", { currency: "AUD" }));
  assert.deepEqual(kinds([other]), ["flagged:amount_mismatch"]);
  assert.equal(other.order.payment.currency, "nzd", "the payment keeps the order's currency");
  assert.deepEqual(other.order.payment.received, { amount: TOTAL, currency: "aud" });
  const [upper] = run(pendingOrder(), pay("pi_1", { currency: "NZD" }));
  assert.deepEqual(kinds([upper]), ["applied"]);
  assert.equal(upper.order.payment.currency, "nzd");
  assert.equal(upper.order.payment.received, undefined, "a matching payment records no mismatch");
});

Deno.test("1 USD on an 18.00 NZD order: paid but under review, NZD kept, 100 USD recorded beside, held until acknowledged", () => {
  const [t, ack] = run(
    capOrder(),
    pay("pi_1", { amount: 100, currency: "usd" }),
    { kind: "attention_acknowledged", reason: "amount_mismatch", note: "refunded, re-invoiced" },
  );
  assert.deepEqual(kinds([t, ack]), ["flagged:amount_mismatch", "applied"]);
  assert.deepEqual(t.followUps, ["alert"], "no on_paid: nothing ships, the cart stays");
  assert.deepEqual([t.order.status, t.order.currency, t.order.payment.currency], [
    "paid",
    "nzd",
    "nzd",
  ]);
  assert.deepEqual(t.order.payment.received, { amount: 100, currency: "usd" });
  assert.equal(paymentUnderReview(t.order), true);
  assert.equal(canFulfill(t.order), false);
  assert.deepEqual(ack.followUps, ["on_paid"], "acknowledging starts the paid flow");
  assert.equal(paymentUnderReview(ack.order), false);
  assert.deepEqual(
    ack.order.payment.received,
    { amount: 100, currency: "usd" },
    "kept as a record",
  );
});

Deno.test("a short payment in the order's currency is under review; a matching or Adaptive Pricing one is not", () => {
  const [short] = run(capOrder(), pay("pi_1", { amount: 1700 }));
  assert.equal(paymentUnderReview(short.order), true);
  assert.deepEqual(short.order.payment.received, { amount: 1700, currency: "nzd" });
  const [full] = run(capOrder(), pay("pi_1", { amount: 1800 }));
  const usd = { amount: 1035, currency: "usd" };
  const [converted] = run(capOrder(), pay("pi_1", { amount: 1800, presentment: usd }));
  for (const t of [full, converted]) {
    assert.equal(paymentUnderReview(t.order), false);
    assert.equal(t.order.payment.received, undefined);
  }
});

Deno.test("a payment under review that is refunded in full reads refunded, not under review", () => {
  const ts = run(capOrder(), pay("pi_1", { amount: 100, currency: "usd" }), refund("pi_1", 100));
  assert.deepEqual(kinds(ts), ["flagged:amount_mismatch", "applied"]);
  assert.equal(ts[1].order.payment.status, "refunded");
  assert.equal(paymentUnderReview(ts[1].order), false);
});

Deno.test("every review flag also holds fulfilment", () => {
  for (const reason of REVIEW_REASONS) assert.ok(HOLD_REASONS.includes(reason), reason);
});

Deno.test("a converted payment is compared in the order's currency and recorded beside it", () => {
  // Adaptive Pricing: the order is 18.00 NZD, the shopper paid 10.35 USD. Either side may be
  // the one the provider states first; the NZD side is what counts.
  const usd = { amount: 1035, currency: "usd" };
  const facts = [
    pay("pi_1", { amount: 1800, presentment: usd }),
    pay("pi_1", { amount: 1035, currency: "USD", presentment: { amount: 1800, currency: "NZD" } }),
  ];
  for (const fact of facts) {
    const [t] = run(capOrder(), fact);
    assert.deepEqual(kinds([t]), ["applied"]);
    assert.deepEqual(t.followUps, ["on_paid"]);
    const { status, amountReceived, currency, presentment } = t.order.payment;
    assert.deepEqual([t.order.status, status], ["paid", "paid"]);
    assert.deepEqual({ amountReceived, currency, presentment }, {
      amountReceived: 1800,
      currency: "nzd",
      presentment: usd,
    });
    assert.ok(canFulfill(t.order));
  }
});

Deno.test("a converted payment whose source amount is wrong still flags a mismatch", () => {
  const usd = { amount: 1035, currency: "usd" };
  const [wrong] = run(capOrder(), pay("pi_1", { amount: 1700, presentment: usd }));
  assert.deepEqual(kinds([wrong]), ["flagged:amount_mismatch"]);
  const flag = wrong.order.needsAttention.find((a) => a.reason === "amount_mismatch");
  assert.equal(flag?.detail, "expected $18.00, received pi_1: $17.00 (paid as US$10.35)");
  assert.equal(canFulfill(wrong.order), false);
  // Neither side in the order's currency: nothing to compare with, so a person looks.
  const aud = { amount: 1600, currency: "aud" };
  for (const presentment of [undefined, aud]) {
    const [t] = run(capOrder(), pay("pi_1", { ...usd, presentment }));
    assert.deepEqual(kinds([t]), ["flagged:amount_mismatch"]);
    assert.equal(t.order.payment.currency, "nzd");
    assert.deepEqual(t.order.payment.received, usd);
  }
});

Deno.test("paid after expiry: money recorded, nothing ships until acknowledged", () => {
  const ts = run(
    orderIn("expired"),
    pay("pi_1"),
    { kind: "attention_acknowledged", reason: "paid_after_expiry", note: "restocked" },
  );
  assert.deepEqual(kinds(ts), ["flagged:paid_after_expiry", "applied"]);
  assert.deepEqual(ts[0].followUps, ["alert"]);
  assert.equal(ts[0].order.status, "paid");
  assert.equal(ts[0].order.stock, "released");
  assert.equal(canFulfill(ts[0].order), false);
  assert.deepEqual(ts[1].followUps, ["on_paid"], "the go-ahead starts the paid flow");
});

Deno.test("paid after cancel with a wrong amount: both flags, both must be cleared", () => {
  const ack = (reason: "paid_after_cancel" | "amount_mismatch"): Fact => ({
    kind: "attention_acknowledged",
    reason,
    note: "ok",
  });
  const ts = run(
    orderIn("cancelled"),
    pay("pi_1", { amount: 100 }),
    ack("paid_after_cancel"),
    ack("amount_mismatch"),
  );
  assert.deepEqual(kinds(ts), ["flagged:paid_after_cancel", "applied", "applied"]);
  assert.deepEqual(reasons(ts[0].order), ["task_dead", "paid_after_cancel", "amount_mismatch"]);
  assert.deepEqual(ts.map((t) => t.followUps), [["alert"], [], ["on_paid"]]);
});

Deno.test("a decline, then a retry session that pays", () => {
  const failed: Fact = {
    kind: "payment_failed",
    sessionId: "cs_1",
    paymentIntentId: "pi_1",
    reason: "card_declined",
  };
  const ts = run(
    pendingOrder(),
    failed,
    { kind: "session_created", sessionId: "cs_2" },
    { kind: "session_expired", sessionId: "cs_1" },
    failed,
    pay("pi_2", { sessionId: "cs_2" }),
  );
  assert.deepEqual(kinds(ts), [
    "applied",
    "applied",
    "ignored:stale_session",
    "ignored:stale_session",
    "applied",
  ]);
  assert.deepEqual(ts.map((t) => t.order.status), [
    "failed",
    "pending",
    "pending",
    "pending",
    "paid",
  ]);
  assert.equal(ts[0].order.payment.failureReason, "card_declined");
  assert.equal(ts[1].order.payment.failureReason, null);
  const paid = ts[4].order;
  assert.deepEqual(paid.payment.sessionIds, ["cs_1", "cs_2"]);
  assert.equal(paid.payment.paymentIntentId, "pi_2");
  assert.deepEqual(ts[4].followUps, ["on_paid"]);
});

Deno.test("a decline of an earlier attempt arriving after the retry leaves the order payable", () => {
  // Stripe's payment_intent.payment_failed and charge.failed name no session, only the
  // attempt Settle wrote into the intent's metadata.
  const late: Fact = {
    kind: "payment_failed",
    sessionId: null,
    paymentIntentId: "pi_1",
    reason: "card_declined",
    attempt: 1,
  };
  const ts = run(
    pendingOrder(),
    { kind: "session_created", sessionId: "cs_2" },
    late,
    { ...late, paymentIntentId: "pi_2", attempt: 2 },
  );
  assert.deepEqual(kinds(ts), ["applied", "ignored:stale_session", "applied"]);
  assert.deepEqual(ts.map((t) => t.order.status), ["pending", "pending", "failed"]);
});

Deno.test("a decline, then success on the same session (card retried in checkout)", () => {
  const ts = run(
    pendingOrder(),
    { kind: "payment_failed", sessionId: "cs_1", paymentIntentId: "pi_1", reason: "declined" },
    pay("pi_1"),
  );
  assert.deepEqual(kinds(ts), ["applied", "applied"]);
  assert.equal(ts[1].order.status, "paid");
  assert.equal(ts[1].order.payment.failureReason, null);
});

Deno.test("money on an old session still pays, and makes that session current", () => {
  const ts = run(
    pendingOrder(),
    { kind: "session_created", sessionId: "cs_2" },
    pay("pi_1", { sessionId: "cs_1" }),
    { kind: "session_expired", sessionId: "cs_2" },
  );
  assert.deepEqual(kinds(ts), ["applied", "applied", "ignored:stale_session"]);
  assert.equal(ts[2].order.status, "paid");
  assert.equal(ts[2].order.payment.sessionId, "cs_1");
});

Deno.test("an async payment: processing keeps the order pending until it settles", () => {
  const processing: Fact = {
    kind: "payment_processing",
    sessionId: "cs_1",
    paymentIntentId: "pi_3",
  };
  const ts = run(pendingOrder(), processing, processing, pay("pi_3"));
  assert.deepEqual(kinds(ts), ["applied", "duplicate", "applied"]);
  assert.equal(ts[0].order.status, "pending");
  assert.equal(ts[0].order.payment.paymentIntentId, "pi_3");
  assert.equal(ts[2].order.status, "paid");
});

Deno.test("cumulative refunds move the payment status only: partial, repeated, late, full", () => {
  const ts = run(
    orderIn("paid"),
    refund("pi_1", 2000),
    refund("pi_1", 2000),
    refund("pi_1", 1500),
    refund("pi_1", TOTAL),
  );
  assert.deepEqual(kinds(ts), ["applied", "duplicate", "duplicate", "applied"]);
  assert.deepEqual(ts.map((t) => t.order.payment.status), [
    "partially_refunded",
    "partially_refunded",
    "partially_refunded",
    "refunded",
  ]);
  assert.deepEqual(ts.map((t) => t.order.status), ["paid", "paid", "paid", "paid"]);
  assert.deepEqual(ts.map((t) => t.order.payment.refundedAmount), [2000, 2000, 2000, TOTAL]);
  assert.ok(canFulfill(ts[0].order), "a partially refunded order still ships");
  assert.equal(canFulfill(ts[3].order), false, "a fully refunded one does not");
});

Deno.test("refunds of two payments add up instead of hiding each other", () => {
  const ts = run(
    orderIn("paid"),
    pay("pi_2", { sessionId: "cs_2" }),
    refund("pi_2", TOTAL),
    refund("pi_1", TOTAL),
  );
  assert.deepEqual(kinds(ts), ["flagged:second_payment", "applied", "applied"]);
  assert.equal(ts[1].order.payment.status, "partially_refunded");
  assert.equal(ts[2].order.payment.status, "refunded");
  assert.equal(ts[2].order.status, "paid");
  assert.equal(ts[2].order.payment.refundedAmount, 2 * TOTAL);
  assert.deepEqual(ts[2].order.payment.refundedByIntent, { pi_1: TOTAL, pi_2: TOTAL });
});

Deno.test("an order without per-intent refunds counts its refund against its intent", () => {
  const legacy = orderIn("fulfilled", "partially_refunded");
  delete legacy.payment.refundedByIntent;
  const ts = run(legacy, refund("pi_1", 1000), refund("pi_1", 3000));
  assert.deepEqual(kinds(ts), ["duplicate", "applied"]);
  assert.equal(ts[1].order.payment.refundedAmount, 3000);
});

Deno.test("two refunds recorded by id add up to their sum, and a repeat of either is a duplicate", () => {
  const ts = run(orderIn("paid"), issued("re_a", 950), issued("re_b", 900), issued("re_a", 950));
  assert.deepEqual(kinds(ts), ["applied", "applied", "duplicate"]);
  assert.deepEqual(ts.map((t) => t.order.payment.refundedAmount), [950, 1850, 1850]);
  assert.deepEqual(ts[2].order.payment.refunds, [
    { id: "re_a", paymentIntentId: "pi_1", amount: 950 },
    { id: "re_b", paymentIntentId: "pi_1", amount: 900 },
  ]);
  assert.equal(ts[2].order.payment.status, "partially_refunded");
});

Deno.test("two refunds by id and the provider's cumulative reports of them total exactly their sum in all 24 arrival orders", () => {
  // The provider's view after each refund: 950, then 950 + 900.
  const facts = [
    issued("re_a", 950),
    issued("re_b", 900),
    refund("pi_1", 950),
    refund("pi_1", 1850),
  ];
  for (const order of permutations(facts)) {
    const ts = run(orderIn("paid"), ...order);
    const totals = ts.map((t) => t.order.payment.refundedAmount);
    const label = order.map((f) =>
      f.kind === "refunded" ? f.amountRefunded : "refundId" in f ? f.refundId : f.kind
    );
    assert.equal(totals.at(-1), 1850, `${label}: ${totals}`);
    assert.ok(
      totals.every((n, i) => n <= 1850 && n >= (totals[i - 1] ?? 0)),
      `${label}: ${totals}`,
    );
  }
});

Deno.test("a cumulative report above the refunds recorded by id raises the total to it (a refund made outside Settle)", () => {
  const ts = run(orderIn("paid"), issued("re_a", 950), refund("pi_1", 950), refund("pi_1", 1050));
  assert.deepEqual(kinds(ts), ["applied", "duplicate", "applied"]);
  assert.equal(ts[2].order.payment.refundedAmount, 1050);
});

Deno.test("refunds by id count per payment intent beside the other intent's cumulative report", () => {
  const ts = run(
    orderIn("paid"),
    pay("pi_2", { sessionId: "cs_2" }),
    refund("pi_2", 700),
    issued("re_a", 950, "pi_1"),
    refund("pi_1", 950),
  );
  assert.deepEqual(kinds(ts), ["flagged:second_payment", "applied", "applied", "duplicate"]);
  assert.equal(ts[3].order.payment.refundedAmount, 1650);
});

Deno.test("a legacy order (refund status as its status, no per-intent figures, no refund list) takes a refund by id without counting its stored total twice", () => {
  const legacy = orderIn("paid", "partially_refunded");
  (legacy as { status: string }).status = "partially_refunded";
  delete legacy.payment.refundedByIntent;
  delete legacy.payment.refunds;
  // The stored 1000 may already include this refund: only the provider's next figure says.
  const ts = run(legacy, issued("re_a", 500), refund("pi_1", 1500), issued("re_a", 500));
  assert.deepEqual(kinds(ts), ["applied", "applied", "duplicate"]);
  assert.deepEqual(ts.map((t) => t.order.payment.refundedAmount), [1000, 1500, 1500]);
  assert.equal(ts[0].order.status, "paid");
  assert.deepEqual(ts[0].order.payment.refundedByIntent, { pi_1: 1000 });
});

Deno.test("a manual payment is flagged for the books but ships", () => {
  const [t] = run(orderIn("failed"), { kind: "manually_paid" });
  assert.deepEqual(kinds([t]), ["flagged:manual_payment"]);
  assert.deepEqual(t.followUps, ["on_paid"]);
  assert.equal(t.order.payment.amountReceived, TOTAL);
  assert.equal(t.order.payment.currency, "nzd");
  assert.equal(t.order.payment.failureReason, null);
  assert.ok(canFulfill(t.order));
});

Deno.test("impossible amounts throw instead of being recorded", () => {
  for (const amount of [12.5, -1, Number.NaN, 2 ** 53]) {
    assert.throws(() => apply(pendingOrder(), pay("pi_1", { amount }), AT), RangeError);
    assert.throws(() => apply(orderIn("paid"), refund("pi_1", amount), AT), RangeError);
    assert.throws(() => apply(orderIn("paid"), issued("re_x", amount), AT), RangeError);
  }
});

Deno.test("who paid and how: the payment's e-mail and card fill what the order lacks, in either order", () => {
  const card = { brand: "visa", last4: "4242" };
  const rows: {
    name: string;
    order: Order;
    facts: Fact[];
    customer: Order["customer"];
    method: Order["payment"]["method"];
    outcomes: string[];
  }[] = [
    {
      name: "session's e-mail first, then the intent's card (a duplicate) still records it",
      order: pendingOrder(),
      facts: [pay("pi_1", { customerEmail: "kiri@example.nz" }), pay("pi_1", { method: card })],
      customer: { email: "kiri@example.nz" },
      method: card,
      outcomes: ["applied", "duplicate"],
    },
    {
      name: "the intent's card first, then the session's e-mail",
      order: pendingOrder(),
      facts: [pay("pi_1", { method: card }), pay("pi_1", { customerEmail: "kiri@example.nz" })],
      customer: { email: "kiri@example.nz" },
      method: card,
      outcomes: ["applied", "duplicate"],
    },
    {
      name: "a customer asked at checkout is kept over the provider's e-mail",
      order: { ...pendingOrder(), customer: { email: "asked@example.nz", name: "Kiri" } },
      facts: [pay("pi_1", { customerEmail: "other@example.nz" })],
      customer: { email: "asked@example.nz", name: "Kiri" },
      method: undefined,
      outcomes: ["applied"],
    },
    {
      name: "a forgotten customer stays forgotten",
      order: { ...orderIn("paid"), customer: { email: "[forgotten]" } },
      facts: [pay("pi_1", { customerEmail: "kiri@example.nz", method: card })],
      customer: { email: "[forgotten]" },
      method: card,
      outcomes: ["duplicate"],
    },
    {
      name: "nothing named, nothing recorded",
      order: pendingOrder(),
      facts: [pay("pi_1")],
      customer: undefined,
      method: undefined,
      outcomes: ["applied"],
    },
  ];
  for (const row of rows) {
    let order = row.order;
    const outcomes: string[] = [];
    for (const fact of row.facts) {
      const t = apply(order, fact, AT);
      outcomes.push(t.outcome.kind);
      order = t.order;
    }
    assert.deepEqual(outcomes, row.outcomes, row.name);
    assert.deepEqual(order.customer ?? undefined, row.customer ?? undefined, row.name);
    assert.deepEqual(order.payment.method ?? undefined, row.method ?? undefined, row.name);
  }
});
