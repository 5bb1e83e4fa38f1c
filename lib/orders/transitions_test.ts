import assert from "node:assert/strict";
import { AT, orderIn, TOTAL } from "./order_fixtures.ts";
import { apply, historyEntry } from "./transitions.ts";
import type { Fact, FactKind, FactSource, FollowUp, Order, Outcome } from "./types.ts";
import { FORGOTTEN, ORDER_STATUSES, PAYMENT_STATUSES } from "./types.ts";

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
  checkout_lapsed: { kind: "checkout_lapsed" },
  session_created: { kind: "session_created", sessionId: "cs_2" },
  refunded: { kind: "refunded", paymentIntentId: "pi_1", amountRefunded: 2000, currency: "nzd" },
  refund_issued: {
    kind: "refund_issued",
    refundId: "re_1",
    paymentIntentId: "pi_1",
    amount: 500,
    currency: "nzd",
  },
  refund_failed: {
    kind: "refund_failed",
    refundId: "re_9",
    paymentIntentId: "pi_1",
    amount: 500,
    currency: "nzd",
  },
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
  flag_raised: { kind: "flag_raised", reason: "metadata_mismatch", detail: "evt_1 names o_2" },
  customer_forgotten: { kind: "customer_forgotten" },
};

/**
 * What a fact must do to an order in one state: its outcome alone when it is ignored or a
 * duplicate (nothing changes), else [outcome, "order/payment/fulfilment" statuses after,
 * follow-ups]. Outcomes read "kind" or "kind:reason".
 */
type Cell = string | [string, string, FollowUp[]?];

const NOT_ALLOWED = "ignored:not_allowed";
const DOWNGRADE = "ignored:would_downgrade";
const STALE = "ignored:stale_session";
const DUP = "duplicate";
const DISPUTE: Cell = ["flagged:dispute", "=", ["alert"]];
/** A refund never seen: it counted nothing, so statuses stay; a person still hears of it. */
const REFUND_FAILED: Cell = ["flagged:refund_failed", "=", ["alert"]];
const TASK_DEAD: Cell = ["flagged:task_dead", "=", ["alert"]];
const FLAG_RAISED: Cell = ["flagged:metadata_mismatch", "=", ["alert"]];
const ACK: Cell = ["applied", "="];
/**
 * The fixtures hold no personal data, so there is nothing to forget; with a customer it
 * applies in every state ("forgetting a customer" below).
 */
const FORGET: Cell = DUP;
/** On an order holding no money: facts that need some, and shipping. */
const UNPAID = {
  refunded: NOT_ALLOWED,
  refund_issued: NOT_ALLOWED,
  refund_failed: NOT_ALLOWED,
  stock_committed: NOT_ALLOWED,
  fulfillment_started: NOT_ALLOWED,
  fulfillment_succeeded: NOT_ALLOWED,
  fulfillment_failed: NOT_ALLOWED,
};
/** Closing facts never downgrade an order holding money. */
const KEEPS_PAID = {
  payment_processing: DOWNGRADE,
  payment_failed: DOWNGRADE,
  session_expired: DOWNGRADE,
  checkout_lapsed: DOWNGRADE,
  session_created: NOT_ALLOWED,
  cancelled: DOWNGRADE,
  manually_paid: NOT_ALLOWED,
  stock_released: DOWNGRADE,
};
const SHIPPED = {
  fulfillment_started: DOWNGRADE,
  fulfillment_succeeded: DUP,
  fulfillment_failed: DOWNGRADE,
  stock_committed: DUP,
};

/** The states the table starts from, named "order/payment status". */
const STATES: Record<string, () => Order> = {
  "pending/pending": () => orderIn("pending"),
  "pending/pending, no session": () => {
    const order = orderIn("pending");
    Object.assign(order.payment, { sessionId: null, sessionIds: [] });
    return order;
  },
  "failed/failed": () => orderIn("failed"),
  "expired/expired": () => orderIn("expired"),
  "cancelled/pending": () => orderIn("cancelled"),
  "paid/paid": () => orderIn("paid"),
  "paid/partially_refunded": () => orderIn("paid", "partially_refunded"),
  "paid/refunded": () => orderIn("paid", "refunded"),
  "fulfilled/paid": () => orderIn("fulfilled"),
  "fulfilled/partially_refunded": () => orderIn("fulfilled", "partially_refunded"),
  "fulfilled/refunded": () => orderIn("fulfilled", "refunded"),
};

