/**
 * The events the scenarios post: one `checkout.session.completed` (paid) per order, shaped
 * as Stripe sends it (lib/payments/stripe_fixtures.ts) with the order's own session, amount,
 * currency and metadata, and signed with the endpoint secret just before a run (Stripe's
 * signatures go stale after five minutes).
 */
import type { Order } from "@/lib/orders/types.ts";
import { stripeEventBody, stripeSession, stripeSignature } from "@/lib/payments/stripe_fixtures.ts";
import type { PreparedRequest } from "../load.ts";
import { WEBHOOK_SECRET } from "./settle.ts";

const hex = (bytes: number) =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0"))
    .join("");

/** The raw body of the paid completion of `order`'s current session. */
export function paidEventBody(order: Order, publicOrigin: string): string {
  const sessionId = order.payment.sessionId;
  if (!sessionId) throw new Error(`order ${order.id} has no checkout session`);
  const created = Math.floor(Date.parse(order.createdAt) / 1000);
  const session = stripeSession({
    id: sessionId,
    amount_subtotal: order.total,
    amount_total: order.total,
    currency: order.currency,
    client_reference_id: order.number,
    created,
    expires_at: created + 31 * 60,
    metadata: { ...order.metadata, order_id: order.id, order_number: order.number },
    payment_intent: `pi_test_${hex(12)}`,
    cancel_url: `${publicOrigin}/checkout/cancel?order=${order.id}`,
    success_url: `${publicOrigin}/checkout/success?session_id={CHECKOUT_SESSION_ID}`,
  });
  return stripeEventBody("checkout.session.completed", session, { id: `evt_test_${hex(12)}` });
}

/** Signs every body now, as Stripe would when delivering it. */
export async function signAll(bodies: string[], secret: string): Promise<PreparedRequest[]> {
  const timestamp = Math.floor(Date.now() / 1000);
  return await Promise.all(bodies.map(async (body) => ({
    body,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
      "stripe-signature": await stripeSignature(body, secret, timestamp),
    },
  })));
}

/** The events of one run, signed now: warm-up first, then the measured ones. */
export function signedEvents(bodies: string[], warmup: number) {
  return async (): Promise<{ warmup: PreparedRequest[]; measured: PreparedRequest[] }> => {
    const signed = await signAll(bodies, WEBHOOK_SECRET);
    return { warmup: signed.slice(0, warmup), measured: signed.slice(warmup) };
  };
}
