/**
 * Orders in Deno KV: the record, its secondary indexes and its history. Writers add to an
 * atomic operation they own, so an order change, its indexes, its history entry, the
 * processed event id and its follow-up tasks land in one commit.
 */
import type { HistoryEntry, Order } from "../orders/types.ts";
import { keys } from "./keys.ts";
import { customerIndexKey } from "./customer_index.ts";

/** Ids are ULIDs; anything far from one (a 3,000-character path segment) is no order. */
const PLAUSIBLE_ID = /^[\w-]{1,64}$/;

export async function getOrder(kv: Deno.Kv, id: string): Promise<Deno.KvEntryMaybe<Order>> {
  if (!PLAUSIBLE_ID.test(id)) return { key: keys.order(id), value: null, versionstamp: null };
  return await kv.get<Order>(keys.order(id));
}

export async function findOrderIdBySession(
  kv: Deno.Kv,
  provider: string,
  sessionId: string,
): Promise<string | null> {
  return (await kv.get<string>(keys.orderBySession(provider, sessionId))).value;
}

export async function findOrderIdByPaymentIntent(
  kv: Deno.Kv,
  provider: string,
  paymentIntentId: string,
): Promise<string | null> {
  return (await kv.get<string>(keys.orderByPaymentIntent(provider, paymentIntentId))).value;
}

export async function findOrderIdByNumber(kv: Deno.Kv, number: string): Promise<string | null> {
  return (await kv.get<string>(keys.orderByNumber(number))).value;
}

/** The order's history, oldest first. */
export async function listHistory(kv: Deno.Kv, orderId: string): Promise<HistoryEntry[]> {
  const entries: HistoryEntry[] = [];
  for await (const e of kv.list<HistoryEntry>({ prefix: keys.orderHistoryAll(orderId) })) {
    entries.push(e.value);
  }
  return entries;
}

/**
 * Adds the writes for a new order: the record and its indexes. No checks of its own: ids
 * are ULIDs and the caller checks the day's order-number counter, which keeps numbers
 * unique; that leaves room under the 10-check limit for stock reservations.
 */
export function writeNewOrder(op: Deno.AtomicOperation, order: Order): void {
  op.set(keys.orderByNumber(order.number), order.id);
  writeOrderChange(op, null, order, []);
}

/**
 * Adds the writes for a changed order: the record, the status, payment-status, attention and
 * customer indexes, the index of any new checkout session, and history entries. The caller checks the
 * order's versionstamp on the same operation.
 */
export function writeOrderChange(
  op: Deno.AtomicOperation,
  before: Order | null,
  after: Order,
  history: HistoryEntry[],
): void {
  op.set(keys.order(after.id), after);
  if (before?.status !== after.status) {
    if (before) op.delete(keys.orderByStatus(before.status, after.id));
    op.set(keys.orderByStatus(after.status, after.id), after.id);
  }
  if (before && before.payment.status !== after.payment.status) {
    op.delete(keys.orderByPaymentStatus(before.payment.status, after.id));
  }
  // Set on every change, so orders stored before this index existed join it on their next.
  op.set(keys.orderByPaymentStatus(after.payment.status, after.id), after.id);
  if (after.needsAttention.length > 0) op.set(keys.orderAttention(after.id), after.id);
  else if (before?.needsAttention.length) op.delete(keys.orderAttention(after.id));
  const known = new Set(before?.payment.sessionIds ?? []);
  for (const sessionId of after.payment.sessionIds) {
    if (!known.has(sessionId)) {
      op.set(keys.orderBySession(after.payment.provider, sessionId), after.id);
    }
  }
  const intents = new Set([after.payment.paymentIntentId, ...after.payment.paidIntentIds]);
  const knownIntents = new Set([
    before?.payment.paymentIntentId,
    ...(before?.payment.paidIntentIds ?? []),
  ]);
  for (const intent of intents) {
    if (intent && !knownIntents.has(intent)) {
      op.set(keys.orderByPaymentIntent(after.payment.provider, intent), after.id);
    }
  }
  // The admin's e-mail search follows the customer: given at checkout, learnt from the
  // provider after payment, or forgotten.
  const indexedBefore = before ? customerIndexKey(before) : null;
  const indexedAfter = customerIndexKey(after);
  if (indexedBefore?.join("\u0000") !== indexedAfter?.join("\u0000")) {
    if (indexedBefore) op.delete(indexedBefore);
    if (indexedAfter) op.set(indexedAfter, after.id);
  }
  for (const entry of history) op.set(keys.orderHistory(after.id, entry.seq), entry);
}
