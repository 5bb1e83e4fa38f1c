/**
 * What the checkout popup does when the shopper picks an outcome: the same code runs for the
 * served checkout.js and for the `pay()` test helper, so both leave the same trail of
 * payments and webhooks.
 */
import { paymentSignature } from "../signature.ts";
import { type ErrorBody, type PaymentMethod, razorpayId, type RazorpayPayment } from "./objects.ts";
import type { Store } from "./store.ts";

/**
 * - `success`: the payment is authorized (and captured when `autoCapture` is on).
 * - `decline`: the bank declines; the payment fails.
 * - `pending`: a UPI collect request the shopper has not approved yet; the payment stays
 *   `created` until `settle()`.
 */
export type Outcome = "success" | "decline" | "pending";

export interface Payer {
  email?: string;
  contact?: string;
  /** Only for `success`; `pending` is always UPI. Default `card`. */
  method?: PaymentMethod;
}

/** What checkout passes to `options.handler`. */
export interface SuccessResponse {
  razorpay_payment_id: string;
  razorpay_order_id: string;
  razorpay_signature: string;
}

export interface PayResult {
  payment: RazorpayPayment;
  /** Set for `success` and `pending` (see `pay`). */
  response?: SuccessResponse;
  /** Set for `decline`: the object checkout passes to `payment.failed` callbacks as `error`. */
  error?: ErrorBody;
}

const DECLINE = {
  code: "BAD_REQUEST_ERROR",
  description: "Your payment has been declined by the bank. Try another card.",
  source: "bank",
  step: "payment_authorization",
  reason: "payment_declined",
} as const;

/**
 * Runs one checkout attempt. For `pending` the handler response is returned too, although real
 * checkout only calls the handler once the UPI payment is authorized: the shop then verifies a
 * payment that is still `created`, which is the "paid later" path it must survive anyway.
 */
export async function pay(
  store: Store,
  keySecret: string,
  orderId: string,
  outcome: Outcome,
  payer: Payer = {},
): Promise<PayResult> {
  const order = store.order(orderId);
  const method = outcome === "pending" ? "upi" : payer.method ?? "card";
  const payment = store.startPayment(order, {
    method,
    email: payer.email ?? "void@razorpay.com",
    contact: payer.contact ?? "+919000090000",
    card: method === "card" ? testCard() : undefined,
    bank: method === "netbanking" ? "HDFC" : null,
    vpa: method === "upi" ? "success@razorpay" : null,
  });
  if (outcome === "decline") {
    store.fail(payment, DECLINE);
    const metadata = { order_id: order.id, payment_id: payment.id };
    return { payment: structuredClone(payment), error: { ...DECLINE, metadata } };
  }
  if (outcome === "success") store.authorize(payment);
  return {
    payment: structuredClone(payment),
    response: {
      razorpay_payment_id: payment.id,
      razorpay_order_id: order.id,
      razorpay_signature: await paymentSignature(keySecret, order.id, payment.id),
    },
  };
}

/**
 * Finishes a pending payment: the shopper `approved` it in the UPI app (authorized, and
 * captured when `autoCapture` is on) or `rejected` it (failed).
 */
export function settle(
  store: Store,
  paymentId: string,
  outcome: "approved" | "rejected",
): RazorpayPayment {
  const payment = store.payment(paymentId);
  if (payment.status !== "created") {
    throw new Error(`${paymentId} is ${payment.status}, not pending`);
  }
  if (outcome === "approved") store.authorize(payment);
  else store.fail(payment, { ...DECLINE, reason: "payment_cancelled", source: "customer" });
  return structuredClone(payment);
}

function testCard(): RazorpayPayment["card"] {
  return {
    id: razorpayId("card_"),
    entity: "card",
    name: "Test Shopper",
    last4: "1111",
    network: "Visa",
    type: "credit",
    issuer: null,
    international: false,
    emi: false,
  };
}
