/**
 * The money rules of the state machine: payments and refunds. Money facts win: a confirmed
 * payment is recorded whatever the order's state, and anything unexpected about it (closed
 * order, wrong amount, second payment) is flagged for a person rather than dropped.
 * Each rule changes the working copy `apply` hands it and returns the verdict.
 */
import { addAttention } from "./attention.ts";
import { assertAmount, formatMoney, normaliseCurrency } from "./money.ts";
import { isPaid } from "./order.ts";
import type { AttentionReason, Fact, Money, Order } from "./types.ts";
import { applied, duplicate, flagged, ignored, type Verdict } from "./verdict.ts";

type PaymentFact = Extract<Fact, { kind: "payment_succeeded" }>;

/** A payment as the order counts it, with the shopper's side of a conversion beside it. */
interface Received {
  sessionId: string | null;
  paymentIntentId: string | null;
  amount: number;
  currency: string;
  presentment: Money | null;
}

const pushNew = (list: string[], value: string | null) => {
  if (value !== null && !list.includes(value)) list.push(value);
};

function isDuplicatePayment(order: Order, fact: PaymentFact): boolean {
  const pay = order.payment;
  if (fact.paymentIntentId !== null) {
    return pay.paidIntentIds.includes(fact.paymentIntentId);
  }
  // Without an intent the session identifies the payment: a session is paid at most once.
  return fact.sessionId !== null &&
    (pay.paidSessionIds ?? []).includes(fact.sessionId);
}

/**
 * The payment in the order's currency where either side of a conversion is in it (Adaptive
 * Pricing: the order's currency is the source, the shopper paid in theirs), so a converted
 * payment is compared with the total like any other. With neither side in the order's
 * currency, the payment stays as stated and cannot match.
 */
function received(order: Order, fact: PaymentFact): Received {
  const { sessionId, paymentIntentId } = fact;
  const stated = { amount: fact.amount, currency: normaliseCurrency(fact.currency) };
  const other = fact.presentment && {
    amount: assertAmount(fact.presentment.amount, "presentment amount"),
    currency: normaliseCurrency(fact.presentment.currency),
  };
  if (!other || other.currency === stated.currency) {
    return { sessionId, paymentIntentId, ...stated, presentment: null };
  }
  const [counted, beside] = other.currency === order.currency ? [other, stated] : [stated, other];
  return { sessionId, paymentIntentId, ...counted, presentment: beside };
}

/**
 * What the provider said about who paid and how, kept where the order has nothing yet: the
 * e-mail it collected becomes the customer of an order that had none (one that was
 * forgotten stays forgotten), and the card fills an empty payment method. Returns whether
 * anything changed. Applied with the payment, and also for a repeat of it (see `apply`), as
 * the session's event (with the e-mail) and the intent's (with the card) come in any order.
 */
export function recordPaymentDetails(order: Order, fact: PaymentFact): boolean {
  let changed = false;
  const email = fact.customerEmail?.trim();
  if (email && !order.customer) {
    order.customer = { email };
    changed = true;
  }
  if (fact.method && !order.payment.method) {
    order.payment.method = { brand: fact.method.brand, last4: fact.method.last4 };
    changed = true;
  }
  return changed;
}

/** Counts money in without touching the order's status. */
function receive(order: Order, payment: Received): void {
  const pay = order.payment;
  pay.amountReceived += payment.amount;
  if (payment.presentment) pay.presentment = payment.presentment;
  pushNew(pay.paidIntentIds, payment.paymentIntentId);
  pushNew(pay.sessionIds, payment.sessionId);
  pay.paidSessionIds = pay.paidSessionIds ?? [];
  pushNew(pay.paidSessionIds, payment.sessionId);
}

/**
 * Money arriving on an order that did not hold any: it becomes paid. The payment's currency
 * stays the order's whatever arrived: a mismatch is recorded beside it (`received`).
 */
function markPaid(order: Order, payment: Received): void {
  const pay = order.payment;
  receive(order, payment);
  order.status = "paid";
  pay.status = "paid";
  pay.currency = order.currency;
  pay.failureReason = null;
  pay.paymentIntentId = payment.paymentIntentId ?? pay.paymentIntentId;
  // The paying session becomes the current one, so later facts for others count as stale.
  pay.sessionId = payment.sessionId ?? pay.sessionId;
}

