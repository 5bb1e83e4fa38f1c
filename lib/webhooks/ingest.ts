/**
 * Stripe webhooks: verify, map to a fact (lib/payments/stripe_events.ts), and record it
 * through the provider-neutral path (record_event.ts): dedupe by event id, index-first
 * order lookup, kept events, malformed payloads. A verified event is trusted as delivered;
 * the provider is asked again only by reconciliation or the success page.
 */
import { toFact } from "../payments/stripe_events.ts";
import type { AppDeps } from "../state.ts";
import { ingestMapped, type IngestResult } from "./record_event.ts";

export type { IngestResult } from "./record_event.ts";

export async function ingestWebhook(
  deps: AppDeps,
  rawBody: string,
  headers: Headers,
): Promise<IngestResult> {
  const event = await deps.provider.parseWebhook(rawBody, headers);
  return await ingestMapped(
    deps,
    { provider: deps.provider.name, id: event.id, type: event.type, object: event.object },
    toFact(event),
  );
}
