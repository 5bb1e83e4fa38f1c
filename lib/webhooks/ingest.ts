/**
 * Stripe webhooks: verify, map to a fact, find the order, and record it through the one
 * fact path (lib/facts/record_fact.ts), which commits the processed event id with the
 * change. A verified event is trusted as delivered; the provider is asked again only by
 * reconciliation or the success page.
 *
 * An event whose order Settle cannot find yet is kept, never dropped
 * (lib/facts/kept_events.ts): it is applied as soon as the order it names is known. One that
 * is signed but unreadable is kept too, as `malformed_payload`, for admins to see.
 */
import { commitWithRetry } from "../db/atomic.ts";
import { getOrder } from "../db/orders.ts";
import { keys } from "../db/keys.ts";
import {
  type KeptEvent,
  type KeptReason,
  MAX_KEPT_PAYLOAD,
  type OrderRefKey,
  stageKeep,
} from "../facts/kept_events.ts";
import { indexKey } from "../facts/pickups.ts";
import { type ProcessedEvent, recordFact, type RecordResult } from "../facts/record_fact.ts";
import { log } from "../log.ts";
import type { Fact, Order, Outcome } from "../orders/types.ts";
import type { VerifiedEvent } from "../payments/provider.ts";
import { type OrderRef, toFact } from "../payments/stripe_events.ts";
import type { AppDeps } from "../state.ts";

export interface IngestResult extends RecordResult {
  eventId: string;
  type: string;
  /** Set when the event was kept for later instead of applied now. */
  kept?: KeptReason;
}

export async function ingestWebhook(
  deps: AppDeps,
  rawBody: string,
  headers: Headers,
): Promise<IngestResult> {
  const event = await deps.provider.parseWebhook(rawBody, headers);
  try {
    return await ingestEvent(deps, event);
  } catch (err) {
    // Signed, yet too large for the store however it is cut: a 5xx would only make the
    // provider send the same bytes for days. It is kept, without its payload, for admins.
    if (!(err instanceof Error && /too large/i.test(err.message))) throw err;
    const outcome: Outcome = { kind: "ignored", reason: "malformed_payload" };
    const kept = keptEvent(deps, event, null, [], "malformed_payload", err.message);
    return {
      eventId: event.id,
      type: event.type,
      ...(await keep(deps, { ...kept, payload: null }, outcome)),
    };
  }
}

async function ingestEvent(deps: AppDeps, event: VerifiedEvent): Promise<IngestResult> {
  const { kv, provider } = deps;
  const mapping = toFact(event);
  const base = { eventId: event.id, type: event.type };
  if ("unhandled" in mapping && mapping.reason === "malformed_payload") {
    log("warn", "a signed event could not be read: kept for admins", {
      eventId: event.id,
      type: event.type,
      detail: mapping.detail,
    });
    const outcome: Outcome = { kind: "ignored", reason: "malformed_payload" };
    const kept = keptEvent(deps, event, null, [], "malformed_payload", mapping.detail);
    return { ...base, ...(await keep(deps, kept, outcome)) };
  }
  if ("unhandled" in mapping) {
    const result = await recordFact(
      { kv, now: deps.now, event: { provider: provider.name, id: event.id, type: event.type } },
      null,
      null,
      { kind: "provider", eventId: event.id, eventType: event.type },
    );
    return { ...base, ...result };
  }
  const refs = refKeys(mapping.orderRef);
  const found = await findOrder(deps, mapping.orderRef, refs, trustsMetadata(mapping));
  if (!found) {
    const reason: KeptReason = refs.length ? "order_unknown" : "no_order_reference";
    const kept = keptEvent(deps, event, mapping.fact, refs, reason);
    const named = await namedOrder(deps, mapping);
    if (named) kept.namedOrderId = named;
    return { ...base, ...(await keep(deps, kept, { kind: "ignored", reason: "unknown_session" })) };
  }
  const result = await recordFact(
    {
      kv,
      now: deps.now,
      event: { provider: provider.name, id: event.id, type: event.type },
      also: flagsFor(event, mapping, found),
    },
    found.orderId,
    mapping.fact,
    { kind: "provider", eventId: event.id, eventType: event.type },
  );
  return { ...base, ...result };
}

/**
 * Whether an event may find its order by metadata alone, when Settle's indexes do not know
 * its session or payment intent. Session events may: a session whose attach commit failed
 * still belongs to its order (its payment is held for a person, see flagsFor). Payment
 * intent and charge events that move money may not: anyone able to create a payment intent
 * on the account could name any order; they wait until a session indexes the intent.
 */
function trustsMetadata(mapping: { orderRef: OrderRef; fact: Fact }): boolean {
  if (mapping.orderRef.sessionId) return true;
  return mapping.fact.kind === "payment_failed" || mapping.fact.kind === "payment_processing";
}

/** The existing order a payment's metadata names, for the kept payment's fallback. */
async function namedOrder(
  deps: AppDeps,
  mapping: { orderRef: OrderRef; fact: Fact },
): Promise<string | null> {
  const id = mapping.orderRef.orderId;
  if (mapping.fact.kind !== "payment_succeeded" || !id) return null;
  return (await getOrder(deps.kv, id)).value?.id ?? null;
}

