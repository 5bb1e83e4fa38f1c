/**
 * The order state machine: one pure function from (order, fact) to the next order, the
 * outcome and the follow-up work (DESIGN.md "Money and orders"). Rules in short: money facts
 * win, nothing downgrades a paid order, facts about a session that no longer carries the
 * order change nothing, and a fact already reflected in the order is a duplicate.
 *
 * Every call, whatever its outcome, bumps `historySeq` and sets `updatedAt`: the caller
 * writes a history entry for ignored and duplicate facts too, and that entry's seq has to be
 * claimed on the order in the same commit.
 */
import { addAttention, fulfillmentHold, hasAttention, removeAttention } from "./attention.ts";
import { canFulfill, isPaid, normaliseOrder } from "./order.ts";
import { assertAmount, formatMoney } from "./money.ts";
import {
  manuallyPaid,
  paymentSucceeded,
  recordPaymentDetails,
  refunded,
  refundFailed,
  refundIssued,
} from "./payment_facts.ts";
import { applied, duplicate, flagged, ignored, type Verdict } from "./verdict.ts";
import {
  type Fact,
  type FactKind,
  type FactSource,
  type FollowUp,
  FORGOTTEN,
  type HistoryEntry,
  type Order,
  type Transition,
} from "./types.ts";

type Rule<K extends FactKind> = (
  order: Order,
  fact: Extract<Fact, { kind: K }>,
  at: string,
) => Verdict;

/** True when the fact names a session and it is not the order's current one. */
const isStale = (order: Order, sessionId: string | null) =>
  sessionId !== null && sessionId !== order.payment.sessionId;

/** True when the fact comes from an earlier checkout attempt than the order's current one. */
const isEarlierAttempt = (order: Order, attempt: number | undefined) =>
  attempt !== undefined && attempt < order.payment.sessionIds.length;

const isClosed = (order: Order) => order.status === "expired" || order.status === "cancelled";

/** Stock still held for the order is given back once it can no longer be paid. */
const releaseIfHeld = (order: Order): FollowUp[] =>
  order.stock === "reserved" ? ["release_stock"] : [];

