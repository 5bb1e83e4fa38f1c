/**
 * Orders in each status, written out by hand (not produced by `apply`) so the state machine's
 * tests compare it against states described independently of it. For tests only.
 */
import { newOrder } from "./order.ts";
import type { Order, OrderStatus } from "./types.ts";

export const T0 = new Date("2026-03-04T10:00:00.000Z");
export const AT = "2026-03-04T10:05:00.000Z";
/** 2 × 2500 + 1 × 1500 NZD cents. */
export const TOTAL = 6500;

/** A pending order whose checkout session `cs_1` is open, with one open `task_dead` flag. */
export function pendingOrder(): Order {
  const order = newOrder({
    id: "01JORDER0000000000000000AA",
    number: "SO-20260304-0001",
    items: [
      { productId: "p_tee", title: "Tee", unitAmount: 2500, quantity: 2 },
      { productId: "p_mug", title: "Mug", unitAmount: 1500, quantity: 1 },
    ],
    currency: "nzd",
    cartId: "cart_1",
    metadata: { campaign: "spring" },
    now: T0,
  });
  order.payment.sessionId = "cs_1";
  order.payment.sessionIds = ["cs_1"];
  order.needsAttention = [{ reason: "task_dead", at: T0.toISOString(), detail: "alert: 500" }];
  order.historySeq = 1;
  return order;
}

/** `pendingOrder()` for one 18.00 NZD cap: the amounts of the examples. */
export function capOrder(): Order {
  const order = pendingOrder();
  order.items = [{ productId: "p_cap", title: "Cap", unitAmount: 1800, quantity: 1 }];
  order.subtotal = order.total = 1800;
  return order;
}

/** The refund amounts behind the refund payment statuses in `orderIn`. */
export const REFUNDS = { partially_refunded: 1000, refunded: TOTAL } as const;
type Refunded = keyof typeof REFUNDS;

/**
 * `pendingOrder()` moved by hand to `status`, with the fields that status implies. A paid or
 * fulfilled order may be asked for with a refund payment status (`REFUNDS` refunded of pi_1).
 */
export function orderIn(status: OrderStatus, refund?: Refunded): Order {
  const order = pendingOrder();
  const pay = order.payment;
  const paid = () => {
    order.status = "paid";
    Object.assign(pay, {
      status: "paid",
      paymentIntentId: "pi_1",
      paidIntentIds: ["pi_1"],
      paidSessionIds: ["cs_1"],
      amountReceived: TOTAL,
      currency: "nzd",
    });
  };
  switch (status) {
    case "pending":
      break;
    case "failed":
      order.status = pay.status = "failed";
      pay.paymentIntentId = "pi_1";
      pay.failureReason = "card_declined";
      break;
    case "paid":
      paid();
      break;
    case "fulfilled":
      paid();
      order.status = "fulfilled";
      order.stock = "committed";
      order.fulfillment = { status: "success", attempts: 1, externalId: "ful_1", error: null };
      break;
    case "expired":
      order.status = pay.status = "expired";
      order.stock = "released";
      break;
    case "cancelled":
      order.status = "cancelled";
      order.stock = "released";
      break;
  }
  if (refund) {
    if (status !== "paid" && status !== "fulfilled") throw new Error(`${status} holds no money`);
    pay.status = refund;
    pay.refundedAmount = REFUNDS[refund];
    pay.refundedByIntent = { pi_1: REFUNDS[refund] };
  }
  return order;
}
