import assert from "node:assert/strict";
import { fulfillmentHold } from "./attention.ts";
import { canFulfill } from "./order.ts";
import { AT, capOrder, orderIn, pendingOrder } from "./order_fixtures.ts";
import { apply } from "./transitions.ts";
import type { Fact, Order, Transition } from "./types.ts";

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
const statuses = (o: Order) => [o.status, o.payment.status, o.fulfillment.status];
const overpaid: Fact = {
  kind: "payment_succeeded",
  sessionId: "cs_1",
  paymentIntentId: "pi_1",
  amount: 2000,
  currency: "nzd",
};
const refund = (amountRefunded: number): Fact => ({
  kind: "refunded",
  paymentIntentId: "pi_1",
  amountRefunded,
  currency: "nzd",
});
const ackMismatch: Fact = {
  kind: "attention_acknowledged",
  reason: "amount_mismatch",
  note: "overpayment refunded",
};

Deno.test("only the current session's expiry expires the order", () => {
  const ts = run(
    pendingOrder(),
    { kind: "session_created", sessionId: "cs_2" },
    { kind: "session_expired", sessionId: "cs_1" },
    { kind: "session_expired", sessionId: "cs_2" },
    { kind: "session_expired", sessionId: "cs_2" },
  );
  assert.deepEqual(kinds(ts), ["applied", "ignored:stale_session", "applied", "duplicate"]);
  assert.deepEqual(ts.map((t) => t.followUps), [[], [], ["release_stock"], []]);
  assert.equal(ts[1].order.status, "pending");
  assert.equal(ts[3].order.payment.status, "expired");
});

Deno.test("a late announcement of an older session does not take the order back", () => {
  const ts = run(
    pendingOrder(),
    { kind: "session_created", sessionId: "cs_2" },
    { kind: "session_created", sessionId: "cs_1" },
  );
  assert.deepEqual(kinds(ts), ["applied", "ignored:stale_session"]);
  assert.equal(ts[1].order.payment.sessionId, "cs_2");
});

Deno.test("a retry revives an expired order and asks for its stock again", () => {
  const [t] = run(orderIn("expired"), { kind: "session_created", sessionId: "cs_2" });
  assert.equal(t.order.status, "pending");
  assert.equal(t.order.payment.status, "pending");
  assert.equal(t.order.stock, "reserved");
  assert.deepEqual(t.order.payment.sessionIds, ["cs_1", "cs_2"]);
});

Deno.test("a cancelled order still holding stock releases it; no stock, no task", () => {
  const held = run(orderIn("failed"), { kind: "cancelled" })[0];
  assert.deepEqual(held.followUps, ["release_stock"]);
  assert.equal(held.order.payment.status, "failed");
  const released = { ...orderIn("pending"), stock: "released" as const };
  assert.deepEqual(run(released, { kind: "cancelled" })[0].followUps, []);
});

Deno.test("paid flow: stock committed, shipped, receipt, then fulfilled", () => {
  const ts = run(
    orderIn("paid"),
    { kind: "stock_committed", available: true },
    { kind: "fulfillment_started" },
    { kind: "fulfillment_failed", error: "timeout", final: false },
    { kind: "fulfillment_started" },
    { kind: "fulfillment_succeeded", externalId: "ful_9" },
  );
  assert.deepEqual(kinds(ts), ["applied", "applied", "applied", "applied", "applied"]);
  assert.deepEqual(ts[0].followUps, ["fulfil", "send_receipt"]);
  assert.equal(ts[2].order.fulfillment.status, "pending", "a retryable failure is still under way");
  const done = ts[4].order;
  assert.equal(done.status, "fulfilled");
  assert.deepEqual(done.fulfillment, {
    status: "success",
    attempts: 2,
    externalId: "ful_9",
    error: null,
  });
});

Deno.test("stock gone after payment: flagged, receipt sent, shipping waits for a person", () => {
  const ts = run(
    orderIn("paid"),
    { kind: "stock_committed", available: false },
    { kind: "attention_acknowledged", reason: "stock_unavailable", note: "found more" },
  );
  assert.deepEqual(kinds(ts), ["flagged:stock_unavailable", "applied"]);
  assert.deepEqual(ts[0].followUps, ["alert", "send_receipt"]);
  assert.equal(ts[0].order.stock, "committed");
  assert.equal(fulfillmentHold(ts[0].order), "stock_unavailable");
  assert.deepEqual(ts[1].followUps, ["fulfil"]);
  assert.ok(canFulfill(ts[1].order));
});

Deno.test("a final fulfilment failure flags the order; success later clears it", () => {
  const ts = run(
    orderIn("paid"),
    { kind: "fulfillment_failed", error: "address invalid", final: true },
    { kind: "fulfillment_failed", error: "address invalid", final: true },
    { kind: "fulfillment_succeeded", externalId: "ful_2" },
  );
  assert.deepEqual(kinds(ts), ["flagged:fulfillment_failed", "duplicate", "applied"]);
  assert.equal(ts[0].order.status, "paid", "the customer still sees a paid order");
  assert.equal(ts[0].order.fulfillment.status, "failed");
  assert.ok(!ts[2].order.needsAttention.some((a) => a.reason === "fulfillment_failed"));
});