const rules: { [K in FactKind]: Rule<K> } = {
  payment_succeeded: paymentSucceeded,
  manually_paid: manuallyPaid,
  refunded,
  refund_issued: refundIssued,
  refund_failed: refundFailed,

  payment_processing(order, fact) {
    if (isStale(order, fact.sessionId)) return ignored("stale_session");
    if (isPaid(order)) return ignored("would_downgrade");
    // Closed orders reopen only when money arrives, and payment_succeeded takes care of that.
    if (isClosed(order)) return ignored("not_allowed");
    const pay = order.payment;
    if (
      order.status === "pending" && fact.paymentIntentId !== null &&
      fact.paymentIntentId === pay.paymentIntentId
    ) {
      return duplicate();
    }
    order.status = "pending";
    pay.status = "pending";
    pay.failureReason = null;
    pay.paymentIntentId = fact.paymentIntentId ?? pay.paymentIntentId;
    return applied();
  },

  payment_failed(order, fact) {
    if (isStale(order, fact.sessionId) || isEarlierAttempt(order, fact.attempt)) {
      return ignored("stale_session");
    }
    if (isPaid(order)) return ignored("would_downgrade");
    // A failed attempt says nothing new about an order that can no longer be paid this way.
    if (isClosed(order)) return ignored("not_allowed");
    const pay = order.payment;
    const intent = fact.paymentIntentId ?? pay.paymentIntentId;
    const failure = `${intent ?? ""}|${fact.reason}`;
    if (
      (order.status === "failed" && pay.failureReason === fact.reason &&
        pay.paymentIntentId === intent) || pay.failures?.includes(failure)
    ) {
      return duplicate();
    }
    order.status = "failed";
    pay.status = "failed";
    pay.failureReason = fact.reason;
    pay.paymentIntentId = intent;
    pay.failures = [...pay.failures ?? [], failure];
    return applied();
  },

  session_expired(order, fact) {
    if (isStale(order, fact.sessionId)) return ignored("stale_session");
    if (isPaid(order)) return ignored("would_downgrade");
    if (order.status === "expired") return duplicate();
    if (order.status === "cancelled") return ignored("not_allowed");
    order.status = "expired";
    order.payment.status = "expired";
    return applied(releaseIfHeld(order));
  },

  /** Only for an order that never got a session; one that did expires with its session. */
  checkout_lapsed(order) {
    if (isPaid(order)) return ignored("would_downgrade");
    if (order.status === "expired") return duplicate();
    if (order.status === "cancelled" || order.payment.sessionId !== null) {
      return ignored("not_allowed");
    }
    order.status = "expired";
    order.payment.status = "expired";
    return applied(releaseIfHeld(order));
  },

  session_created(order, fact) {
    if (isPaid(order) || order.status === "cancelled") {
      return ignored("not_allowed");
    }
    const pay = order.payment;
    if (fact.sessionId === pay.sessionId) return duplicate();
    // An older session announced late must not take the order back from the newer one.
    if (pay.sessionIds.includes(fact.sessionId)) {
      return ignored("stale_session");
    }
    pay.sessionId = fact.sessionId;
    pay.sessionIds.push(fact.sessionId);
    // Paying by card after a Razorpay try (or the reverse) moves the order to that provider.
    if (fact.provider) pay.provider = fact.provider;
    order.status = "pending";
    pay.status = "pending";
    pay.failureReason = null;
    // Reviving an expired order: the caller takes the stock again in this same commit.
    if (order.stock === "released") order.stock = "reserved";
    return applied();
  },

  dispute_opened(order, fact, at) {
    assertAmount(fact.amount, "dispute amount");
    // A dispute is in the currency of the payment it disputes.
    const amount = formatMoney(fact.amount, order.payment.currency ?? order.currency);
    const detail = `${fact.paymentIntentId ?? "unknown payment"}: ${amount} (${fact.reason})`;
    if (hasAttention(order, "dispute", detail)) return duplicate();
    addAttention(order, { reason: "dispute", at, detail });
    return flagged("dispute", ["alert"]);
  },

  cancelled(order) {
    if (isPaid(order)) return ignored("would_downgrade");
    if (order.status === "cancelled") return duplicate();
    // payment.status is left alone: the session may still be open until the provider closes it.
    order.status = "cancelled";
    return applied(releaseIfHeld(order));
  },

  attention_acknowledged(order, fact) {
    const held = fulfillmentHold(order) !== null;
    if (!removeAttention(order, fact.reason)) return ignored("not_allowed");
    // Acknowledging the last hold on a paid, never-shipped order is the person's go-ahead:
    // the paid flow that the hold kept back starts now.
    if (
      held && fulfillmentHold(order) === null && order.status === "paid" &&
      order.fulfillment.status === "not_attempted"
    ) {
      return applied(order.stock === "committed" ? ["fulfil"] : ["on_paid"]);
    }
    return applied();
  },

  fulfillment_started(order) {
    if (order.status === "fulfilled") return ignored("would_downgrade");
    // Unpaid, or held (an open hold flag, or all the money refunded): nothing may leave.
    if (!canFulfill(order)) return ignored("not_allowed");
    const f = order.fulfillment;
    f.status = "pending";
    f.attempts += 1;
    f.error = null;
    return applied();
  },

  fulfillment_succeeded(order, fact) {
    if (order.status === "fulfilled") {
      return order.fulfillment.externalId === fact.externalId
        ? duplicate()
        : ignored("not_allowed");
    }
    if (order.status !== "paid") return ignored("not_allowed");
    order.status = "fulfilled";
    order.fulfillment = {
      ...order.fulfillment,
      status: "success",
      externalId: fact.externalId,
      error: null,
    };
    // "Paid but fulfilment failed" stops being true once the goods are out.
    removeAttention(order, "fulfillment_failed");
    // Only the first success gets here (a repeat is a duplicate): one notice per order.
    return applied(["send_shipped_notice"]);
  },

  fulfillment_failed(order, fact, at) {
    if (order.status === "fulfilled") return ignored("would_downgrade");
    if (order.status !== "paid") return ignored("not_allowed");
    const f = order.fulfillment;
    if (fact.final && f.status === "failed" && f.error === fact.error) {
      return duplicate();
    }
    f.error = fact.error;
    // A non-final failure will be retried: the attempt is still under way.
    f.status = fact.final ? "failed" : "pending";
    if (!fact.final) return applied();
    addAttention(order, {
      reason: "fulfillment_failed",
      at,
      detail: fact.error,
    });
    return flagged("fulfillment_failed", ["alert"]);
  },

  stock_committed(order, fact, at) {
    if (!isPaid(order)) return ignored("not_allowed");
    if (order.stock === "committed") return duplicate();
    order.stock = "committed";
    // The receipt goes out once the paid flow has run, with or without stock to ship; not
    // for money that has all gone back already.
    const receipt: FollowUp[] = order.status === "paid" && order.payment.status !== "refunded"
      ? ["send_receipt"]
      : [];
    if (!fact.available) {
      addAttention(order, { reason: "stock_unavailable", at });
      return flagged("stock_unavailable", ["alert", ...receipt]);
    }
    const ship = order.status === "paid" &&
      order.fulfillment.status === "not_attempted" &&
      fulfillmentHold(order) === null;
    return applied(ship ? ["fulfil", ...receipt] : receipt);
  },

  stock_released(order) {
    // Releasing belongs to expiry and cancel, which never downgrade a paid order either: its
    // stock is sold (or being re-taken), and putting it back on the shelf would oversell.
    if (isPaid(order)) return ignored("would_downgrade");
    if (order.stock === "released") return duplicate();
    order.stock = "released";
    return applied();
  },

  task_dead(order, fact, at) {
    addAttention(order, {
      reason: "task_dead",
      at,
      detail: `${fact.taskKind}: ${fact.error}`,
    });
    // A dead alert must not queue another alert, or a broken alert channel loops forever.
    return flagged("task_dead", fact.taskKind === "alert" ? [] : ["alert"]);
  },

  flag_raised(order, fact, at) {
    if (hasAttention(order, fact.reason, fact.detail)) return duplicate();
    addAttention(order, { reason: fact.reason, at, detail: fact.detail });
    return flagged(fact.reason, ["alert"]);
  },

  customer_forgotten(order) {
    // Nothing personal left (already forgotten, or never given): nothing to record.
    return forgetCustomer(order) ? applied() : duplicate();
  },
};

