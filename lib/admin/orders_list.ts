/**
 * The admin orders list, newest first, served from KV with a cursor: a page costs one
 * bounded list call per index it reads and a few getMany calls however many orders exist.
 * Every list is keyed `[...prefix, orderId]` and order ids (ULIDs) sort by time, so the
 * cursor is the id at a page's edge and the same kind of cursor pages both ways, also
 * through a filter that merges two indexes ("Paid": paid and fulfilled). The same id order
 * turns a date range (days in the shop's time zone) into an id range on whichever list is
 * read. A search by a whole e-mail reads the customer index (lib/db/customer_index.ts); a search by
 * name (or part of an e-mail) is a bounded scan of the newest orders.
 */
import { encodeTime } from "ulid";
import { z } from "zod";
import { DEFAULT_SHOP_TIME_ZONE } from "../config.ts";
import { keys } from "../db/keys.ts";
import {
  findOrderIdByNumber,
  findOrderIdByPaymentIntent,
  findOrderIdBySession,
} from "../db/orders.ts";
import { ValidationError } from "../http/errors.ts";
import { parseOrderNumber } from "../orders/order_number.ts";
import { normaliseOrder, PAID_STATUSES } from "../orders/order.ts";
import {
  type Order,
  ORDER_STATUSES,
  type OrderStatus,
  PAYMENT_STATUSES,
  type PaymentStatus,
} from "../orders/types.ts";
import { normaliseEmail } from "../db/customer_index.ts";

/** One filter applies: attention, else order status, else payment status. */
export interface ListQuery {
  /** "paid" lists every order whose money was taken, those since fulfilled too. */
  status?: OrderStatus;
  /** Refunds show here, not in `status`. */
  payment?: PaymentStatus;
  /** Only orders with an open needs-attention flag. */
  attention?: boolean;
  /**
   * An order number, checkout session id, payment intent id or order id; a customer's whole
   * e-mail (the customer index, paged); else part of an order number ("0042"), looked for
   * among the newest NUMBER_SCAN_LIMIT numbers, or else part of a customer's name or e-mail,
   * looked for among at most NAME_SCAN_LIMIT orders per page.
   */
  q?: string;
  /** First day listed (YYYY-MM-DD in `timeZone`), inclusive. */
  from?: string;
  /** Last day listed (YYYY-MM-DD in `timeZone`), inclusive. */
  to?: string;
  /** The shop's time zone (SHOP_TIME_ZONE), which the days are in. */
  timeZone?: string;
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
/**
 * How many orders, newest first, one page of a name search reads at most: when it reads
 * this many without filling the page, the page ends there and "Older" searches on.
 */
export const NAME_SCAN_LIMIT = 2_000;
/** The list's count is exact up to this, then shown as "1,000+". */
export const COUNT_CAP = 1_000;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The list's URL parameters (the admin page, the CSV exports). */
export const ListParams = z.object({
  status: z.enum(ORDER_STATUSES).optional(),
  payment: z.enum(PAYMENT_STATUSES).optional(),
  attention: z.literal("1").optional(),
  q: z.string().trim().max(200).optional(),
  from: z.string().regex(DAY, "a date as YYYY-MM-DD").optional(),
  to: z.string().regex(DAY, "a date as YYYY-MM-DD").optional(),
  cursor: z.string().max(1000).optional(),
  dir: z.enum(["older", "newer"]).optional(),
});
export type ListParams = z.infer<typeof ListParams>;

/** The query `params` ask for, in `timeZone`. */
export function toListQuery(params: ListParams, timeZone: string): ListQuery {
  return {
    status: params.status,
    payment: params.payment,
    attention: params.attention === "1",
    q: params.q,
    from: params.from,
    to: params.to,
    timeZone,
    cursor: params.cursor,
    direction: params.dir,
  };
}

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export async function listOrders(
  kv: Deno.Kv,
  query: ListQuery,
  provider = "stripe",
): Promise<OrdersPage> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const range = idRange(query);
  const q = query.q?.trim();
  const email = q ? emailOf(q) : null;
  if (q && !email) {
    const exact = await search(kv, q, provider, limit);
    if (exact) {
      return {
        orders: exact.filter((o) => inRange(o.id, range)),
        nextCursor: null,
        prevCursor: null,
      };
    }
  }
  // An exact search has one page: its cursor is never read.
  if (query.cursor !== undefined && !ULID.test(query.cursor)) {
    throw new ValidationError("This page link is not valid");
  }
  if (q && !email) return await nameSearch(kv, q, range, query.cursor, limit);
  const prefixes = email ? [keys.ordersByCustomer(email)] : listPrefixes(query);
  // The orders family holds the records; the indexes hold ids.
  const fromIndex = Boolean(email || query.attention || query.status || query.payment);
  const read = async (rows: Row[]) =>
    (fromIndex
      ? await byIds(kv, rows.map((r) => r.value as string))
      : rows.map((r) => r.value as Order)).map(normaliseOrder);

