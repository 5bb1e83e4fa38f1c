/**
 * The other half of keeping early events (kept_events.ts): every commit that first indexes
 * an order's session or payment intent checks whether events wait for it, and queues the
 * task that applies them in the same commit.
 */
import { keys } from "../db/keys.ts";
import type { Order } from "../orders/types.ts";
import { enqueue } from "../tasks/outbox.ts";
import { TASK } from "./follow_ups.ts";
import type { KvReader } from "./read_ahead.ts";

/** What finds an order: its indexes by session and by payment intent. */
export interface OrderRefKey {
  kind: "session" | "payment_intent";
  id: string;
}

export type KeptReason =
  /** Names a session or payment intent no order has (yet). */
  | "order_unknown"
  /** Signed, but its object is not what Settle reads: never applied, shown to admins. */
  | "malformed_payload"
  /** A handled type whose object names nothing Settle could match. */
  | "no_order_reference";

export function indexKey(provider: string, ref: OrderRefKey): Deno.KvKey {
  return ref.kind === "session"
    ? keys.orderBySession(provider, ref.id)
    : keys.orderByPaymentIntent(provider, ref.id);
}

export const waitingKey = (provider: string, ref: OrderRefKey) =>
  keys.eventsWaiting(provider, ref.kind, ref.id);

/** The references `after` indexes that `before` did not (see writeOrderChange). */
export function newRefs(before: Order | null, after: Order): OrderRefKey[] {
  const refs: OrderRefKey[] = [];
  const sessions = new Set(before?.payment.sessionIds ?? []);
  for (const id of after.payment.sessionIds) {
    if (!sessions.has(id)) refs.push({ kind: "session", id });
  }
  const intents = new Set([
    before?.payment.paymentIntentId,
    ...(before?.payment.paidIntentIds ?? []),
  ]);
  for (const id of new Set([after.payment.paymentIntentId, ...after.payment.paidIntentIds])) {
    if (id && !intents.has(id)) refs.push({ kind: "payment_intent", id });
  }
  return refs;
}

/**
 * For a change that indexes new references: checks their waiting lists in `op` and, when
 * events wait, queues the task that applies them, in the same commit.
 */
export async function stagePickups(
  kv: KvReader,
  op: Deno.AtomicOperation,
  before: Order | null,
  after: Order,
  now: Date,
): Promise<void> {
  const refs = newRefs(before, after);
  if (refs.length === 0) return;
  const provider = after.payment.provider;
  const entries = await kv.getMany<string[][]>(refs.map((r) => waitingKey(provider, r)));
  const waiting = new Set<string>();
  for (const entry of entries) {
    op.check(entry);
    for (const id of entry.value ?? []) waiting.add(id);
  }
  if (waiting.size === 0) return;
  enqueue(op, {
    kind: TASK.applyKeptEvents,
    orderId: after.id,
    payload: { provider, eventIds: [...waiting] },
  }, now);
}