/**
 * Replaces the personal data of `order` in place with FORGOTTEN: the customer's e-mail,
 * name and phone, the delivery address but its country (kept for tax records), and an
 * e-mail an API caller put in the metadata. True when anything was replaced.
 */
export function forgetCustomer(order: Order): boolean {
  let changed = false;
  const forget = <T extends object>(record: T, fields: (keyof T)[]) => {
    for (const field of fields) {
      const value = record[field];
      if (typeof value === "string" && value !== FORGOTTEN) {
        (record as Record<keyof T, unknown>)[field] = FORGOTTEN;
        changed = true;
      }
    }
  };
  if (order.customer) forget(order.customer, ["email", "name", "phone"]);
  if (order.shipping) {
    forget(order.shipping.address, ["name", "line1", "line2", "city", "region", "postalCode"]);
  }
  forget(order.metadata, ["email"]);
  return changed;
}

/**
 * The next state of `order` after `fact`, at ISO time `at`. Never changes its arguments.
 * Throws RangeError for a fact carrying an impossible amount (boundary parsing rejects those
 * first); a fact of a kind it does not know is ignored as `unhandled_type`.
 */
export function apply(order: Order, fact: Fact, at: string): Transition {
  // A stored order from before the split statuses is read as it would be written today.
  const next = normaliseOrder(structuredClone(order));
  next.historySeq = order.historySeq + 1;
  next.updatedAt = at;
  const rule = rules[fact.kind] as Rule<FactKind> | undefined;
  const verdict = rule ? rule(next, fact, at) : ignored("unhandled_type");
  const acted = verdict.outcome.kind === "applied" ||
    verdict.outcome.kind === "flagged";
  if (acted) return { order: next, ...verdict };
  // Whatever a rule looked at before declining, only the bookkeeping may change.
  const unchanged = normaliseOrder(structuredClone(order));
  unchanged.historySeq = next.historySeq;
  unchanged.updatedAt = at;
  // The one exception: a repeat of a payment may name the shopper's e-mail or card that the
  // first report of it did not (the session's event and the intent's each carry one).
  if (fact.kind === "payment_succeeded" && verdict.outcome.kind === "duplicate") {
    recordPaymentDetails(unchanged, fact);
  }
  return { order: unchanged, ...verdict };
}

/** The `["order_history", orderId, seq]` entry for a transition from `order`. */
export function historyEntry(
  order: Order,
  transition: Transition,
  fact: Fact,
  source: FactSource,
  at: string,
): HistoryEntry {
  return {
    seq: transition.order.historySeq,
    at,
    fact,
    source,
    outcome: transition.outcome,
    from: order.status,
    to: transition.order.status,
  };
}