Deno.test("acknowledging clears one reason; an absent reason is not allowed", () => {
  const ts = run(
    orderIn("fulfilled"),
    { kind: "attention_acknowledged", reason: "task_dead", note: "fixed" },
    { kind: "attention_acknowledged", reason: "task_dead", note: "again" },
  );
  assert.deepEqual(kinds(ts), ["applied", "ignored:not_allowed"]);
  assert.deepEqual(ts[0].order.needsAttention, []);
  assert.deepEqual(ts[0].followUps, [], "nothing held, nothing restarts");
});

Deno.test("the same dispute reported twice is one flag", () => {
  const dispute: Fact = {
    kind: "dispute_opened",
    paymentIntentId: "pi_1",
    amount: 6500,
    reason: "fraudulent",
  };
  const ts = run(orderIn("fulfilled"), dispute, dispute);
  assert.deepEqual(kinds(ts), ["flagged:dispute", "duplicate"]);
  assert.equal(ts[1].order.needsAttention.filter((a) => a.reason === "dispute").length, 1);
});

Deno.test("a dead alert task is flagged without queueing another alert", () => {
  const [t] = run(orderIn("paid"), { kind: "task_dead", taskKind: "alert", error: "slack 500" });
  assert.deepEqual(kinds([t]), ["flagged:task_dead"]);
  assert.deepEqual(t.followUps, []);
  assert.ok(t.order.needsAttention.some((a) => a.detail === "alert: slack 500" && a.at === AT));
});

Deno.test("overpaid, the difference refunded, acknowledged: the order ships", () => {
  const ts = run(
    capOrder(),
    overpaid,
    refund(200),
    ackMismatch,
    { kind: "stock_committed", available: true },
    { kind: "fulfillment_started" },
    { kind: "fulfillment_succeeded", externalId: "ful_3" },
  );
  assert.deepEqual(kinds(ts), [
    "flagged:amount_mismatch",
    "applied",
    "applied",
    "applied",
    "applied",
    "applied",
  ]);
  assert.deepEqual(statuses(ts[1].order), ["paid", "partially_refunded", "not_attempted"]);
  assert.equal(ts[1].order.payment.refundedAmount, 200);
  assert.equal(fulfillmentHold(ts[1].order), "amount_mismatch");
  // The go-ahead starts the paid flow the flag kept back; committing the stock queues fulfil.
  assert.deepEqual(ts[2].followUps, ["on_paid"]);
  assert.deepEqual(ts[3].followUps, ["fulfil", "send_receipt"]);
  assert.ok(canFulfill(ts[3].order));
  assert.deepEqual(statuses(ts[5].order), ["fulfilled", "partially_refunded", "success"]);
});

Deno.test("a full refund before shipping holds it; acknowledging a flag does not lift that", () => {
  const ts = run(capOrder(), overpaid, refund(2000), ackMismatch, { kind: "fulfillment_started" });
  assert.deepEqual(kinds(ts), [
    "flagged:amount_mismatch",
    "applied",
    "applied",
    "ignored:not_allowed",
  ]);
  assert.deepEqual(statuses(ts[2].order), ["paid", "refunded", "not_attempted"]);
  assert.equal(fulfillmentHold(ts[2].order), "refunded");
  assert.deepEqual(ts[2].followUps, [], "nothing restarts while all the money is back");
  assert.equal(canFulfill(ts[2].order), false);
});

Deno.test("a checkout that never got a session lapses: expired, its stock released once", () => {
  for (const order of [pendingOrder(), orderIn("failed")]) {
    Object.assign(order.payment, { sessionId: null, sessionIds: [] });
    const ts = run(order, { kind: "checkout_lapsed" }, { kind: "checkout_lapsed" });
    assert.deepEqual(kinds(ts), ["applied", "duplicate"]);
    assert.deepEqual(statuses(ts[0].order), ["expired", "expired", "not_attempted"]);
    assert.deepEqual(ts[0].followUps, ["release_stock"]);
  }
  const released = pendingOrder();
  Object.assign(released.payment, { sessionId: null, sessionIds: [] });
  released.stock = "released";
  assert.deepEqual(run(released, { kind: "checkout_lapsed" })[0].followUps, []);
});

Deno.test("an earlier attempt's failure seen again after a later one changes nothing; a new reason on one payment applies", () => {
  const failed = (paymentIntentId: string, reason: string): Fact => ({
    kind: "payment_failed",
    sessionId: "cs_1",
    paymentIntentId,
    reason,
  });
  const ts = run(
    pendingOrder(),
    failed("pay_1", "declined by the bank"),
    failed("pay_2", "payment_timed_out"),
    failed("pay_1", "declined by the bank"),
    failed("pay_2", "insufficient funds"),
  );
  assert.deepEqual(kinds(ts), ["applied", "applied", "duplicate", "applied"]);
  const last = ts.at(-1)!.order.payment;
  assert.deepEqual([last.paymentIntentId, last.failureReason], ["pay_2", "insufficient funds"]);
  assert.equal(ts[2].order.payment.paymentIntentId, "pay_2");
});
