import assert from "node:assert/strict";
import { AT, orderIn, TOTAL } from "./order_fixtures.ts";
import { apply, historyEntry } from "./transitions.ts";
import type { Fact, FactKind, FactSource, FollowUp, Order, OrderStatus, Outcome } from "./types.ts";
import { ORDER_STATUSES } from "./types.ts";

/** One fact of each kind, as the table applies it to every status. */
const FACTS: { [K in FactKind]: Extract<Fact, { kind: K }> } = {
  payment_succeeded: {
    kind: "payment_succeeded",
    sessionId: "cs_1",
    paymentIntentId: "pi_2",
    amount: TOTAL,
    currency: "nzd",
  },
  payment_processing: { kind: "payment_processing", sessionId: "cs_1", paymentIntentId: "pi_2" },
  payment_failed: {
    kind: "payment_failed",
    sessionId: "cs_1",
    paymentIntentId: "pi_2",
    reason: "insufficient_funds",
  },
  session_expired: { kind: "session_expired", sessionId: "cs_1" },
  session_created: { kind: "session_created", sessionId: "cs_2" },
  refunded: { kind: "refunded", paymentIntentId: "pi_1", amountRefunded: 2000, currency: "nzd" },
  dispute_opened: {
    kind: "dispute_opened",
    paymentIntentId: "pi_1",
    amount: TOTAL,
    reason: "fraud",
  },
  cancelled: { kind: "cancelled" },
  manually_paid: { kind: "manually_paid" },
  attention_acknowledged: { kind: "attention_acknowledged", reason: "task_dead", note: "seen" },
  fulfillment_started: { kind: "fulfillment_started" },
  fulfillment_succeeded: { kind: "fulfillment_succeeded", externalId: "ful_1" },
  fulfillment_failed: { kind: "fulfillment_failed", error: "warehouse down", final: true },
  stock_committed: { kind: "stock_committed", available: true },
  stock_released: { kind: "stock_released" },
  task_dead: { kind: "task_dead", taskKind: "send_receipt", error: "smtp 550" },
};

/** [outcome ("kind" or "kind:reason"), resulting status, follow-ups]. */
type Cell = [string, OrderStatus, FollowUp[]?];

const NOT_ALLOWED = "ignored:not_allowed";
const DOWNGRADE = "ignored:would_downgrade";
const DISPUTE: FollowUp[] = ["alert"];

