/**
 * Provider events that came before the order they refer to: a refund or dispute naming only
 * a payment intent Settle has not indexed yet, a payment before its session's event. They
 * are kept (fact, payload, reason, time) instead of dropped, and applied through the one
 * fact path as soon as the order is known:
 *
 * - keeping an event checks that the reference's index is still absent and adds the event
 *   to `["events_waiting", provider, kind, ref]`;
 * - every commit that first indexes a reference checks that key, and queues
 *   `apply_kept_events` in the same commit when events wait for it.
 *
 * So the two commits cannot miss each other, and the final state does not depend on
 * arrival order. Events that never match (another app's objects on the same account) or
 * cannot be read stay visible to admins until they expire with processed event ids.
 */
import { commitWithRetry } from "../db/atomic.ts";
import { keys, PROVIDER_EVENT_TTL_MS } from "../db/keys.ts";
import type { Fact, Order, Outcome } from "../orders/types.ts";
import {
  indexKey,
  type KeptReason,
  type OrderRefKey,
  stagePickups,
  waitingKey,
} from "./pickups.ts";
import { type ProcessedEvent, stageFact } from "./record_fact.ts";

export type { KeptReason, OrderRefKey } from "./pickups.ts";

/** What `["events_kept", provider, eventId]` holds. */
export interface KeptEvent {
  provider: string;
  eventId: string;
  type: string;
  reason: KeptReason;
  receivedAt: string;
  /** Applied once the order is known; null when it never can be. */
  fact: Fact | null;
  refs: OrderRefKey[];
  /** One line for the admin list: the object, its amount, what it names. */
  summary: string;
  /** The verified `data.object` as JSON, or null when it was too large to keep. */
  payload: string | null;
  /** Why the payload did not parse, for malformed ones. */
  detail?: string;
  /**
   * For a payment: the existing order its metadata names. If no session ever ties the
   * payment intent to an order, reconciliation gives the payment to that order after
   * KEPT_PAYMENT_GRACE_MS, flagged `unverified_payment` (held): money is never lost, and
   * never trusted on metadata alone.
   */
  namedOrderId?: string;
}

/**
 * How long a payment whose intent no session has indexed waits for one. Stripe sends the
 * session's event within seconds of the intent's; past this, something is off.
 */
export const KEPT_PAYMENT_GRACE_MS = 10 * 60_000;

/** Payloads above this are summarised, not kept: a KV value holds at most 64 KiB. */
export const MAX_KEPT_PAYLOAD = 32 * 1024;

/**
 * Adds the writes that keep `event` to `op`: the kept record, its processed id (so
 * redeliveries are no-ops) and, for events still to apply, a place on each reference's
 * waiting list, checked against each index being still absent.
 */
export async function stageKeep(
  kv: Deno.Kv,
  op: Deno.AtomicOperation,
  event: KeptEvent,
  outcome: Outcome,
): Promise<void> {
  const { provider, eventId } = event;
  if (event.fact) {
    const reads = await kv.getMany<unknown[]>([
      ...event.refs.map((r) => indexKey(provider, r)),
      ...event.refs.map((r) => waitingKey(provider, r)),
    ]);
    const indexes = reads.slice(0, event.refs.length);
    const lists = reads.slice(event.refs.length) as Deno.KvEntryMaybe<string[]>[];
    for (const index of indexes) op.check(index);
    event.refs.forEach((ref, i) => {
      const ids = new Set(lists[i].value ?? []).add(eventId);
      op.check(lists[i]).set(waitingKey(provider, ref), [...ids], {
        expireIn: PROVIDER_EVENT_TTL_MS,
      });
    });
  }
  const processed: ProcessedEvent = {
    eventId,
    type: event.type,
    orderId: null,
    outcome,
    receivedAt: event.receivedAt,
    kept: event.reason,
  };
  op.check({ key: keys.providerEvent(provider, eventId), versionstamp: null })
    .set(keys.providerEvent(provider, eventId), processed, { expireIn: PROVIDER_EVENT_TTL_MS })
    .set(keys.eventKept(provider, eventId), event, { expireIn: PROVIDER_EVENT_TTL_MS });
}

export type KeptApplied = Outcome["kind"] | "gone" | "waiting";

/**
 * Applies one kept event to the order its references now find, in one commit with its
 * processed record (rewritten with the real outcome) and its removal from the waiting lists.
 */
