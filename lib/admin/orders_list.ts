/**
 * The admin orders list, newest first, served from KV secondary indexes with a cursor: a
 * page costs one list call and a few getMany calls however many orders exist.
 */
import { keys } from "../db/keys.ts";
import {
  findOrderIdByNumber,
  findOrderIdByPaymentIntent,
  findOrderIdBySession,
  getOrder,
} from "../db/orders.ts";
import { parseOrderNumber } from "../orders/order_number.ts";
import type { Order, OrderStatus } from "../orders/types.ts";

export interface ListQuery {
  status?: OrderStatus;
  /** Only orders with an open needs-attention flag. */
  attention?: boolean;
  /** Exact order number, checkout session id, payment intent id or order id. */
  q?: string;
  cursor?: string;
  limit?: number;
}

export interface OrdersPage {
  orders: Order[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 25;

export async function listOrders(
  kv: Deno.Kv,
  query: ListQuery,
  provider = "stripe",
): Promise<OrdersPage> {
  if (query.q?.trim()) {
    return { orders: await search(kv, query.q.trim(), provider), nextCursor: null };
  }
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const prefix = query.attention
    ? keys.ordersAttention()
    : query.status
    ? keys.ordersByStatus(query.status)
    : keys.orders();
  const iter = kv.list<Order | string>({ prefix }, { reverse: true, limit, cursor: query.cursor });
  const values: (Order | string)[] = [];
  for await (const e of iter) values.push(e.value);
  // The orders family holds the records; the indexes hold ids.
  const fromIndex = Boolean(query.attention || query.status);
  const orders = fromIndex ? await byIds(kv, values as string[]) : values as Order[];
  return { orders, nextCursor: values.length === limit ? iter.cursor || null : null };
}

async function byIds(kv: Deno.Kv, ids: string[]): Promise<Order[]> {
  const orders: Order[] = [];
  for (let i = 0; i < ids.length; i += 10) {
    const batch = await kv.getMany<Order[]>(ids.slice(i, i + 10).map((id) => keys.order(id)));
    for (const e of batch) if (e.value) orders.push(e.value);
  }
  return orders;
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
  return order ? [order] : [];
}

/** Open needs-attention flags, counted up to `cap` (the navigation shows "cap+"). */
export async function attentionCount(kv: Deno.Kv, cap = 999): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix: keys.ordersAttention() }, { limit: cap + 1 })) n++;
  return n;
}