/** What a person must check about an event beside applying it. */
function flagsFor(
  event: VerifiedEvent,
  mapping: { orderRef: OrderRef; fact: Fact },
  found: Found,
): Fact[] {
  const named = mapping.orderRef.orderId;
  if (found.via === "index" && named && named !== found.orderId) {
    return [{
      kind: "flag_raised",
      reason: "metadata_mismatch",
      detail: `${event.type} ${event.id} names order ${named.slice(0, 64)} in its metadata`,
    }];
  }
  if (found.via === "metadata" && mapping.fact.kind === "payment_succeeded") {
    return [{
      kind: "flag_raised",
      reason: "unverified_payment",
      detail: `${event.type} ${event.id}: session ${mapping.orderRef.sessionId} was never tied ` +
        `to this order`,
    }];
  }
  return [];
}

/** The session and payment intent an event names: what its order's indexes are keyed by. */
function refKeys(ref: OrderRef): OrderRefKey[] {
  const refs: OrderRefKey[] = [];
  if (ref.sessionId) refs.push({ kind: "session", id: ref.sessionId });
  if (ref.paymentIntentId) refs.push({ kind: "payment_intent", id: ref.paymentIntentId });
  return refs;
}

interface Found {
  orderId: string;
  /** "metadata" when only the event's own metadata named the order. */
  via: "index" | "metadata";
}

/**
 * The order an event belongs to. Settle's own indexes win over metadata: a session or
 * payment intent already tied to an order stays with it whatever the metadata says, and an
 * index is never re-pointed.
 */
async function findOrder(
  deps: AppDeps,
  ref: OrderRef,
  refs: OrderRefKey[],
  metadataToo = false,
): Promise<Found | null> {
  const provider = deps.provider.name;
  const wanted: Deno.KvKey[] = refs.map((r) => indexKey(provider, r));
  const byMetadata = metadataToo && ref.orderId ? ref.orderId : null;
  if (byMetadata) wanted.push(keys.order(byMetadata));
  if (wanted.length === 0) return null;
  const found = await deps.kv.getMany<unknown[]>(wanted);
  const indexed = found.slice(0, refs.length).map((e) => e.value as string | null)
    .find((id) => id);
  if (indexed) return { orderId: indexed, via: "index" };
  const named = byMetadata ? found[refs.length] as Deno.KvEntryMaybe<Order> : null;
  return named?.value ? { orderId: named.value.id, via: "metadata" } : null;
}

function keptEvent(
  deps: AppDeps,
  event: VerifiedEvent,
  fact: Fact | null,
  refs: OrderRefKey[],
  reason: KeptReason,
  detail?: string,
): KeptEvent {
  const payload = JSON.stringify(event.object) ?? "null";
  return {
    provider: deps.provider.name,
    eventId: event.id,
    type: event.type,
    reason,
    receivedAt: deps.now().toISOString(),
    fact,
    refs,
    summary: summarise(event.object),
    payload: payload.length <= MAX_KEPT_PAYLOAD ? payload : null,
    ...(detail ? { detail: detail.slice(0, 500) } : {}),
  };
}

/** "charge ch_… 1000 nzd, payment intent pi_…": enough for an admin to recognise it. */
function summarise(object: unknown): string {
  if (typeof object !== "object" || object === null) return "no object";
  const o = object as Record<string, unknown>;
  const part = (v: unknown) => typeof v === "string" || typeof v === "number" ? String(v) : "";
  const amount = part(o.amount ?? o.amount_total ?? o.amount_received ?? o.amount_refunded);
  const bits = [
    `${part(o.object) || "object"} ${part(o.id)}`.trim(),
    [amount, part(o.currency)].filter(Boolean).join(" "),
    typeof o.payment_intent === "string" ? `payment intent ${o.payment_intent}` : "",
  ];
  return bits.filter(Boolean).join(", ").slice(0, 300);
}

/**
 * Keeps the event: one commit with its processed id, checked against each of its
 * references being indexed meanwhile. If one was, the event is recorded on that order.
 */
async function keep(
  deps: AppDeps,
  kept: KeptEvent,
  outcome: Outcome,
): Promise<RecordResult & { kept?: KeptReason }> {
  const { kv } = deps;
  const eventKey = keys.providerEvent(kept.provider, kept.eventId);
  const step = await commitWithRetry<RecordResult & { kept?: KeptReason } | "indexed">(
    async () => {
      const seen = await kv.get<ProcessedEvent>(eventKey);
      if (seen.value) {
        const order = seen.value.orderId
          ? (await kv.get<Order>(keys.order(seen.value.orderId))).value
          : null;
        return {
          op: null,
          result: { order, outcome: seen.value.outcome, alreadyProcessed: true },
        };
      }
      if (kept.fact && (await indexedNow(deps, kept.refs))) return { op: null, result: "indexed" };
      const op = kv.atomic();
      await stageKeep(kv, op, kept, outcome);
      return { op, result: { order: null, outcome, alreadyProcessed: false, kept: kept.reason } };
    },
  );
  if (step !== "indexed") return step;
  const orderId = (await findOrder(deps, {}, kept.refs))?.orderId ?? null;
  return await recordFact(
    {
      kv,
      now: deps.now,
      event: { provider: kept.provider, id: kept.eventId, type: kept.type },
    },
    orderId,
    kept.fact,
    { kind: "provider", eventId: kept.eventId, eventType: kept.type },
  );
}

async function indexedNow(deps: AppDeps, refs: OrderRefKey[]): Promise<boolean> {
  return (await findOrder(deps, {}, refs)) !== null;
}
