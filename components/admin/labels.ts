/**
 * Words for what the admin pages show: statuses, needs-attention reasons, history entries
 * (times: see time.tsx). Plain strings only; Preact escapes them when they are rendered.
 */
import { formatMoney } from "../../lib/orders/money.ts";
import type {
  AttentionReason,
  Fact,
  FactSource,
  FulfillmentStatus,
  IgnoredReason,
  OrderStatus,
  Outcome,
  PaymentStatus,
} from "../../lib/orders/types.ts";

export type Tone = "grey" | "blue" | "green" | "amber" | "red" | "violet";

export const ORDER_STATUS: Record<OrderStatus, [string, Tone]> = {
  pending: ["Pending", "blue"],
  failed: ["Failed", "red"],
  paid: ["Paid", "green"],
  fulfilled: ["Fulfilled", "green"],
  expired: ["Expired", "grey"],
  cancelled: ["Cancelled", "grey"],
};

export const PAYMENT_STATUS: Record<PaymentStatus, [string, Tone]> = {
  pending: ["Pending", "blue"],
  paid: ["Paid", "green"],
  failed: ["Failed", "red"],
  expired: ["Expired", "grey"],
  refunded: ["Refunded", "violet"],
  partially_refunded: ["Part refunded", "violet"],
};

export const FULFILLMENT_STATUS: Record<FulfillmentStatus, [string, Tone]> = {
  not_attempted: ["Not started", "grey"],
  pending: ["In progress", "blue"],
  success: ["Shipped", "green"],
  failed: ["Failed", "red"],
};

export const ATTENTION: Record<AttentionReason, string> = {
  amount_mismatch: "Amount paid differs from the order total",
  second_payment: "Paid twice",
  paid_after_expiry: "Paid after the order expired",
  paid_after_cancel: "Paid after the order was cancelled",
  stock_unavailable: "Paid, but the stock was gone",
  dispute: "Payment disputed",
  fulfillment_failed: "Paid, but fulfilment failed",
  task_dead: "A follow-up task gave up",
  metadata_mismatch: "An event named another order",
  unverified_payment: "Paid through a session Settle never tied to it",
  manual_payment: "Marked paid by hand: check the money arrived",
  refund_failed: "A refund failed: the money was not returned",
};

const IGNORED: Record<IgnoredReason, string> = {
  stale_session: "a session the order no longer uses",
  would_downgrade: "the order is already paid",
  unknown_session: "no order has this session",
  unhandled_type: "Settle does not act on this event type",
  malformed_payload: "the event lacked fields Settle reads",
  not_allowed: "the order's state does not allow it",
};

export function outcomeLabel(outcome: Outcome): [string, Tone] {
  switch (outcome.kind) {
    case "applied":
      return ["Applied", "green"];
    case "duplicate":
      return ["Already applied", "grey"];
    case "ignored":
      return [`Ignored: ${IGNORED[outcome.reason] ?? outcome.reason}`, "amber"];
    case "flagged":
      return [`Flagged: ${ATTENTION[outcome.reason] ?? outcome.reason}`, "red"];
  }
}

export function sourceLabel(source: FactSource): string {
  switch (source.kind) {
    case "provider":
      return "Provider event";
    case "admin":
      return `Admin ${source.actor}`;
    case "reconcile":
      return "Reconciliation";
    case "success_page":
      return "Success page";
    case "system":
      return "Settle";
  }
}

const money = (amount: number, currency: string) => {
  try {
    return formatMoney(amount, currency);
  } catch {
    return `${amount} ${currency}`;
  }
};

/** One line saying what a fact was, e.g. "Payment of $12.50 (pi_123)". */
export function describeFact(fact: Fact | null): string {
  if (!fact) return "Event not acted on";
  switch (fact.kind) {
    case "payment_succeeded": {
      const shown = fact.presentment;
      // Either side of a conversion may come first; "=" reads right both ways.
      const beside = shown ? ` = ${money(shown.amount, shown.currency)}` : "";
      return `Payment of ${money(fact.amount, fact.currency)}${beside}`;
    }
    case "payment_processing":
      return "Payment processing";
    case "payment_failed":
      return `Payment failed: ${fact.reason}`;
    case "session_expired":
      return `Session expired (${fact.sessionId})`;
    case "checkout_lapsed":
      return "Checkout window passed without a session";
    case "session_created":
      return `Checkout session opened (${fact.sessionId})`;
    case "refunded":
      return `Refunded, ${money(fact.amountRefunded, fact.currency)} in total`;
    case "refund_issued":
      return `Refund of ${money(fact.amount, fact.currency)} (${fact.refundId})`;
    case "refund_failed":
      return `Refund of ${money(fact.amount, fact.currency)} failed (${fact.refundId})`;
    case "dispute_opened":
      return `Dispute opened: ${fact.reason}`;
    case "cancelled":
      return "Cancelled";
    case "manually_paid":
      return "Marked paid by hand";
    case "attention_acknowledged":
      return `Acknowledged “${ATTENTION[fact.reason] ?? fact.reason}”: ${fact.note}`;
    case "fulfillment_started":
      return "Fulfilment started";
    case "fulfillment_succeeded":
      return `Fulfilled (${fact.externalId})`;
    case "fulfillment_failed":
      return `Fulfilment failed${fact.final ? " for good" : ""}: ${fact.error}`;
    case "stock_committed":
      return fact.available ? "Stock committed" : "Stock committed, but it was not available";
    case "stock_released":
      return "Stock released";
    case "task_dead":
      return `Task ${fact.taskKind} gave up: ${fact.error}`;
    case "flag_raised":
      return `Flagged: ${fact.detail}`;
    case "customer_forgotten":
      return "Customer forgotten (e-mail, name, phone and address)";
  }
}
