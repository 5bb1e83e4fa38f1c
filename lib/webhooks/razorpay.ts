/**
 * Razorpay webhooks (POST /api/payments/webhook/razorpay): verify `X-Razorpay-Signature`
 * (hex HMAC of the raw body with the webhook secret), map the body to a fact
 * (lib/payments/razorpay/events.ts) and record it through the provider-neutral path
 * (record_event.ts), deduplicated by `x-razorpay-event-id` in
 * `["provider_events", "razorpay", id]`.
 *
 * Razorpay signs no timestamp and not the event id header, so a captured body can be sent
 * again under a new id once the dedupe record expires. That is harmless because the domain
 * dedupes too: payments by payment id (`paidIntentIds`), refunds by refund id, disputes by
 * their id (in the reason), a failure by its payment and reason, and a paid order is never
 * downgraded; a repeated `payment.authorized` finds the payment captured already.
 */
import { capture, paymentFact } from "../checkout/razorpay_verify.ts";
import { razorpayOf } from "../checkout/razorpay_order.ts";
import { getOrder } from "../db/orders.ts";
import { log } from "../log.ts";
import type { Fact } from "../orders/types.ts";
import { WebhookVerificationError } from "../payments/provider.ts";
import {
  type CaptureRequest,
  RazorpayEnvelope,
  toRazorpayFact,
} from "../payments/razorpay/events.ts";
import { verifyWebhookSignature } from "../payments/razorpay/signature.ts";
import { MAX_PROVIDER_ID } from "../payments/stripe_events.ts";
import type { AppDeps, RazorpayDeps } from "../state.ts";
import { ingestMapped, type IngestResult } from "./record_event.ts";

export const RAZORPAY = "razorpay";
/** Razorpay's event ids are short base62 strings; anything else never reaches a KV key. */
const EVENT_ID = new RegExp(`^[A-Za-z0-9_-]{1,${MAX_PROVIDER_ID}}$`);

/** Verifies and parses a delivery; throws WebhookVerificationError (400, nothing written). */
export async function parseRazorpayWebhook(
  rzp: RazorpayDeps,
  rawBody: string,
  headers: Headers,
): Promise<{ id: string; envelope: RazorpayEnvelope; body: unknown }> {
  const signature = headers.get("x-razorpay-signature");
  if (!signature) {
    throw new WebhookVerificationError("missing_header", "Missing X-Razorpay-Signature");
  }
  if (!await verifyWebhookSignature(rzp.webhookSecret, rawBody, signature)) {
    throw new WebhookVerificationError("signature_mismatch", "Signature does not match");
  }
  const id = headers.get("x-razorpay-event-id")?.trim() ?? "";
  if (!EVENT_ID.test(id)) {
    throw new WebhookVerificationError(
      "malformed_header",
      "Missing or invalid x-razorpay-event-id",
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    throw new WebhookVerificationError("invalid_payload", "The body is not JSON");
  }
  const envelope = RazorpayEnvelope.safeParse(body);
  if (!envelope.success) {
    throw new WebhookVerificationError("invalid_payload", "The body is not a Razorpay event");
  }
  return { id, envelope: envelope.data, body };
}

export async function ingestRazorpayWebhook(
  deps: AppDeps,
  rawBody: string,
  headers: Headers,
): Promise<IngestResult> {
  const rzp = razorpayOf(deps);
  const { id, envelope, body } = await parseRazorpayWebhook(rzp, rawBody, headers);
  const mapping = toRazorpayFact(envelope);
  const summaryOf = mainEntity(envelope.payload);
  const event = { provider: RAZORPAY, id, type: envelope.event, object: body, summaryOf };
  const request = "capture" in mapping ? mapping.capture : undefined;
  return await ingestMapped(deps, event, mapping, {
    prepare: request ? (orderId) => captured(deps, rzp, orderId, request) : undefined,
  });
}

/**
 * `payment.authorized` on a known order: capture it (for the order's total only, see
 * capture()) and record what Razorpay then says: the payment when captured, its failure when
 * failed, nothing (ignored on the order's history) while it stays authorized.
 */
async function captured(
  deps: AppDeps,
  rzp: RazorpayDeps,
  orderId: string,
  request: CaptureRequest,
): Promise<Fact | null> {
  const order = (await getOrder(deps.kv, orderId)).value;
  if (!order) return null;
  let payment = await rzp.client.fetchPayment(request.paymentId);
  if (payment.status === "authorized") payment = await capture(rzp, order, payment);
  if (payment.status === "captured" || payment.status === "refunded") return request.paid;
  if (payment.status === "failed") return paymentFact(payment);
  log("warn", "an authorized Razorpay payment was not captured", {
    orderId,
    paymentId: payment.id,
    status: payment.status,
  });
  return null;
}

/** The entity an admin recognises the event by. */
function mainEntity(payload: Record<string, unknown>): unknown {
  for (const name of ["refund", "dispute", "payment", "order"]) {
    const wrapped = payload[name] as { entity?: unknown } | undefined;
    if (typeof wrapped === "object" && wrapped !== null && wrapped.entity) return wrapped.entity;
  }
  return payload;
}