const NA = "not_attempted";

/** What every (state, fact kind) pair must do: 11 states × 20 kinds; "=" is unchanged. */
const TABLE: Record<string, Record<FactKind, Cell>> = {
  "pending/pending": {
    payment_succeeded: ["applied", `paid/paid/${NA}`, ["on_paid"]],
    payment_processing: ["applied", "="],
    payment_failed: ["applied", `failed/failed/${NA}`],
    session_expired: ["applied", `expired/expired/${NA}`, ["release_stock"]],
    // The session's own expiry decides.
    checkout_lapsed: NOT_ALLOWED,
    session_created: ["applied", "="],
    dispute_opened: DISPUTE,
    cancelled: ["applied", `cancelled/pending/${NA}`, ["release_stock"]],
    manually_paid: ["flagged:manual_payment", `paid/paid/${NA}`, ["on_paid"]],
    attention_acknowledged: ACK,
    ...UNPAID,
    stock_released: ["applied", "="],
    task_dead: TASK_DEAD,
    flag_raised: FLAG_RAISED,
    customer_forgotten: FORGET,
  },
  "pending/pending, no session": {
    payment_succeeded: ["applied", `paid/paid/${NA}`, ["on_paid"]],
    payment_processing: STALE,
    payment_failed: STALE,
    session_expired: STALE,
    checkout_lapsed: ["applied", `expired/expired/${NA}`, ["release_stock"]],
    session_created: ["applied", "="],
    dispute_opened: DISPUTE,
    cancelled: ["applied", `cancelled/pending/${NA}`, ["release_stock"]],
    manually_paid: ["flagged:manual_payment", `paid/paid/${NA}`, ["on_paid"]],
    attention_acknowledged: ACK,
    ...UNPAID,
    stock_released: ["applied", "="],
    task_dead: TASK_DEAD,
    flag_raised: FLAG_RAISED,
    customer_forgotten: FORGET,
  },
  "failed/failed": {
    payment_succeeded: ["applied", `paid/paid/${NA}`, ["on_paid"]],
    payment_processing: ["applied", `pending/pending/${NA}`],
    payment_failed: ["applied", "="],
    session_expired: ["applied", `expired/expired/${NA}`, ["release_stock"]],
    checkout_lapsed: NOT_ALLOWED,
    session_created: ["applied", `pending/pending/${NA}`],
    dispute_opened: DISPUTE,
    cancelled: ["applied", `cancelled/failed/${NA}`, ["release_stock"]],
    manually_paid: ["flagged:manual_payment", `paid/paid/${NA}`, ["on_paid"]],
    attention_acknowledged: ACK,
    ...UNPAID,
    stock_released: ["applied", "="],
    task_dead: TASK_DEAD,
    flag_raised: FLAG_RAISED,
    customer_forgotten: FORGET,
  },
  "expired/expired": {
    payment_succeeded: ["flagged:paid_after_expiry", `paid/paid/${NA}`, ["alert"]],
    payment_processing: NOT_ALLOWED,
    payment_failed: NOT_ALLOWED,
    session_expired: DUP,
    checkout_lapsed: DUP,
    session_created: ["applied", `pending/pending/${NA}`],
    dispute_opened: DISPUTE,
    cancelled: ["applied", `cancelled/expired/${NA}`],
    manually_paid: ["flagged:paid_after_expiry", `paid/paid/${NA}`],
    attention_acknowledged: ACK,
    ...UNPAID,
    stock_released: DUP,
    task_dead: TASK_DEAD,
    flag_raised: FLAG_RAISED,
    customer_forgotten: FORGET,
  },
  "cancelled/pending": {
    payment_succeeded: ["flagged:paid_after_cancel", `paid/paid/${NA}`, ["alert"]],
    payment_processing: NOT_ALLOWED,
    payment_failed: NOT_ALLOWED,
    session_expired: NOT_ALLOWED,
    checkout_lapsed: NOT_ALLOWED,
    session_created: NOT_ALLOWED,
    dispute_opened: DISPUTE,
    cancelled: DUP,
    manually_paid: ["flagged:paid_after_cancel", `paid/paid/${NA}`],
    attention_acknowledged: ACK,
    ...UNPAID,
    stock_released: DUP,
    task_dead: TASK_DEAD,
    flag_raised: FLAG_RAISED,
    customer_forgotten: FORGET,
  },
  "paid/paid": {
    payment_succeeded: ["flagged:second_payment", "=", ["alert"]],
    ...KEEPS_PAID,
    refunded: ["applied", `paid/partially_refunded/${NA}`],
    refund_issued: ["applied", `paid/partially_refunded/${NA}`],
    refund_failed: REFUND_FAILED,
    dispute_opened: DISPUTE,
    attention_acknowledged: ACK,
    fulfillment_started: ["applied", "paid/paid/pending"],
    fulfillment_succeeded: ["applied", "fulfilled/paid/success", ["send_shipped_notice"]],
    fulfillment_failed: ["flagged:fulfillment_failed", "paid/paid/failed", ["alert"]],
    stock_committed: ["applied", "=", ["fulfil", "send_receipt"]],
    task_dead: TASK_DEAD,
    flag_raised: FLAG_RAISED,
    customer_forgotten: FORGET,
  },
  // A partial refund holds nothing: the order ships as if paid in full.
  "paid/partially_refunded": {
    payment_succeeded: ["flagged:second_payment", "=", ["alert"]],
    ...KEEPS_PAID,
    refunded: ["applied", "="],
    // Recorded by its id; the provider's larger figure (1000) still covers it.
    refund_issued: ["applied", "="],
    refund_failed: REFUND_FAILED,
    dispute_opened: DISPUTE,
    attention_acknowledged: ACK,
    fulfillment_started: ["applied", "paid/partially_refunded/pending"],
    fulfillment_succeeded: ["applied", "fulfilled/partially_refunded/success", [
      "send_shipped_notice",
    ]],
    fulfillment_failed: [
      "flagged:fulfillment_failed",
      "paid/partially_refunded/failed",
      ["alert"],
    ],
    stock_committed: ["applied", "=", ["fulfil", "send_receipt"]],
    task_dead: TASK_DEAD,
    flag_raised: FLAG_RAISED,
    customer_forgotten: FORGET,
  },
  // A full refund before shipping holds it: nothing starts, but an attempt already under way
  // is still recorded, whatever the supplier says.
  "paid/refunded": {
    // Money held again beside the full refund of the first payment.
    payment_succeeded: ["flagged:second_payment", `paid/partially_refunded/${NA}`, ["alert"]],
    ...KEEPS_PAID,
    refunded: DUP,
    // Recorded by its id; the total already counts everything received.
    refund_issued: ["applied", "="],
    refund_failed: REFUND_FAILED,
    dispute_opened: DISPUTE,
    attention_acknowledged: ACK,
    fulfillment_started: NOT_ALLOWED,
    fulfillment_succeeded: ["applied", "fulfilled/refunded/success", ["send_shipped_notice"]],
    fulfillment_failed: ["flagged:fulfillment_failed", "paid/refunded/failed", ["alert"]],
    stock_committed: ["applied", "="],
    task_dead: TASK_DEAD,
    flag_raised: FLAG_RAISED,
    customer_forgotten: FORGET,
  },
  "fulfilled/paid": {
    payment_succeeded: ["flagged:second_payment", "=", ["alert"]],
    ...KEEPS_PAID,
    refunded: ["applied", "fulfilled/partially_refunded/success"],
    refund_issued: ["applied", "fulfilled/partially_refunded/success"],
    refund_failed: REFUND_FAILED,
    dispute_opened: DISPUTE,
    attention_acknowledged: ACK,
    ...SHIPPED,
    task_dead: TASK_DEAD,
    flag_raised: FLAG_RAISED,
    customer_forgotten: FORGET,
  },
  "fulfilled/partially_refunded": {
    payment_succeeded: ["flagged:second_payment", "=", ["alert"]],
    ...KEEPS_PAID,
    refunded: ["applied", "="],
    // Recorded by its id; the provider's larger figure (1000) still covers it.
    refund_issued: ["applied", "="],
    refund_failed: REFUND_FAILED,
    dispute_opened: DISPUTE,
    attention_acknowledged: ACK,
    ...SHIPPED,
    task_dead: TASK_DEAD,
    flag_raised: FLAG_RAISED,
    customer_forgotten: FORGET,
  },
  "fulfilled/refunded": {
    payment_succeeded: [
      "flagged:second_payment",
      "fulfilled/partially_refunded/success",
      ["alert"],
    ],
    ...KEEPS_PAID,
    refunded: DUP,
    // Recorded by its id; the total already counts everything received.
    refund_issued: ["applied", "="],
    refund_failed: REFUND_FAILED,
    dispute_opened: DISPUTE,
    attention_acknowledged: ACK,
    ...SHIPPED,
    task_dead: TASK_DEAD,
    flag_raised: FLAG_RAISED,
    customer_forgotten: FORGET,
  },
};