/** The flag a payment earns from the order being closed, if any. */
function closedReason(order: Order): AttentionReason | null {
  if (order.status === "cancelled") return "paid_after_cancel";
  if (order.status === "expired") return "paid_after_expiry";
  return null;
}

/**
 * Sets the payment's refund status from the amounts; with nothing refunded it stays. Only
 * the money moves: the order stays paid or fulfilled (a full refund holds shipping instead).
 */
function settleRefundStatus(order: Order): void {
  const pay = order.payment;
  if (pay.refundedAmount === 0) {
    // A refund that failed after it was counted gives the payment back its paid status.
    if (pay.status === "refunded" || pay.status === "partially_refunded") pay.status = "paid";
    return;
  }
  pay.status = pay.refundedAmount >= pay.amountReceived ? "refunded" : "partially_refunded";
}

/** "pi_1: $17.00 (paid as US$10.35)", for flags and alerts. */
function describe(payment: Received): string {
  const id = payment.paymentIntentId ?? payment.sessionId ?? "unknown payment";
  const shown = payment.presentment;
  const beside = shown ? ` (paid as ${formatMoney(shown.amount, shown.currency)})` : "";
  return `${id}: ${formatMoney(payment.amount, payment.currency)}${beside}`;
}

/**
 * Flagged payments (closed order, wrong amount) follow up with an alert only: no on_paid, so
 * the cart stays, the stock is neither committed nor re-taken and nothing ships until a
 * person acknowledges the flag, which starts the paid flow then (see attention_acknowledged).
 * A reservation still held stays held: the release task skips orders that are paid.
 * A wrong amount or currency leaves the order paid (money facts win) and under review for
 * the shopper until then (see paymentUnderReview).
 */
export function paymentSucceeded(
  order: Order,
  fact: PaymentFact,
  at: string,
): Verdict {
  assertAmount(fact.amount, "payment amount");
  if (isDuplicatePayment(order, fact)) return duplicate();
  const payment = received(order, fact);
  recordPaymentDetails(order, fact);
  if (isPaid(order)) {
    receive(order, payment);
    settleRefundStatus(order);
    addAttention(order, { reason: "second_payment", at, detail: describe(payment) });
    return flagged("second_payment", ["alert"]);
  }
  const reasons: AttentionReason[] = [];
  const closed = closedReason(order);
  if (closed) reasons.push(closed);
  if (payment.amount !== order.total || payment.currency !== order.currency) {
    reasons.push("amount_mismatch");
  }
  const asked = formatMoney(order.total, order.currency);
  const expected = `expected ${asked}, received ${describe(payment)}`;
  markPaid(order, payment);
  if (reasons.includes("amount_mismatch")) {
    // What arrived, for the person who reviews it; the shopper sees it under review.
    order.payment.received = { amount: payment.amount, currency: payment.currency };
  }
  for (const reason of reasons) {
    addAttention(order, { reason, at, detail: expected });
  }
  return reasons.length ? flagged(reasons[0], ["alert"]) : applied(["on_paid"]);
}

/**
 * An admin records money taken outside the provider (bank transfer, cash) for the order
 * total. It is flagged `manual_payment` so the books can be checked, but it does not hold
 * fulfilment: on_paid follows, unless the order was closed (then it is held like any
 * payment on a closed order). No alert: the person who would read it did this.
 */
export function manuallyPaid(
  order: Order,
  _fact: unknown,
  at: string,
): Verdict {
  if (isPaid(order)) return ignored("not_allowed");
  const closed = closedReason(order);
  markPaid(order, {
    sessionId: null,
    paymentIntentId: null,
    amount: order.total,
    currency: order.currency,
    presentment: null,
  });
  addAttention(order, {
    reason: "manual_payment",
    at,
    detail: formatMoney(order.total, order.currency),
  });
  if (!closed) return flagged("manual_payment", ["on_paid"]);
  addAttention(order, {
    reason: closed,
    at,
    detail: "marked paid by an admin",
  });
  return flagged(closed, []);
}

/**
 * The provider's cumulative refund per payment intent, for the working copy to change.
 * Orders written before per-intent refunds existed: their total belongs to the main intent.
 */