/** What every (status, fact kind) pair must do: 8 statuses × 16 kinds. */
const TABLE: Record<OrderStatus, Record<FactKind, Cell>> = {
  pending: {
    payment_succeeded: ["applied", "paid", ["on_paid"]],
    payment_processing: ["applied", "pending"],
    payment_failed: ["applied", "failed"],
    session_expired: ["applied", "expired", ["release_stock"]],
    session_created: ["applied", "pending"],
    refunded: [NOT_ALLOWED, "pending"],
    dispute_opened: ["flagged:dispute", "pending", DISPUTE],
    cancelled: ["applied", "cancelled", ["release_stock"]],
    manually_paid: ["flagged:manual_payment", "paid", ["on_paid"]],
    attention_acknowledged: ["applied", "pending"],
    fulfillment_started: [NOT_ALLOWED, "pending"],
    fulfillment_succeeded: [NOT_ALLOWED, "pending"],
    fulfillment_failed: [NOT_ALLOWED, "pending"],
    stock_committed: [NOT_ALLOWED, "pending"],
    stock_released: ["applied", "pending"],
    task_dead: ["flagged:task_dead", "pending", ["alert"]],
  },
  failed: {
    payment_succeeded: ["applied", "paid", ["on_paid"]],
    payment_processing: ["applied", "pending"],
    payment_failed: ["applied", "failed"],
    session_expired: ["applied", "expired", ["release_stock"]],
    session_created: ["applied", "pending"],
    refunded: [NOT_ALLOWED, "failed"],
    dispute_opened: ["flagged:dispute", "failed", DISPUTE],
    cancelled: ["applied", "cancelled", ["release_stock"]],
    manually_paid: ["flagged:manual_payment", "paid", ["on_paid"]],
    attention_acknowledged: ["applied", "failed"],
    fulfillment_started: [NOT_ALLOWED, "failed"],
    fulfillment_succeeded: [NOT_ALLOWED, "failed"],
    fulfillment_failed: [NOT_ALLOWED, "failed"],
    stock_committed: [NOT_ALLOWED, "failed"],
    stock_released: ["applied", "failed"],
    task_dead: ["flagged:task_dead", "failed", ["alert"]],
  },
  paid: {
    payment_succeeded: ["flagged:second_payment", "paid", ["alert"]],
    payment_processing: [DOWNGRADE, "paid"],
    payment_failed: [DOWNGRADE, "paid"],
    session_expired: [DOWNGRADE, "paid"],
    session_created: [NOT_ALLOWED, "paid"],
    refunded: ["applied", "partially_refunded"],
    dispute_opened: ["flagged:dispute", "paid", DISPUTE],
    cancelled: [DOWNGRADE, "paid"],
    manually_paid: [NOT_ALLOWED, "paid"],
    attention_acknowledged: ["applied", "paid"],
    fulfillment_started: ["applied", "paid"],
    fulfillment_succeeded: ["applied", "fulfilled"],
    fulfillment_failed: ["flagged:fulfillment_failed", "paid", ["alert"]],
    stock_committed: ["applied", "paid", ["fulfil", "send_receipt"]],
    stock_released: ["applied", "paid"],
    task_dead: ["flagged:task_dead", "paid", ["alert"]],
  },
  fulfilled: {
    payment_succeeded: ["flagged:second_payment", "fulfilled", ["alert"]],
    payment_processing: [DOWNGRADE, "fulfilled"],
    payment_failed: [DOWNGRADE, "fulfilled"],
    session_expired: [DOWNGRADE, "fulfilled"],
    session_created: [NOT_ALLOWED, "fulfilled"],
    refunded: ["applied", "partially_refunded"],
    dispute_opened: ["flagged:dispute", "fulfilled", DISPUTE],
    cancelled: [DOWNGRADE, "fulfilled"],
    manually_paid: [NOT_ALLOWED, "fulfilled"],
    attention_acknowledged: ["applied", "fulfilled"],
    fulfillment_started: [DOWNGRADE, "fulfilled"],
    fulfillment_succeeded: ["duplicate", "fulfilled"],
    fulfillment_failed: [DOWNGRADE, "fulfilled"],
    stock_committed: ["duplicate", "fulfilled"],
    stock_released: ["applied", "fulfilled"],
    task_dead: ["flagged:task_dead", "fulfilled", ["alert"]],
  },
  expired: {
    payment_succeeded: ["flagged:paid_after_expiry", "paid", ["alert"]],
    payment_processing: [NOT_ALLOWED, "expired"],
    payment_failed: [NOT_ALLOWED, "expired"],
    session_expired: ["duplicate", "expired"],
    session_created: ["applied", "pending"],
    refunded: [NOT_ALLOWED, "expired"],
    dispute_opened: ["flagged:dispute", "expired", DISPUTE],
    cancelled: ["applied", "cancelled"],
    manually_paid: ["flagged:paid_after_expiry", "paid"],
    attention_acknowledged: ["applied", "expired"],
    fulfillment_started: [NOT_ALLOWED, "expired"],
    fulfillment_succeeded: [NOT_ALLOWED, "expired"],
    fulfillment_failed: [NOT_ALLOWED, "expired"],
    stock_committed: [NOT_ALLOWED, "expired"],
    stock_released: ["duplicate", "expired"],
    task_dead: ["flagged:task_dead", "expired", ["alert"]],
  },
  cancelled: {
    payment_succeeded: ["flagged:paid_after_cancel", "paid", ["alert"]],
    payment_processing: [NOT_ALLOWED, "cancelled"],
    payment_failed: [NOT_ALLOWED, "cancelled"],
    session_expired: [NOT_ALLOWED, "cancelled"],
    session_created: [NOT_ALLOWED, "cancelled"],
    refunded: [NOT_ALLOWED, "cancelled"],
    dispute_opened: ["flagged:dispute", "cancelled", DISPUTE],
    cancelled: ["duplicate", "cancelled"],
    manually_paid: ["flagged:paid_after_cancel", "paid"],
    attention_acknowledged: ["applied", "cancelled"],
    fulfillment_started: [NOT_ALLOWED, "cancelled"],
    fulfillment_succeeded: [NOT_ALLOWED, "cancelled"],
    fulfillment_failed: [NOT_ALLOWED, "cancelled"],
    stock_committed: [NOT_ALLOWED, "cancelled"],
    stock_released: ["duplicate", "cancelled"],
    task_dead: ["flagged:task_dead", "cancelled", ["alert"]],
  },
  refunded: {
    // The second payment is money held again beside the full refund of the first.
    payment_succeeded: ["flagged:second_payment", "partially_refunded", ["alert"]],
    payment_processing: [DOWNGRADE, "refunded"],
    payment_failed: [DOWNGRADE, "refunded"],
    session_expired: [DOWNGRADE, "refunded"],
    session_created: [NOT_ALLOWED, "refunded"],
    refunded: ["duplicate", "refunded"],
    dispute_opened: ["flagged:dispute", "refunded", DISPUTE],
    cancelled: [DOWNGRADE, "refunded"],
    manually_paid: [NOT_ALLOWED, "refunded"],
    attention_acknowledged: ["applied", "refunded"],
    fulfillment_started: [NOT_ALLOWED, "refunded"],
    fulfillment_succeeded: [NOT_ALLOWED, "refunded"],
    fulfillment_failed: [NOT_ALLOWED, "refunded"],
    stock_committed: ["duplicate", "refunded"],
    stock_released: ["applied", "refunded"],
    task_dead: ["flagged:task_dead", "refunded", ["alert"]],
  },
  partially_refunded: {
    payment_succeeded: ["flagged:second_payment", "partially_refunded", ["alert"]],
    payment_processing: [DOWNGRADE, "partially_refunded"],
    payment_failed: [DOWNGRADE, "partially_refunded"],
    session_expired: [DOWNGRADE, "partially_refunded"],
    session_created: [NOT_ALLOWED, "partially_refunded"],
    refunded: ["applied", "partially_refunded"],
    dispute_opened: ["flagged:dispute", "partially_refunded", DISPUTE],
    cancelled: [DOWNGRADE, "partially_refunded"],
    manually_paid: [NOT_ALLOWED, "partially_refunded"],
    attention_acknowledged: ["applied", "partially_refunded"],
    fulfillment_started: [NOT_ALLOWED, "partially_refunded"],
    fulfillment_succeeded: [NOT_ALLOWED, "partially_refunded"],
    fulfillment_failed: [NOT_ALLOWED, "partially_refunded"],
    stock_committed: ["duplicate", "partially_refunded"],
    stock_released: ["applied", "partially_refunded"],
    task_dead: ["flagged:task_dead", "partially_refunded", ["alert"]],
  },
};

