/**
 * The order a Razorpay attempt on the checkout page placed (RazorpayPay sets it): the card's
 * Pay button then pays that saved order (a new payment page for it) rather than placing the
 * cart again under the page's idempotency key, which the Razorpay request already used.
 * Client-safe: islands share it.
 */
import { signal } from "@preact/signals-core";

export const placedOrder = signal<{ orderId: string; token: string } | null>(null);
