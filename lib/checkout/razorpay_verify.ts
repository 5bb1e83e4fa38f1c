/**
 * POST /api/payments/verify: what Razorpay Checkout's `handler` hands the shop, checked and
 * then confirmed with Razorpay itself. The signature (HMAC of `order_id|payment_id` with the
 * key secret, Web Crypto, constant time) only proves the ids came from checkout; a client
 * signature alone never marks an order paid. Settle then fetches the payment and applies
 * what Razorpay says through the one fact path: captured means paid (the domain compares
 * the amount), authorized is captured first (idempotently: "already captured" is done),
 * failed is a failed payment, anything else is still pending. The fact path dedupes by
 * payment id, so verify repeated, or racing the webhook, applies one payment once.
 */
import { z } from "zod";
import { findOrderIdBySession, getOrder } from "../db/orders.ts";
import { recordFact } from "../facts/record_fact.ts";
import { AppError, NotFoundError } from "../http/errors.ts";
import { log } from "../log.ts";
import type { Fact, FactSource, Order } from "../orders/types.ts";
import { ProviderRejectedError } from "../payments/provider.ts";
import type { RazorpayPayment } from "../payments/razorpay/client.ts";
import { failureReason } from "../payments/razorpay/events.ts";
import { verifyPaymentSignature } from "../payments/razorpay/signature.ts";
import type { AppDeps, RazorpayDeps } from "../state.ts";
import type { ShopperOrderView } from "./checkout_state.ts";
import { shopperView } from "./order_status.ts";
import { razorpayOf } from "./razorpay_order.ts";

const RazorpayId = (prefix: string) =>
  z.string().max(64).regex(new RegExp(`^${prefix}_[A-Za-z0-9]{1,58}$`), `must be a ${prefix}_… id`);

export const VerifyRequestSchema = z.object({
  orderId: z.string().min(1).max(100),
  razorpay_order_id: RazorpayId("order"),
  razorpay_payment_id: RazorpayId("pay"),
  razorpay_signature: z.string().min(1).max(200),
});
export type VerifyRequest = z.infer<typeof VerifyRequestSchema>;

/** 400: the ids were not signed with our key secret (or do not belong together). */
export class InvalidSignatureError extends AppError {
  constructor(message = "The payment signature does not match") {
    super(400, "invalid_signature", message);
  }
}

const SOURCE: FactSource = { kind: "success_page" };

export async function verifyRazorpayPayment(
  deps: AppDeps,
  body: VerifyRequest,
): Promise<ShopperOrderView> {
  const rzp = razorpayOf(deps);
  const ok = await verifyPaymentSignature(
    rzp.keySecret,
    body.razorpay_order_id,
    body.razorpay_payment_id,
    body.razorpay_signature,
  );
  if (!ok) throw new InvalidSignatureError();
  // Signed, but for another order of ours: the pair proves nothing about this one.
  const owner = await findOrderIdBySession(deps.kv, "razorpay", body.razorpay_order_id);
  if (owner !== body.orderId) {
    throw new InvalidSignatureError("This payment does not belong to this order");
  }
  const order = (await getOrder(deps.kv, body.orderId)).value;
  if (!order) throw new NotFoundError("No such order", { orderId: body.orderId });
  const payment = await rzp.client.fetchPayment(body.razorpay_payment_id);
  if (payment.order_id !== body.razorpay_order_id) {
    throw new InvalidSignatureError("This payment does not belong to this order");
  }
  return shopperView(await applyRazorpayPayment(deps, rzp, order, payment));
}

/**
 * Every payment Razorpay has on `providerOrderId`, applied (for a repeated create-order or
 * reconciliation: money that came without its webhook is not missed).
 */
export async function applyRazorpayPayments(
  deps: AppDeps,
  rzp: RazorpayDeps,
  order: Order,
  providerOrderId: string,
): Promise<Order> {
  const payments = await rzp.client.orderPayments(providerOrderId);
  // Money first: a failed attempt before a good one must not be the last word.
  const ranked = [...payments].sort((a, b) => rank(a) - rank(b));
  for (const payment of ranked) {
    if (payment.status === "failed" && payments.some((p) => rank(p) < rank(payment))) continue;
    order = await applyRazorpayPayment(deps, rzp, order, payment);
  }
  return order;
}

const rank = (p: RazorpayPayment) =>
  p.status === "captured" || p.status === "refunded" ? 0 : p.status === "authorized" ? 1 : 2;

/** One Razorpay payment applied to its order through the fact path; the order after it. */
export async function applyRazorpayPayment(
  deps: AppDeps,
  rzp: RazorpayDeps,
  order: Order,
  payment: RazorpayPayment,
): Promise<Order> {
  if (payment.status === "authorized") payment = await capture(rzp, order, payment);
  const fact = paymentFact(payment);
  if (!fact) return order;
  const result = await recordFact({ kv: deps.kv, now: deps.now }, order.id, fact, SOURCE);
  return result.order ?? order;
}

/** What Razorpay's payment says, as a fact; null while nothing is settled. */
export function paymentFact(payment: RazorpayPayment): Fact | null {
  const sessionId = payment.order_id ?? null;
  switch (payment.status) {
    // A refunded payment was captured first: its refund is the refund path's to record.
    case "captured":
    case "refunded":
      return {
        kind: "payment_succeeded",
        sessionId,
        paymentIntentId: payment.id,
        amount: payment.amount,
        currency: payment.currency.toLowerCase(),
        ...(payment.email ? { customerEmail: payment.email } : {}),
      };
    case "failed":
      return {
        kind: "payment_failed",
        sessionId,
        paymentIntentId: payment.id,
        reason: failureReason(payment),
      };
    default:
      return null;
  }
}

/**
 * Captures an authorized payment for exactly what it authorized, when that is the order's
 * total in its currency; a payment for another amount is left uncaptured (Razorpay lets an
 * uncaptured authorization lapse and returns it) and recorded as nothing. A second capture
 * (verify and webhook at once, or a retry) is refused by Razorpay: the payment is fetched
 * again and whatever it now says is used.
 */
export async function capture(
  rzp: RazorpayDeps,
  order: Order,
  payment: RazorpayPayment,
): Promise<RazorpayPayment> {
  const right = payment.amount === order.total &&
    payment.currency.toLowerCase() === order.currency.toLowerCase();
  if (!right) {
    log("warn", "an authorized Razorpay payment does not match its order; not captured", {
      orderId: order.id,
      paymentId: payment.id,
      amount: payment.amount,
      currency: payment.currency,
    });
    return payment;
  }
  try {
    return await rzp.client.capturePayment(payment.id, payment.amount, payment.currency);
  } catch (err) {
    if (!(err instanceof ProviderRejectedError)) throw err;
    return await rzp.client.fetchPayment(payment.id);
  }
}
