/**
 * The one path by which anything happens to an order: a webhook, the success page's check,
 * reconciliation and admin actions all come here. The transition, the order's indexes, its
 * history entry, the processed event id and the follow-up tasks land in one atomic commit,
 * guarded by the versionstamps read, and retried on conflict.
 */
import { commitWithRetry } from "../db/atomic.ts";
import { keys, PROVIDER_EVENT_TTL_MS } from "../db/keys.ts";
import { getOrder, writeOrderChange } from "../db/orders.ts";
import { apply, historyEntry } from "../orders/transitions.ts";
import type {
  Fact,
  FactSource,
  HistoryEntry,
  Order,
  Outcome,
  Transition,
} from "../orders/types.ts";
import { enqueueFollowUps } from "./follow_ups.ts";
import { type KeptReason, stagePickups } from "./pickups.ts";
import type { KvReader } from "./read_ahead.ts";

export interface RecordResult {
  /** null when no order could be tied to the fact. */
  order: Order | null;
  outcome: Outcome;
  /** True when this exact provider event was already processed (nothing was written). */
  alreadyProcessed: boolean;
}

/** What `["provider_events", provider, eventId]` holds. */
export interface ProcessedEvent {
  eventId: string;
  type: string;
  orderId: string | null;
  outcome: Outcome;
  receivedAt: string;
  /** Set while the event is kept (kept_events.ts), with why; cleared when it is applied. */
  kept?: KeptReason;
}

export interface RecordOptions {
  kv: Deno.Kv;
  now: () => Date;
  /** Set for provider events: the event id is committed with the change and never applied again. */
  event?: { provider: string; id: string; type: string };
  /** Facts applied after `fact` in the same commit: flags a person must check about it. */
  also?: Fact[];
  /** Where the first attempt reads (read_ahead.ts); `kv` when unset. */
  reader?: KvReader;
}

/**
 * Applies `fact` to the order `orderId` (null: no order matched) and commits everything.
 * With `options.event`, an event id seen before returns `alreadyProcessed` and writes nothing.
 */
export async function recordFact(
  options: RecordOptions,
  orderId: string | null,
  fact: Fact | null,
  source: FactSource,
): Promise<RecordResult> {
  const { kv, now, event } = options;
  const reader = options.reader ?? kv;
  const eventKey = event ? keys.providerEvent(event.provider, event.id) : null;
  return await commitWithRetry<RecordResult>(async () => {
    const at = now().toISOString();
    // One round trip for both reads: under load every KV call queues behind commits.
    const [seen, entry] = await readBoth(reader, eventKey, orderId);
    if (seen?.value) {
      const order = seen.value.orderId === orderId
        ? entry?.value ?? null
        : seen.value.orderId
        ? (await getOrder(kv, seen.value.orderId)).value
        : null;
      return {
        op: null,
        result: { order, outcome: seen.value.outcome, alreadyProcessed: true },
      };
    }
    const before = entry?.value ?? null;
    const op = kv.atomic();
    let outcome: Outcome;
    let after: Order | null = null;
    if (!fact) {
      outcome = { kind: "ignored", reason: "unhandled_type" };
      if (entry?.value) {
        after = recordIgnored(op, entry as Deno.KvEntry<Order>, source, outcome, at);
      }
    } else if (!entry?.value) {
      outcome = { kind: "ignored", reason: "unknown_session" };
    } else {
      const transition = stageFact(
        op,
        entry as Deno.KvEntry<Order>,
        fact,
        source,
        now(),
        options.also,
      );
      outcome = transition.outcome;
      after = transition.order;
      await stagePickups(reader, op, entry.value, after, now());
    }
    if (eventKey && event) {
      const processed: ProcessedEvent = {
        eventId: event.id,
        type: event.type,
        orderId: before?.id ?? null,
        outcome,
        receivedAt: at,
      };
      op.check({ key: eventKey, versionstamp: null })
        .set(eventKey, processed, { expireIn: PROVIDER_EVENT_TTL_MS });
    }
    return { op, result: { order: after ?? before, outcome, alreadyProcessed: false } };
  });
}

async function readBoth(
  kv: KvReader,
  eventKey: Deno.KvKey | null,
  orderId: string | null,
): Promise<[Deno.KvEntryMaybe<ProcessedEvent> | null, Deno.KvEntryMaybe<Order> | null]> {
  const wanted: Deno.KvKey[] = [];
  if (eventKey) wanted.push(eventKey);
  if (orderId) wanted.push(keys.order(orderId));
  const got = wanted.length ? await kv.getMany(wanted) : [];
  const seen = eventKey ? got[0] as Deno.KvEntryMaybe<ProcessedEvent> : null;
  const order = orderId ? got[eventKey ? 1 : 0] as Deno.KvEntryMaybe<Order> : null;
  return [seen, order];
}

/**
 * Adds one fact's transition to `op`: a check on the order as read, the new order with its
 * indexes, the history entry and the follow-up tasks. For callers that commit more beside it.
 */
export function stageFact(
  op: Deno.AtomicOperation,
  entry: Deno.KvEntry<Order>,
  fact: Fact,
  source: FactSource,
  now: Date,
  also: Fact[] = [],
): Transition {
  const at = now.toISOString();
  const histories: HistoryEntry[] = [];
  let first: Transition | null = null;
  let order = entry.value;
  // `also` (flags about the same event) applies on top, each with its own history entry.
  for (const next of [fact, ...also]) {
    const transition = apply(order, next, at);
    histories.push(historyEntry(order, transition, next, source, at));
    enqueueFollowUps(op, transition.order, transition.followUps, now);
    first ??= transition;
    order = transition.order;
  }
  op.check(entry);
  writeOrderChange(op, entry.value, order, histories);
  return { ...first!, order };
}

/**
 * An event Settle does not act on but that names one of its orders still goes into the
 * order's history, so admins see everything the provider said.
 */
function recordIgnored(
  op: Deno.AtomicOperation,
  entry: Deno.KvEntry<Order>,
  source: FactSource,
  outcome: Outcome,
  at: string,
): Order {
  const order = entry.value;
  const after: Order = { ...order, historySeq: order.historySeq + 1, updatedAt: at };
  const history: HistoryEntry = {
    seq: after.historySeq,
    at,
    fact: null,
    source,
    outcome,
    from: order.status,
    to: order.status,
  };
  op.check(entry);
  writeOrderChange(op, order, after, [history]);
  return after;
}