export async function applyKeptEvent(
  kv: Deno.Kv,
  now: () => Date,
  provider: string,
  eventId: string,
  /** Past the grace period: a payment still unindexed goes to its named order, held. */
  fallback = false,
): Promise<KeptApplied> {
  return await commitWithRetry<KeptApplied>(async () => {
    const keptEntry = await kv.get<KeptEvent>(keys.eventKept(provider, eventId));
    const kept = keptEntry.value;
    if (!kept?.fact) return { op: null, result: "gone" };
    const reads = await kv.getMany<unknown[]>([
      ...kept.refs.map((r) => indexKey(provider, r)),
      ...kept.refs.map((r) => waitingKey(provider, r)),
    ]);
    const indexed = reads.slice(0, kept.refs.length).map((e) => e.value as string | null)
      .find((id) => id);
    const orderId = indexed ?? (fallback ? kept.namedOrderId : undefined);
    if (!orderId) return { op: null, result: "waiting" };
    const [processed, entry] = await kv.getMany<[ProcessedEvent, Order]>([
      keys.providerEvent(provider, eventId),
      keys.order(orderId),
    ]);
    if (!entry.value) return { op: null, result: "waiting" };
    const at = now();
    const op = kv.atomic();
    const source = { kind: "provider", eventId, eventType: kept.type } as const;
    const also: Fact[] = indexed ? [] : [{
      kind: "flag_raised",
      reason: "unverified_payment",
      detail: `${kept.type} ${eventId}: no session of this order names its payment intent`,
    }];
    const transition = stageFact(op, entry as Deno.KvEntry<Order>, kept.fact, source, at, also);
    await stagePickups(kv, op, entry.value, transition.order, at);
    const record: ProcessedEvent = {
      eventId,
      type: kept.type,
      orderId,
      outcome: transition.outcome,
      receivedAt: kept.receivedAt,
    };
    op.check(processed).set(keys.providerEvent(provider, eventId), record, {
      expireIn: PROVIDER_EVENT_TTL_MS,
    });
    op.check(keptEntry).delete(keys.eventKept(provider, eventId));
    const lists = reads.slice(kept.refs.length) as Deno.KvEntryMaybe<string[]>[];
    kept.refs.forEach((ref, i) => {
      const rest = (lists[i].value ?? []).filter((id) => id !== eventId);
      op.check(lists[i]);
      if (rest.length) {
        op.set(waitingKey(provider, ref), rest, { expireIn: PROVIDER_EVENT_TTL_MS });
      } else op.delete(waitingKey(provider, ref));
    });
    return { op, result: transition.outcome.kind };
  });
}

/** The kept events an admin sees: the oldest first, at most `limit`, and how many in all. */
export async function listKeptEvents(
  kv: Deno.Kv,
  limit = 200,
): Promise<KeptEvent[]> {
  return (await keptEventsPage(kv, limit)).events;
}

/** Scans at most this many kept events: they are signed, so only the provider adds them. */
const SCAN_LIMIT = 10_000;

export async function keptEventsPage(
  kv: Deno.Kv,
  limit = 200,
): Promise<{ events: KeptEvent[]; total: number }> {
  const kept: KeptEvent[] = [];
  for await (const e of kv.list<KeptEvent>({ prefix: keys.eventsKept() }, { limit: SCAN_LIMIT })) {
    kept.push(e.value);
  }
  kept.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
  return { events: kept.slice(0, limit), total: kept.length };
}

/**
 * Kept payments that no session has tied to an order within the grace period go to the
 * order their metadata names, held for a person (reconciliation runs this).
 */
export async function applyOverdueKeptPayments(
  kv: Deno.Kv,
  now: () => Date,
  at: Date,
): Promise<number> {
  const cutoff = at.getTime() - KEPT_PAYMENT_GRACE_MS;
  let applied = 0;
  for (const kept of (await keptEventsPage(kv, SCAN_LIMIT)).events) {
    const overdue = new Date(kept.receivedAt).getTime() <= cutoff;
    if (!overdue || kept.fact?.kind !== "payment_succeeded" || !kept.namedOrderId) continue;
    const result = await applyKeptEvent(kv, now, kept.provider, kept.eventId, true);
    if (result !== "gone" && result !== "waiting") applied++;
  }
  return applied;
}