  if (query.direction === "newer" && query.cursor) {
    const rows = await scan(kv, prefixes, limit + 1, query.cursor, "newer", range);
    // Fewer than a page is newer: that is the first page (new orders may have arrived).
    if (rows.length <= limit) {
      return await listOrders(kv, { ...query, cursor: undefined }, provider);
    }
    const shown = rows.slice(0, limit).reverse();
    return { orders: await read(shown), nextCursor: shown.at(-1)!.id, prevCursor: shown[0].id };
  }
  const rows = await scan(kv, prefixes, limit + 1, query.cursor, "older", range);
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
  range: IdRange = ALL_IDS,
): Promise<Row[]> {
  const older = toward === "older";
  // `start` is inclusive: a "newer" cursor's own entry is read (and dropped below).
  const lo = cursor !== undefined && !older && cursor > range.lo ? cursor : range.lo;
  const hi = cursor !== undefined && older && cursor < range.hi ? cursor : range.hi;
  if (lo >= hi) return [];
  const lists = await Promise.all(prefixes.map(async (prefix) => {
    const rows: Row[] = [];
    const iter = kv.list<Order | string>({ start: [...prefix, lo], end: [...prefix, hi] }, {
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

/**
 * An exact search (number, session, payment intent, id) or part of an order number: its
 * orders, or null when `q` is neither (a name search then).
 */
async function search(
  kv: Deno.Kv,
  q: string,
  provider: string,
  limit: number,
): Promise<Order[] | null> {
  const number = parseOrderNumber(q)?.number;
  const exact = number
    ? () => findOrderIdByNumber(kv, number)
    : q.startsWith("cs_")
    ? () => findOrderIdBySession(kv, provider, q)
    : q.startsWith("pi_")
    ? () => findOrderIdByPaymentIntent(kv, provider, q)
    // Razorpay's ids are indexed under the provider the order was placed with.
    : q.startsWith("order_")
    ? () => firstFound([RAZORPAY, provider], (p) => findOrderIdBySession(kv, p, q))
    : q.startsWith("pay_")
    ? () => firstFound([RAZORPAY, provider], (p) => findOrderIdByPaymentIntent(kv, p, q))
    : q.startsWith("rfnd_") || q.startsWith("re_")
    ? () => findOrderIdByRefund(kv, q)
    : ULID.test(q)
    ? () => Promise.resolve(q)
    : null;
  const ids = exact
    ? [await exact()].filter((id) => id !== null)
    : await numbersContaining(kv, q.toUpperCase(), limit);
  // Part of a number that matches none may be part of a name ("Ana", "0042" never is).
  if (!exact && ids.length === 0 && !/^[\d-]+$/.test(q)) return null;
  return (await byIds(kv, ids)).map(normaliseOrder);
}

const RAZORPAY = "razorpay";

async function firstFound(
  providers: string[],
  find: (provider: string) => Promise<string | null>,
): Promise<string | null> {
  for (const provider of new Set(providers)) {
    const id = await find(provider);
    if (id) return id;
  }
  return null;
}

/**
 * The order that recorded the refund `refundId` (Razorpay's `rfnd_…`, Stripe's `re_…`):
 * refunds have no index of their own, so the orders in the two refunded payment statuses
 * are read, newest first and at most NAME_SCAN_LIMIT of them: a bounded scan.
 */
async function findOrderIdByRefund(kv: Deno.Kv, refundId: string): Promise<string | null> {
  if (!/^[A-Za-z0-9_]{4,64}$/.test(refundId)) return null;
  const ids: string[] = [];
  for (const status of ["partially_refunded", "refunded"]) {
    const iter = kv.list<string>({ prefix: keys.ordersByPaymentStatus(status) }, {
      reverse: true,
      limit: NAME_SCAN_LIMIT,
      batchSize: 500,
    });
    for await (const e of iter) ids.push(e.value);
  }
  ids.sort().reverse();
  for (let i = 0; i < Math.min(ids.length, NAME_SCAN_LIMIT); i += 100) {
    const orders = await byIds(kv, ids.slice(i, i + 100));
    const found = orders.find((o) => o.payment.refunds?.some((r) => r.id === refundId));
    if (found) return found.id;
  }
  return null;
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

/** The prefixes a filter reads (no search): one index, the two "Paid" ones, or every order. */
function listPrefixes(query: ListQuery): Deno.KvKey[] {
  return query.attention
    ? [keys.ordersAttention()]
    : query.status === "paid"
    ? PAID_STATUSES.map((status) => keys.ordersByStatus(status))
    : query.status
    ? [keys.ordersByStatus(query.status)]
    : query.payment
    ? [keys.ordersByPaymentStatus(query.payment)]
    : [keys.orders()];
}

/** The whole e-mail `q` names (normalised), or null when it is not one. */
function emailOf(q: string): string | null {
  return /^[^\s@]+@[^\s@]+$/.test(q) ? normaliseEmail(q) : null;
}

/** Order ids from `lo` (inclusive) to `hi` (exclusive); ULIDs sort by their time. */
export interface IdRange {
  lo: string;
  hi: string;
}

/** Below every ULID, and above every one ("~" sorts after Crockford's digits and letters). */
const ALL_IDS: IdRange = { lo: "", hi: "~" };

const inRange = (id: string, { lo, hi }: IdRange) => id >= lo && id < hi;

/** The ids of orders created on the days `from`…`to` (inclusive) in the query's zone. */
export function idRange(query: Pick<ListQuery, "from" | "to" | "timeZone">): IdRange {
  const zone = query.timeZone ?? DEFAULT_SHOP_TIME_ZONE;
  const edge = (day: string, after: number) => {
    const ms = startOfDay(day, after, zone);
    return `${encodeTime(Math.max(0, ms), 10)}${"0".repeat(16)}`;
  };
  return {
    lo: query.from ? edge(query.from, 0) : ALL_IDS.lo,
    hi: query.to ? edge(query.to, 1) : ALL_IDS.hi,
  };
}

/** Epoch ms of midnight starting the day `plus` days after `day` (YYYY-MM-DD) in `zone`. */
export function startOfDay(day: string, plus: number, zone: string): number {
  const [y, m, d] = day.split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  if (!DAY.test(day) || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    throw new ValidationError(`${day} is not a date (YYYY-MM-DD)`);
  }
  const wall = Date.UTC(y, m - 1, d + plus);
  // The zone's offset at the wall-clock time, read twice: across a DST change once is wrong.
  let at = wall - offsetMs(wall, zone);
  at = wall - offsetMs(at, zone);
  return at;
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** How far `zone`'s clock is ahead of UTC at the instant `ms`. */
function offsetMs(ms: number, zone: string): number {
  let f = offsetFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    offsetFormatters.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(ms).map(({ type, value }) => [type, value]));
  const wall = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  return wall - Math.floor(ms / 1000) * 1000;
}

/**
 * Part of a customer's name or e-mail: the newest orders older than `cursor` (in the date
 * range) are read, NAME_SCAN_LIMIT at most, and the matches listed. A page that read its
 * bound without filling up ends there, with a cursor that searches on from the last order read.
 */
async function nameSearch(
  kv: Deno.Kv,
  q: string,
  range: IdRange,
  cursor: string | undefined,
  limit: number,
): Promise<OrdersPage> {
  const needle = q.toLowerCase();
  const hi = cursor !== undefined && cursor < range.hi ? cursor : range.hi;
  const orders: Order[] = [];
  let read = 0;
  let last: string | null = null;
  let more = false;
  if (range.lo < hi) {
    const iter = kv.list<Order>({
      start: [...keys.orders(), range.lo],
      end: [...keys.orders(), hi],
    }, {
      reverse: true,
      limit: NAME_SCAN_LIMIT,
      batchSize: 250,
    });
    for await (const e of iter) {
      read++;
      last = e.value.id;
      if (!matchesCustomer(e.value, needle)) continue;
      if (orders.length === limit) {
        more = true;
        break;
      }
      orders.push(normaliseOrder(e.value));
    }
  }
  const nextCursor = more
    ? orders.at(-1)!.id
    : read === NAME_SCAN_LIMIT && last
    ? (orders.length === limit ? orders.at(-1)!.id : last)
    : null;
  return { orders, nextCursor, prevCursor: null };
}

function matchesCustomer(order: Order, needle: string): boolean {
  const c = order.customer;
  const names = [c?.email, c?.name, order.shipping?.address.name];
  return names.some((n) => n?.toLowerCase().includes(needle));
}

/** A list's size: exact up to `cap`; `more` when there are more than that. */
export interface OrdersCount {
  count: number;
  more: boolean;
}

/**
 * How many orders `query` lists (its cursor aside), read from index keys only, `cap` at
 * most; a name search counts its matches among the newest NAME_SCAN_LIMIT orders (`more`
 * when it read that many).
 */
export async function countOrders(
  kv: Deno.Kv,
  query: ListQuery,
  provider = "stripe",
  cap = COUNT_CAP,
): Promise<OrdersCount> {
  const range = idRange(query);
  const q = query.q?.trim();
  const email = q ? emailOf(q) : null;
  if (q && !email) {
    const exact = await search(kv, q, provider, cap + 1);
    if (exact) {
      const n = exact.filter((o) => inRange(o.id, range)).length;
      return { count: Math.min(n, cap), more: n > cap };
    }
    let n = 0;
    let read = 0;
    const needle = q.toLowerCase();
    if (range.lo < range.hi) {
      const iter = kv.list<Order>({
        start: [...keys.orders(), range.lo],
        end: [...keys.orders(), range.hi],
      }, { reverse: true, limit: NAME_SCAN_LIMIT, batchSize: 250 });
      for await (const e of iter) {
        read++;
        if (matchesCustomer(e.value, needle)) n++;
      }
    }
    return { count: Math.min(n, cap), more: n > cap || read === NAME_SCAN_LIMIT };
  }
  // Every order is in exactly one status index (legacy refund statuses included).
  const prefixes = email
    ? [keys.ordersByCustomer(email)]
    : query.attention || query.status || query.payment
    ? listPrefixes(query)
    : [...ORDER_STATUSES, "refunded", "partially_refunded"].map((s) => keys.ordersByStatus(s));
  let n = 0;
  for (const prefix of prefixes) {
    if (range.lo >= range.hi) break;
    const iter = kv.list({ start: [...prefix, range.lo], end: [...prefix, range.hi] }, {
      limit: cap + 1 - n,
      batchSize: 500,
    });
    for await (const _ of iter) n++;
    if (n > cap) break;
  }
  return { count: Math.min(n, cap), more: n > cap };
}
