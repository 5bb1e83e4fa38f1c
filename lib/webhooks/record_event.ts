/**
 * The provider-neutral half of webhook ingestion, shared by Stripe (ingest.ts) and Razorpay
 * (razorpay.ts): a verified event, already mapped to a fact, is matched to its order and
 * recorded through the one fact path (lib/facts/record_fact.ts), which commits the
 * processed event id (`["provider_events", provider, id]`) with the change.
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
import { indexKey, waitingKey } from "../facts/pickups.ts";
import { readAhead } from "../facts/read_ahead.ts";
import { type ProcessedEvent, recordFact, type RecordResult } from "../facts/record_fact.ts";
import { log } from "../log.ts";
import type { Fact, Order, Outcome } from "../orders/types.ts";
import type { OrderRef, UnhandledReason } from "../payments/stripe_events.ts";
import type { AppDeps } from "../state.ts";

export interface IngestResult extends RecordResult {
  eventId: string;
  type: string;
  /** Set when the event was kept for later instead of applied now. */
  kept?: KeptReason;
}

/** A verified provider event: its id, type and the object kept for admins. */
export interface ProviderEvent {
  provider: string;
  id: string;
  type: string;
  /** Stored as the kept payload (JSON) when the event is kept. */
  object: unknown;
  /** What the admin summary describes; `object` by default. */
  summaryOf?: unknown;
}

/** What a provider's mapper made of an event (Stripe's EventMapping is one). */
export type Mapping =
  | { orderRef: OrderRef; fact: Fact }
  | {
    unhandled: true;
    type: string;
    reason: UnhandledReason;
    detail?: string;
    /** An unhandled event that still belongs on this order's history (indexes only). */
    orderRef?: OrderRef;
  };

export interface IngestHooks {
  /**
   * Called with the order found, before recording: what to record instead of the mapped fact
   * (null: recorded as ignored on the order). May talk to the provider; a throw is a 5xx.
   */
  prepare?: (orderId: string, fact: Fact) => Promise<Fact | null>;
}

