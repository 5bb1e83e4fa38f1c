/**
 * Stripe webhooks: verify, map to a fact, find the order, and record it through the one
 * fact path (lib/facts/record_fact.ts), which commits the processed event id with the
 * change. A verified event is trusted as delivered; the provider is asked again only by
 * reconciliation or the success page.
 */
import { findOrderIdByPaymentIntent, findOrderIdBySession } from "../db/orders.ts";
import { recordFact, type RecordResult } from "../facts/record_fact.ts";
import { toFact } from "../payments/stripe_events.ts";
import type { AppDeps } from "../state.ts";

export interface IngestResult extends RecordResult {
  eventId: string;
  type: string;
}

export async function ingestWebhook(
  deps: AppDeps,
  rawBody: string,
  headers: Headers,
): Promise<IngestResult> {
  const { kv, provider } = deps;
  const event = await provider.parseWebhook(rawBody, headers);
  const mapping = toFact(event);
  let orderId: string | null = null;
  if (!("unhandled" in mapping)) {
    const { orderId: fromMetadata, sessionId, paymentIntentId } = mapping.orderRef;
    orderId = fromMetadata ??
      (sessionId ? await findOrderIdBySession(kv, provider.name, sessionId) : null) ??
      (paymentIntentId
        ? await findOrderIdByPaymentIntent(kv, provider.name, paymentIntentId)
        : null);
  }
  const result = await recordFact(
    { kv, now: deps.now, event: { provider: provider.name, id: event.id, type: event.type } },
    orderId,
    "unhandled" in mapping ? null : mapping.fact,
    { kind: "provider", eventId: event.id, eventType: event.type },
  );
  return { ...result, eventId: event.id, type: event.type };
}