function reportedByIntent(order: Order): Record<string, number> {
  const pay = order.payment;
  if (pay.refundedByIntent) return pay.refundedByIntent;
  return pay.refundedAmount > 0 ? { [pay.paymentIntentId ?? ""]: pay.refundedAmount } : {};
}

/** The refunds recorded by id, summed per payment intent. */
function recordedByIntent(order: Order): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const r of order.payment.refunds ?? []) {
    if (r.failed) continue;
    sums[r.paymentIntentId] = (sums[r.paymentIntentId] ?? 0) + r.amount;
  }
  return sums;
}

/**
 * What the order counts as refunded of one intent. The provider's cumulative figure and the
 * refunds recorded by id both fall short of the truth only by what has not arrived yet, and
 * a refund in one is usually in the other too: the larger of the two never counts one twice.
 */
function countedFor(order: Order, reported: Record<string, number>, intent: string): number {
  return Math.max(reported[intent] ?? 0, recordedByIntent(order)[intent] ?? 0);
}

/** Stores `reported` and sets the total and the payment's refund status from it. */
function recount(order: Order, reported: Record<string, number>): void {
  const pay = order.payment;
  pay.refundedByIntent = reported;
  const intents = new Set([...Object.keys(reported), ...Object.keys(recordedByIntent(order))]);
  pay.refundedAmount = [...intents].reduce((sum, i) => sum + countedFor(order, reported, i), 0);
  settleRefundStatus(order);
}

/**
 * `amountRefunded` is cumulative per payment intent, so a report at or below what the order
 * already counts for that intent (a repeat, an older event arriving late, or refunds already
 * recorded by id) is a duplicate. A higher one raises the count to it, never past it.
 */
export function refunded(
  order: Order,
  fact: Extract<Fact, { kind: "refunded" }>,
): Verdict {
  assertAmount(fact.amountRefunded, "refunded amount");
  if (!isPaid(order)) return ignored("not_allowed");
  const key = fact.paymentIntentId ?? order.payment.paymentIntentId ?? "";
  const reported = reportedByIntent(order);
  if (fact.amountRefunded <= countedFor(order, reported, key)) return duplicate();
  reported[key] = fact.amountRefunded;
  recount(order, reported);
  return applied();
}

/**
 * One refund Settle made, recorded once by its provider id whatever the order of commits:
 * the total rises only past what the provider's cumulative figure already covered.
 */
export function refundIssued(
  order: Order,
  fact: Extract<Fact, { kind: "refund_issued" }>,
): Verdict {
  assertAmount(fact.amount, "refund amount");
  if (!isPaid(order)) return ignored("not_allowed");
  const pay = order.payment;
  const refunds = pay.refunds ?? [];
  const known = refunds.find((r) => r.id === fact.refundId);
  // Its failure arrived first (the webhook beat the admin's own commit): it returned nothing.
  if (known?.failed) return ignored("not_allowed");
  if (known) return duplicate();
  pay.refunds = [
    ...refunds,
    { id: fact.refundId, paymentIntentId: fact.paymentIntentId, amount: fact.amount },
  ];
  recount(order, reportedByIntent(order));
  return applied();
}

/**
 * A refund the provider could not carry out: the money never left. A refund already counted
 * stops counting (the total and the payment's status go back); one not seen yet is kept as
 * failed, so its own record arriving later counts nothing. Either way a person must know:
 * the shopper was told a refund is coming.
 */
export function refundFailed(
  order: Order,
  fact: Extract<Fact, { kind: "refund_failed" }>,
  at: string,
): Verdict {
  assertAmount(fact.amount, "refund amount");
  if (!isPaid(order)) return ignored("not_allowed");
  const pay = order.payment;
  const refunds = pay.refunds ?? [];
  const known = refunds.find((r) => r.id === fact.refundId);
  if (known?.failed) return duplicate();
  const failed = { id: fact.refundId, paymentIntentId: fact.paymentIntentId, amount: fact.amount };
  pay.refunds = [
    ...refunds.filter((r) => r.id !== fact.refundId),
    { ...(known ?? failed), failed: true },
  ];
  recount(order, reportedByIntent(order));
  addAttention(order, {
    reason: "refund_failed",
    at,
    detail: `${fact.refundId} of ${
      formatMoney(fact.amount, fact.currency)
    } on ${fact.paymentIntentId}`,
  });
  return flagged("refund_failed", ["alert"]);
}