const label = (o: Outcome) => "reason" in o ? `${o.kind}:${o.reason}` : o.kind;

/** What the order minus its bookkeeping fields looks like. */
const business = ({ historySeq: _s, updatedAt: _u, ...rest }: Order) => rest;

Deno.test("the table covers every status and every fact kind", () => {
  assert.deepEqual(Object.keys(TABLE).sort(), [...ORDER_STATUSES].sort());
  for (const row of Object.values(TABLE)) {
    assert.deepEqual(Object.keys(row).sort(), Object.keys(FACTS).sort());
  }
});

for (const status of ORDER_STATUSES) {
  for (const kind of Object.keys(FACTS) as FactKind[]) {
    const [outcome, to, followUps = []] = TABLE[status][kind];
    Deno.test(`apply: ${status} × ${kind} → ${outcome}, ${to}`, () => {
      const before = orderIn(status);
      const pristine = structuredClone(before);
      const t = apply(before, FACTS[kind], AT);
      assert.equal(label(t.outcome), outcome);
      assert.equal(t.order.status, to);
      assert.deepEqual(t.followUps, followUps);
      assert.deepEqual(before, pristine, "the input order is never changed");
      assert.equal(t.order.historySeq, before.historySeq + 1);
      assert.equal(t.order.updatedAt, AT);
      if (t.outcome.kind === "ignored" || t.outcome.kind === "duplicate") {
        assert.deepEqual(business(t.order), business(before));
      } else {
        assert.notDeepEqual(business(t.order), business(before));
      }
      if (t.outcome.kind === "flagged") {
        const reason = t.outcome.reason;
        assert.ok(t.order.needsAttention.some((a) => a.reason === reason && a.at === AT));
      }
    });
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

Deno.test("apply never writes to its input, even deep inside it", () => {
  for (const status of ORDER_STATUSES) {
    for (const fact of Object.values(FACTS)) {
      const before = deepFreeze(orderIn(status));
      // A write to a frozen object throws in module (strict) code.
      const t = apply(before, deepFreeze(structuredClone(fact)), AT);
      assert.notEqual(t.order, before);
      assert.notEqual(t.order.payment, before.payment);
      assert.notEqual(t.order.needsAttention, before.needsAttention);
    }
  }
});

Deno.test("a fact of an unknown kind is ignored as unhandled_type", () => {
  const before = orderIn("pending");
  const t = apply(before, { kind: "charge_captured" } as unknown as Fact, AT);
  assert.deepEqual(t.outcome, { kind: "ignored", reason: "unhandled_type" });
  assert.deepEqual(business(t.order), business(before));
  assert.equal(t.order.historySeq, 2);
});

Deno.test("historyEntry takes the new seq and the statuses either side", () => {
  const before = orderIn("pending");
  const fact = FACTS.payment_succeeded;
  const source: FactSource = {
    kind: "provider",
    eventId: "evt_1",
    eventType: "checkout.session.completed",
  };
  const t = apply(before, fact, AT);
  assert.deepEqual(historyEntry(before, t, fact, source, AT), {
    seq: 2,
    at: AT,
    fact,
    source,
    outcome: { kind: "applied" },
    from: "pending",
    to: "paid",
  });
});
