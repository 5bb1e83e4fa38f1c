/**
 * The admin orders list, newest first, served from KV secondary indexes with a cursor: a
 * page costs one list call and a few getMany calls however many orders exist. A KV cursor
 * names a key position, not a direction, so the same kind of cursor pages both ways.
 */
import { keys } from "../db/keys.ts";
import {
  findOrderIdByNumber,
  findOrderIdByPaymentIntent,
  findOrderIdBySession,
  getOrder,
} from "../db/orders.ts";
import { ValidationError } from "../http/errors.ts";
import { parseOrderNumber } from "../orders/order_number.ts";
import { normaliseOrder } from "../orders/order.ts";
import type { Order, OrderStatus, PaymentStatus } from "../orders/types.ts";

/** One filter applies: attention, else order status, else payment status. */
export interface ListQuery {
  status?: OrderStatus;
  /** Refunds show here, not in `status`. */
  payment?: PaymentStatus;
  /** Only orders with an open needs-attention flag. */
  attention?: boolean;
  /** Exact order number, checkout session id, payment intent id or order id. */
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

export async function listOrders(
  kv: Deno.Kv,
  query: ListQuery,
  provider = "stripe",
): Promise<OrdersPage> {
  if (query.q?.trim()) {
    const orders = await search(kv, query.q.trim(), provider);
    return { orders, nextCursor: null, prevCursor: null };
  }
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const prefix = query.attention
    ? keys.ordersAttention()
    : query.status
    ? keys.ordersByStatus(query.status)
    : query.payment
    ? keys.ordersByPaymentStatus(query.payment)
    : keys.orders();
  // The orders family holds the records; the indexes hold ids.
  const fromIndex = Boolean(query.attention || query.status || query.payment);
  const read = async (rows: Row[]) =>
    (fromIndex
      ? await byIds(kv, rows.map((r) => r.value as string))
      : rows.map((r) => r.value as Order)).map(normaliseOrder);

  if (query.direction === "newer" && query.cursor) {
    const rows = await scan(kv, prefix, limit + 1, query.cursor, false);
    // Fewer than a page is newer: that is the first page (new orders may have arrived).
    if (rows.length <= limit) {
      return await listOrders(kv, { ...query, cursor: undefined }, provider);
    }
    const shown = rows.slice(0, limit).reverse();
    return {
      orders: await read(shown),
      nextCursor: shown.at(-1)!.cursor,
      prevCursor: shown[0].cursor,
    };
  }
  const rows = await scan(kv, prefix, limit + 1, query.cursor, true);
  const shown = rows.slice(0, limit);
  return {
    orders: await read(shown),
    nextCursor: rows.length > limit ? shown.at(-1)!.cursor : null,
    prevCursor: query.cursor && shown.length ? shown[0].cursor : null,
  };
}

interface Row {
  value: Order | string;
  /** The position of this entry, usable as a cursor in either direction. */
  cursor: string;
}

async function scan(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
  limit: number,
  cursor: string | undefined,
  reverse: boolean,
): Promise<Row[]> {
  const iter = kv.list<Order | string>({ prefix }, { reverse, limit, cursor });
  const rows: Row[] = [];
  try {
    for await (const e of iter) rows.push({ value: e.value, cursor: iter.cursor });
  } catch (err) {
    // KV refuses a cursor it did not make with a TypeError.
    if (cursor && err instanceof TypeError) {
      throw new ValidationError("This page link is not valid");
    }
    throw err;
  }
  return rows;
}

/** getMany takes at most 10 keys on every backend; the batches run side by side. */
async function byIds(kv: Deno.Kv, ids: string[]): Promise<Order[]> {
  const batches: Promise<Deno.KvEntryMaybe<Order>[]>[] = [];
  for (let i = 0; i < ids.length; i += 10) {
    batches.push(kv.getMany<Order[]>(ids.slice(i, i + 10).map((id) => keys.order(id))));
  }
  return (await Promise.all(batches)).flat().flatMap((e) => e.value ? [e.value] : []);
}

async function search(kv: Deno.Kv, q: string, provider: string): Promise<Order[]> {
  const number = parseOrderNumber(q)?.number;
  const id = number
    ? await findOrderIdByNumber(kv, number)
    : q.startsWith("cs_")
    ? await findOrderIdBySession(kv, provider, q)
    : q.startsWith("pi_")
    ? await findOrderIdByPaymentIntent(kv, provider, q)
    : q;
  const order = id ? (await getOrder(kv, id)).value : null;
  return order ? [normaliseOrder(order)] : [];
}

/** Open needs-attention flags, counted up to `cap` (the navigation shows "cap+"). */
export async function attentionCount(kv: Deno.Kv, cap = 999): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix: keys.ordersAttention() }, { limit: cap + 1 })) n++;
  return n;
}
