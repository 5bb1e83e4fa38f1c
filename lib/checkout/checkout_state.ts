/**
 * How the shopper's pages read an order's status: which of a few states to show, and the
 * statuses in plain words. Client-safe (pure, type imports only): the success page's island
 * uses it to turn a polled status into the same state the server rendered.
 */
import type { PublicOrderView } from "../orders/order.ts";
import type { OrderStatus, PaymentStatus } from "../orders/types.ts";

/**
 * An order's status as the shopper sees it: its lifecycle status, except that a paid order
 * whose money does not match it (a wrong amount or currency, not yet acknowledged by the
 * shop) is "under_review" rather than paid.
 */
export type ShopperStatus = OrderStatus | "under_review";
export type ShopperPaymentStatus = PaymentStatus | "under_review";

/** The public view of an order with its statuses as the shopper sees them. */
export interface ShopperOrderView extends Omit<PublicOrderView, "status" | "paymentStatus"> {
  status: ShopperStatus;
  paymentStatus: ShopperPaymentStatus;
  /** Settle has an address to e-mail the receipt to: only then may a page promise one. */
  emailKnown: boolean;
}

/** What the success, cancel and status pages show for an order. */
export type CheckoutState =
  | "paid"
  | "under_review"
  | "pending"
  | "failed"
  | "expired"
  | "cancelled";

export function checkoutState(status: ShopperStatus): CheckoutState {
  switch (status) {
    case "paid":
    case "fulfilled":
      return "paid";
    case "under_review":
    case "pending":
    case "failed":
    case "expired":
    case "cancelled":
      return status;
  }
}

/** Whether the shopper may open a new payment for the order (retry-session may still refuse). */
export function canRetry(status: ShopperStatus): boolean {
  return status === "pending" || status === "failed" || status === "expired";
}

/**
 * What the shopper is told while a payment is under review, on every page and in the
 * retry refusal: money came, it does not match, a person will settle it either way, and
 * paying again is not the answer. No amounts: the flag holds those for the shop.
 */
export const UNDER_REVIEW_TITLE = "We’re checking your payment";
export const UNDER_REVIEW_TEXT = "We received a payment for this order, but it doesn’t match " +
  "the order’s total or currency, so the order isn’t confirmed yet and nothing will be sent " +
  "until it is. The shop is checking it and will either confirm your order or refund the " +
  "payment. Please don’t pay again.";

const ORDER_STATUS_WORDS: Record<ShopperStatus, string> = {
  pending: "Waiting for payment",
  failed: "Payment failed",
  paid: "Paid, being prepared",
  under_review: "Payment under review",
  fulfilled: "Sent",
  expired: "Not paid in time",
  cancelled: "Cancelled",
};

/**
 * The order status page's sentence under the statuses: what happened, whether the order is
 * being prepared or was sent, and refunds. It mentions e-mail only when there is an address;
 * Settle sends receipts, and nothing when an order ships.
 */
export function orderExplanation(order: ShopperOrderView): string {
  const refund = order.paymentStatus === "refunded"
    ? "full"
    : order.paymentStatus === "partially_refunded"
    ? "part"
    : null;
  switch (order.status) {
    case "fulfilled":
      return refund === "full"
        ? "Your order was sent, and your payment was refunded in full."
        : `Your order has been sent.${refund ? " Part of your payment was refunded." : ""}`;
    case "paid":
      if (refund === "full") {
        return "Your payment was refunded in full, so this order will not be sent.";
      }
      return "Your payment is in and we’re preparing your order." +
        (refund ? " Part of your payment was refunded." : "") +
        (order.emailKnown ? " Your receipt comes by e-mail." : "");
    case "under_review":
      return UNDER_REVIEW_TEXT;
    case "pending":
      return "We’re waiting for the payment to be confirmed. A bank debit can take a few " +
        (order.emailKnown
          ? "days to clear; we’ll e-mail your receipt as soon as it does."
          : "days to clear; check this page again to see when it has.");
    case "failed":
      return "The last payment attempt was declined. No money was taken; you can retry the payment.";
    case "expired":
      return "The payment window closed before payment. No money was taken; you can still pay.";
    case "cancelled":
      return "This order was cancelled and can no longer be paid. No money was taken.";
  }
}

/** The order's status in words; a paid order whose money all went back is not prepared. */
export function orderStatusWords(
  order: { status: ShopperStatus; paymentStatus: ShopperPaymentStatus },
) {
  if (order.status === "paid" && order.paymentStatus === "refunded") return "Refunded";
  return ORDER_STATUS_WORDS[order.status];
}

export const PAYMENT_STATUS_WORDS: Record<ShopperPaymentStatus, string> = {
  pending: "Not confirmed yet",
  paid: "Received",
  under_review: "Received, being checked",
  failed: "Declined",
  expired: "Checkout expired",
  refunded: "Refunded",
  partially_refunded: "Partly refunded",
};
