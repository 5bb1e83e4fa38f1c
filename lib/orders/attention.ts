/**
 * Needs-attention flags: what a person must look at, and which of them hold fulfilment.
 * `addAttention`/`removeAttention` change the order they are given: transitions.ts calls them
 * on its own working copy only.
 */
import type { Attention, AttentionReason, Order } from "./types.ts";

/**
 * Flags that stop goods leaving until a person acknowledges them: the money does not match
 * the order, or the order was closed (and its stock possibly sold) when the money came.
 */
export const HOLD_REASONS: readonly AttentionReason[] = [
  "paid_after_cancel",
  "paid_after_expiry",
  "amount_mismatch",
  "stock_unavailable",
  "unverified_payment",
];

/**
 * Flags that put the payment itself in question (it does not match the order). They hold
 * fulfilment too (HOLD_REASONS); on top of that, until a person acknowledges them the
 * shopper sees the order under review rather than paid, and is not offered to pay again.
 */
export const REVIEW_REASONS: readonly AttentionReason[] = ["amount_mismatch"];

/**
 * Whether the shopper should see the order's payment as under review: money arrived and
 * made the order paid, but a review flag is open. Money that has all gone back reads as
 * refunded instead. `order.status` stays "paid": money facts win; this is a view of it.
 */
export function paymentUnderReview(order: Order): boolean {
  return order.status === "paid" && order.payment.status !== "refunded" &&
    REVIEW_REASONS.some((reason) => hasAttention(order, reason));
}

/** Why an order may not ship: a hold flag, or "refunded" when all its money went back. */
export type Hold = AttentionReason | "refunded";

/**
 * What holds fulfilment, or null when nothing does. A full refund is a hold of its own,
 * derived from `payment.status` rather than flagged: no acknowledgement lifts it, only money
 * arriving again (the payment is then partially refunded). A partial refund holds nothing.
 */
export function fulfillmentHold(order: Order): Hold | null {
  if (order.payment.status === "refunded") return "refunded";
  for (const reason of HOLD_REASONS) {
    if (hasAttention(order, reason)) return reason;
  }
  return null;
}

export function hasAttention(
  order: Order,
  reason: AttentionReason,
  detail?: string,
): boolean {
  return order.needsAttention.some((a) =>
    a.reason === reason && (detail === undefined || a.detail === detail)
  );
}

/** Adds a flag unless the same reason with the same detail is already open. */
export function addAttention(order: Order, attention: Attention): void {
  if (!hasAttention(order, attention.reason, attention.detail)) {
    order.needsAttention.push(attention);
  }
}

/** Removes every open flag with `reason`; false when there was none. */
export function removeAttention(
  order: Order,
  reason: AttentionReason,
): boolean {
  const kept = order.needsAttention.filter((a) => a.reason !== reason);
  const removed = kept.length !== order.needsAttention.length;
  order.needsAttention = kept;
  return removed;
}