const label = (o: Outcome) => "reason" in o ? `${o.kind}:${o.reason}` : o.kind;
const statuses = (o: Order) => `${o.status}/${o.payment.status}/${o.fulfillment.status}`;

/** What the order minus its bookkeeping fields looks like. */
const business = ({ historySeq: _s, updatedAt: _u, ...rest }: Order) => rest;

Deno.test("the table covers every order and payment status and every fact kind", () => {
  const orders = Object.values(STATES).map((make) => make());
  assert.deepEqual(new Set(orders.map((o) => o.status)), new Set(ORDER_STATUSES));
  assert.deepEqual(new Set(orders.map((o) => o.payment.status)), new Set(PAYMENT_STATUSES));
  assert.deepEqual(Object.keys(TABLE), Object.keys(STATES));
  for (const [name, make] of Object.entries(STATES)) {
    const order = make();
    assert.ok(name.startsWith(`${order.status}/${order.payment.status}`), name);
    assert.deepEqual(Object.keys(TABLE[name]).sort(), Object.keys(FACTS).sort(), name);
  }
});

for (const [name, make] of Object.entries(STATES)) {
  for (const kind of Object.keys(FACTS) as FactKind[]) {
    const cell = TABLE[name][kind];
    const [outcome, after, followUps = []] = typeof cell === "string" ? [cell, "="] : cell;
    Deno.test(`apply: ${name} × ${kind} → ${outcome}, ${after}`, () => {
      const before = make();
      const pristine = structuredClone(before);
      const t = apply(before, FACTS[kind], AT);
      assert.equal(label(t.outcome), outcome);
      assert.equal(statuses(t.order), after === "=" ? statuses(before) : after);
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
  for (const make of Object.values(STATES)) {
    for (const fact of Object.values(FACTS)) {
      const before = deepFreeze(make());
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

Deno.test("forgetting a customer: personal fields read FORGOTTEN in every state, money stays", () => {
  for (const [name, make] of Object.entries(STATES)) {
    const before = make();
    before.customer = { email: "ana@example.nz", name: "Ana Tūī", phone: "+64 21 000 0000" };
    before.shipping = {
      address: {
        name: "Ana Tūī",
        line1: "1 Queen St",
        line2: "Flat 2",
        city: "Auckland",
        postalCode: "1010",
        country: "NZ",
      },
      rateId: "nz_standard",
      label: "Standard",
      amount: 500,
    };
    before.metadata = { ...before.metadata, email: "ana@example.nz" };
    const t = apply(before, FACTS.customer_forgotten, AT);
    assert.equal(label(t.outcome), "applied", name);
    assert.deepEqual(t.followUps, []);
    assert.equal(statuses(t.order), statuses(before), name);
    assert.deepEqual(t.order.customer, { email: FORGOTTEN, name: FORGOTTEN, phone: FORGOTTEN });
    assert.deepEqual(t.order.shipping!.address, {
      name: FORGOTTEN,
      line1: FORGOTTEN,
      line2: FORGOTTEN,
      city: FORGOTTEN,
      postalCode: FORGOTTEN,
      country: "NZ",
    });
    assert.equal(t.order.metadata.email, FORGOTTEN);
    assert.equal(t.order.metadata.campaign, "spring");
    assert.deepEqual(t.order.payment, before.payment, "the money records stay");
    assert.deepEqual([t.order.total, t.order.items], [before.total, before.items]);
    assert.deepEqual(
      { ...t.order.shipping, address: null },
      { ...before.shipping, address: null },
      "the rate and its price stay",
    );
    assert.equal(label(apply(t.order, FACTS.customer_forgotten, AT).outcome), DUP, "once only");
  }
});
