/**
 * The admin orders list, newest first, served from KV with a cursor: a page costs one
 * bounded list call per index it reads and a few getMany calls however many orders exist.
 * Every list is keyed `[...prefix, orderId]` and order ids (ULIDs) sort by time, so the
 * cursor is the id at a page's edge and the same kind of cursor pages both ways, also
 * through a filter that merges two indexes ("Paid": paid and fulfilled).
 */
import { keys } from "../db/keys.ts";
import {
  findOrderIdByNumber,
  findOrderIdByPaymentIntent,
  findOrderIdBySession,
} from "../db/orders.ts";
import { ValidationError } from "../http/errors.ts";
import { parseOrderNumber } from "../orders/order_number.ts";
import { normaliseOrder, PAID_STATUSES } from "../orders/order.ts";
import type { Order, OrderStatus, PaymentStatus } from "../orders/types.ts";

/** One filter applies: attention, else order status, else payment status. */
export interface ListQuery {
  /** "paid" lists every order whose money was taken, those since fulfilled too. */
  status?: OrderStatus;
  /** Refunds show here, not in `status`. */
  payment?: PaymentStatus;
  /** Only orders with an open needs-attention flag. */
  attention?: boolean;
  /**
   * An order number, checkout session id, payment intent id or order id; else part of an
   * order number ("0042", "20261201-00"), looked for among the newest NUMBER_SCAN_LIMIT.
   */
  q?: string;
  /** A `nextCursor` or `prevCursor` from an earlier page. */
  cursor?: string;
  /** "older" (default) lists the orders after `cursor`, "newer" the ones before it. */
  direction?: "older" | "newer";
  limit?: number;
}

export interface OrdersPage {
  orders: Order[];
  /** Pass back as `cursor` (direction "older") for the next, older page; null on the last. */
  nextCursor: string | null;
  /** Pass back as `cursor` with direction "newer" for the previous page; null on the first. */
  prevCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 25;
/**
 * How many order numbers, newest day first, a partial-number search reads (keys and ids
 * only, never orders): a bounded scan, so a search costs the same however many orders exist.
 */
export const NUMBER_SCAN_LIMIT = 5_000;

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export async function listOrders(
  kv: Deno.Kv,
  query: ListQuery,
  provider = "stripe",
): Promise<OrdersPage> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  if (query.q?.trim()) {
    const orders = await search(kv, query.q.trim(), provider, limit);
    return { orders, nextCursor: null, prevCursor: null };
  }
  if (query.cursor !== undefined && !ULID.test(query.cursor)) {
    throw new ValidationError("This page link is not valid");
  }
  const prefixes = query.attention
    ? [keys.ordersAttention()]
    : query.status === "paid"
    ? PAID_STATUSES.map((status) => keys.ordersByStatus(status))
    : query.status
    ? [keys.ordersByStatus(query.status)]
    : query.payment
    ? [keys.ordersByPaymentStatus(query.payment)]
    : [keys.orders()];
  // The orders family holds the records; the indexes hold ids.
  const fromIndex = Boolean(query.attention || query.status || query.payment);
  const read = async (rows: Row[]) =>
    (fromIndex
      ? await byIds(kv, rows.map((r) => r.value as string))
      : rows.map((r) => r.value as Order)).map(normaliseOrder);

  if (query.direction === "newer" && query.cursor) {
    const rows = await scan(kv, prefixes, limit + 1, query.cursor, "newer");
    // Fewer than a page is newer: that is the first page (new orders may have arrived).
    if (rows.length <= limit) {
      return await listOrders(kv, { ...query, cursor: undefined }, provider);
    }
    const shown = rows.slice(0, limit).reverse();
    return { orders: await read(shown), nextCursor: shown.at(-1)!.id, prevCursor: shown[0].id };
  }
  const rows = await scan(kv, prefixes, limit + 1, query.cursor, "older");
  const shown = rows.slice(0, limit);
  return {
    orders: await read(shown),
    nextCursor: rows.length > limit ? shown.at(-1)!.id : null,
    prevCursor: query.cursor && shown.length ? shown[0].id : null,
  };
}

interface Row {
  id: string;
  value: Order | string;
}

/**
 * Up to `limit` entries of the lists under `prefixes` beyond the order id `cursor`: "older"
 * ones newest first, or "newer" ones oldest first (nearest the cursor first, either way).
 */
async function scan(
  kv: Deno.Kv,
  prefixes: readonly Deno.KvKey[],
  limit: number,
  cursor: string | undefined,
  toward: "older" | "newer",
): Promise<Row[]> {
  const older = toward === "older";
  const lists = await Promise.all(prefixes.map(async (prefix) => {
    const bound = cursor === undefined ? {} : older
      ? { end: [...prefix, cursor] }
      // `start` is inclusive: the cursor's own entry is read (and dropped below).
      : { start: [...prefix, cursor] };
    const rows: Row[] = [];
    const iter = kv.list<Order | string>({ prefix, ...bound }, {
      reverse: older,
      limit: older ? limit : limit + 1,
    });
    for await (const e of iter) rows.push({ id: e.key.at(-1) as string, value: e.value });
    return rows;
  }));
  const rows = lists.flat().filter((r) => r.id !== cursor);
  rows.sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  if (older) rows.reverse();
  return rows.slice(0, limit);
}

/** getMany takes at most 10 keys on every backend; the batches run side by side. */
async function byIds(kv: Deno.Kv, ids: string[]): Promise<Order[]> {
  const batches: Promise<Deno.KvEntryMaybe<Order>[]>[] = [];
  for (let i = 0; i < ids.length; i += 10) {
    batches.push(kv.getMany<Order[]>(ids.slice(i, i + 10).map((id) => keys.order(id))));
  }
  return (await Promise.all(batches)).flat().flatMap((e) => e.value ? [e.value] : []);
}

async function search(kv: Deno.Kv, q: string, provider: string, limit: number) {
  const number = parseOrderNumber(q)?.number;
  const exact = number
    ? () => findOrderIdByNumber(kv, number)
    : q.startsWith("cs_")
    ? () => findOrderIdBySession(kv, provider, q)
    : q.startsWith("pi_")
    ? () => findOrderIdByPaymentIntent(kv, provider, q)
    : ULID.test(q)
    ? () => Promise.resolve(q)
    : null;
  const ids = exact
    ? [await exact()].filter((id) => id !== null)
    : await numbersContaining(kv, q.toUpperCase(), limit);
  return (await byIds(kv, ids)).map(normaliseOrder);
}

/** Ids of up to `limit` orders whose number contains `part`, among the newest numbers. */
async function numbersContaining(kv: Deno.Kv, part: string, limit: number): Promise<string[]> {
  if (!/^[A-Z0-9-]+$/.test(part)) return [];
  const ids: string[] = [];
  const iter = kv.list<string>({ prefix: keys.ordersByNumber() }, {
    reverse: true,
    limit: NUMBER_SCAN_LIMIT,
    batchSize: 500,
  });
  for await (const e of iter) {
    if (!(e.key[1] as string).includes(part)) continue;
    if (ids.push(e.value) >= limit) break;
  }
  return ids;
}

/** Open needs-attention flags, counted up to `cap` (the navigation shows "cap+"). */
export async function attentionCount(kv: Deno.Kv, cap = 999): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix: keys.ordersAttention() }, { limit: cap + 1 })) n++;
  return n;
}
