/**
 * How the shopper's pages read an order's status: which of a few states to show, and the
 * statuses in plain words. Client-safe (pure, type imports only): the success page's island
 * uses it to turn a polled status into the same state the server rendered.
 */
import type { OrderStatus, PaymentStatus } from "../orders/types.ts";

/** What the success, cancel and status pages show for an order. */
export type CheckoutState = "paid" | "pending" | "failed" | "expired" | "cancelled";

export function checkoutState(status: OrderStatus): CheckoutState {
  switch (status) {
    case "paid":
    case "fulfilled":
      return "paid";
    case "pending":
    case "failed":
    case "expired":
    case "cancelled":
      return status;
  }
}

/** Whether the shopper may open a new payment for the order (retry-session may still refuse). */
export function canRetry(status: OrderStatus): boolean {
  return status === "pending" || status === "failed" || status === "expired";
}

const ORDER_STATUS_WORDS: Record<OrderStatus, string> = {
  pending: "Waiting for payment",
  failed: "Payment failed",
  paid: "Paid, being prepared",
  fulfilled: "Sent",
  expired: "Not paid in time",
  cancelled: "Cancelled",
};

/** The order's status in words; a paid order whose money all went back is not prepared. */
export function orderStatusWords(order: { status: OrderStatus; paymentStatus: PaymentStatus }) {
  if (order.status === "paid" && order.paymentStatus === "refunded") return "Refunded";
  return ORDER_STATUS_WORDS[order.status];
}

export const PAYMENT_STATUS_WORDS: Record<PaymentStatus, string> = {
  pending: "Not confirmed yet",
  paid: "Received",
  failed: "Declined",
  expired: "Checkout expired",
  refunded: "Refunded",
  partially_refunded: "Partly refunded",
};