/** Records a verified, mapped event. Signed payloads too large for the store are kept bare. */
export async function ingestMapped(
  deps: AppDeps,
  event: ProviderEvent,
  mapping: Mapping,
  hooks: IngestHooks = {},
): Promise<IngestResult> {
  try {
    return await ingestEvent(deps, event, mapping, hooks);
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

async function ingestEvent(
  deps: AppDeps,
  event: ProviderEvent,
  mapping: Mapping,
  hooks: IngestHooks,
): Promise<IngestResult> {
  const { kv } = deps;
  const base = { eventId: event.id, type: event.type };
  const recorded = { provider: event.provider, id: event.id, type: event.type };
  const source = { kind: "provider", eventId: event.id, eventType: event.type } as const;
  if ("unhandled" in mapping && mapping.reason === "malformed_payload") {
    log("warn", "a signed event could not be read: kept for admins", {
      provider: event.provider,
      eventId: event.id,
      type: event.type,
      detail: mapping.detail,
    });
    const outcome: Outcome = { kind: "ignored", reason: "malformed_payload" };
    const kept = keptEvent(deps, event, null, [], "malformed_payload", mapping.detail);
    return { ...base, ...(await keep(deps, kept, outcome)) };
  }
  if ("unhandled" in mapping) {
    const refs = mapping.orderRef ? refKeys(mapping.orderRef) : [];
    const found = refs.length ? await findOrder(deps, event.provider, {}, refs) : null;
    if (mapping.detail) {
      log("info", "a provider event changes nothing", {
        provider: event.provider,
        eventId: event.id,
        type: event.type,
        detail: mapping.detail,
      });
    }
    const result = await recordFact(
      { kv, now: deps.now, event: recorded },
      found?.orderId ?? null,
      null,
      source,
    );
    return { ...base, ...result };
  }
  const refs = refKeys(mapping.orderRef);
  // What the commit will read, fetched with the lookup: one KV round trip instead of three.
  const ahead = hooks.prepare ? [] : [
    keys.providerEvent(event.provider, event.id),
    ...refs.map((r) => waitingKey(event.provider, r)),
  ];
  const found = await findOrder(
    deps,
    event.provider,
    mapping.orderRef,
    refs,
    trustsMetadata(mapping),
    ahead,
  );
  if (!found) {
    const reason: KeptReason = refs.length ? "order_unknown" : "no_order_reference";
    const kept = keptEvent(deps, event, mapping.fact, refs, reason);
    const named = await namedOrder(deps, mapping);
    if (named) kept.namedOrderId = named;
    return { ...base, ...(await keep(deps, kept, { kind: "ignored", reason: "unknown_session" })) };
  }
  // A redelivery asks the provider nothing: the fact path below answers it as processed.
  const seen = hooks.prepare
    ? (await kv.get<ProcessedEvent>(keys.providerEvent(event.provider, event.id))).value
    : null;
  const fact = hooks.prepare && !seen
    ? await hooks.prepare(found.orderId, mapping.fact)
    : mapping.fact;
  const result = await recordFact(
    {
      kv,
      now: deps.now,
      event: recorded,
      also: fact ? flagsFor(event, { orderRef: mapping.orderRef, fact }, found) : [],
      reader: readAhead(kv, found.read),
    },
    found.orderId,
    fact,
    source,
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
  event: ProviderEvent,
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
  /** Every entry the lookup read, the order by metadata and the `ahead` keys included. */
  read: Deno.KvEntryMaybe<unknown>[];
}

/**
 * The order an event belongs to. Settle's own indexes win over metadata: a session or
 * payment intent already tied to an order stays with it whatever the metadata says, and an
 * index is never re-pointed.
 */
async function findOrder(
  deps: AppDeps,
  provider: string,
  ref: OrderRef,
  refs: OrderRefKey[],
  metadataToo = false,
  ahead: Deno.KvKey[] = [],
): Promise<Found | null> {
  const wanted: Deno.KvKey[] = refs.map((r) => indexKey(provider, r));
  const byMetadata = metadataToo && ref.orderId ? ref.orderId : null;
  if (byMetadata) wanted.push(keys.order(byMetadata));
  if (wanted.length === 0) return null;
  // getMany takes at most 10 keys: the lookup's own come first and always fit.
  const found = await deps.kv.getMany<unknown[]>([...wanted, ...ahead].slice(0, 10));
  const indexed = found.slice(0, refs.length).map((e) => e.value as string | null)
    .find((id) => id);
  if (indexed) return { orderId: indexed, via: "index", read: found };
  const named = byMetadata ? found[refs.length] as Deno.KvEntryMaybe<Order> : null;
  return named?.value ? { orderId: named.value.id, via: "metadata", read: found } : null;
}

function keptEvent(
  deps: AppDeps,
  event: ProviderEvent,
  fact: Fact | null,
  refs: OrderRefKey[],
  reason: KeptReason,
  detail?: string,
): KeptEvent {
  const payload = JSON.stringify(event.object) ?? "null";
  return {
    provider: event.provider,
    eventId: event.id,
    type: event.type,
    reason,
    receivedAt: deps.now().toISOString(),
    fact,
    refs,
    summary: summarise("summaryOf" in event ? event.summaryOf : event.object),
    payload: payload.length <= MAX_KEPT_PAYLOAD ? payload : null,
    ...(detail ? { detail: detail.slice(0, 500) } : {}),
  };
}

/**
 * "charge ch_… 1000 nzd, payment intent pi_…": enough for an admin to recognise it (Razorpay
 * entities name themselves in `entity` and their payment in `payment_id`).
 */
function summarise(object: unknown): string {
  if (typeof object !== "object" || object === null) return "no object";
  const o = object as Record<string, unknown>;
  const part = (v: unknown) => typeof v === "string" || typeof v === "number" ? String(v) : "";
  const amount = part(o.amount ?? o.amount_total ?? o.amount_received ?? o.amount_refunded);
  const payment = o.payment_intent ?? o.payment_id;
  const bits = [
    `${part(o.object ?? o.entity) || "object"} ${part(o.id)}`.trim(),
    [amount, part(o.currency)].filter(Boolean).join(" "),
    typeof payment === "string" ? `payment ${o.payment_intent ? "intent " : ""}${payment}` : "",
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
      if (kept.fact && (await findOrder(deps, kept.provider, {}, kept.refs))) {
        return { op: null, result: "indexed" };
      }
      const op = kv.atomic();
      await stageKeep(kv, op, kept, outcome);
      return { op, result: { order: null, outcome, alreadyProcessed: false, kept: kept.reason } };
    },
  );
  if (step !== "indexed") return step;
  const orderId = (await findOrder(deps, kept.provider, {}, kept.refs))?.orderId ?? null;
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
