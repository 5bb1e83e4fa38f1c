/**
 * The CSV export of the admin's filtered orders list: one row per order, streamed. The
 * stream pages through KV with the list's own cursor (EXPORT_PAGE orders a page, each page
 * read only when the client has taken the one before), so 100,000 orders export without
 * ever being held in memory together.
 *
 * Cells follow RFC 4180 (quoted when they hold a quote, comma or line break; quotes doubled;
 * rows end CRLF) and are defused against spreadsheet formula injection: a cell that begins
 * with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'`, so a customer
 * named "=HYPERLINK(…)" reads as text. Amounts are in major units ("12.50").
 */
import { toMajorUnits } from "../orders/money.ts";
import type { Order } from "../orders/types.ts";
import { parseInput } from "../http/json_body.ts";
import { idRange, listOrders, ListParams, type ListQuery, toListQuery } from "./orders_list.ts";

/** Orders read per KV page of the export. */
export const EXPORT_PAGE = 250;

export const CSV_HEADER = [
  "number",
  "created_at",
  "updated_at",
  "status",
  "payment_status",
  "fulfilment_status",
  "customer_email",
  "customer_name",
  "customer_phone",
  "ship_to_name",
  "address_line1",
  "address_line2",
  "city",
  "region",
  "postal_code",
  "country",
  "items",
  "shipping_label",
  "shipping_amount",
  "total",
  "refunded",
  "currency",
  "provider",
  "checkout_session_id",
  "payment_intent_id",
  "order_id",
] as const;

const FORMULA = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One cell: defused against formulas, then quoted per RFC 4180 where it must be. */
export function csvCell(value: string | number | null | undefined): string {
  let text = value === null || value === undefined ? "" : String(value);
  if (typeof value === "string" && FORMULA.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CRLF-terminated line. */
export function csvLine(cells: readonly (string | number | null | undefined)[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

/** "2 × Mug; 1 × Beans". */
export function itemsCell(order: Pick<Order, "items">): string {
  return order.items.map((i) => `${i.quantity} × ${i.title}`).join("; ");
}

/** The cells of one order, in CSV_HEADER's order. */
export function orderRow(order: Order): (string | number | null)[] {
  const money = (minor: number) => toMajorUnits(minor, order.currency);
  const c = order.customer ?? null;
  const s = order.shipping ?? null;
  const a = s?.address ?? null;
  const pay = order.payment;
  return [
    order.number,
    order.createdAt,
    order.updatedAt,
    order.status,
    pay.status,
    order.fulfillment.status,
    c?.email ?? null,
    c?.name ?? null,
    c?.phone ?? null,
    a?.name ?? null,
    a?.line1 ?? null,
    a?.line2 ?? null,
    a?.city ?? null,
    a?.region ?? null,
    a?.postalCode ?? null,
    a?.country ?? null,
    itemsCell(order),
    s?.label ?? null,
    s ? money(s.amount) : null,
    money(order.total),
    money(pay.refundedAmount),
    order.currency.toUpperCase(),
    pay.provider,
    pay.sessionId,
    pay.paymentIntentId,
    order.id,
  ];
}

/** The filename an export is offered as: "orders-2026-12-02.csv". */
export function exportFilename(now: Date): string {
  return `orders-${now.toISOString().slice(0, 10)}.csv`;
}

/**
 * The CSV of every order `query` lists (its own cursor and limit aside), newest first, as a
 * byte stream that reads one page ahead of what the client has taken. Starts with a UTF-8
 * byte-order mark, so spreadsheets read "é" and "×" as written.
 */
export function ordersCsvStream(
  kv: Deno.Kv,
  query: ListQuery,
  provider: string,
  pageSize = EXPORT_PAGE,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor: string | undefined;
  let started = false;
  let done = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(`\uFEFF${csvLine(CSV_HEADER)}`));
        return;
      }
      if (done) {
        controller.close();
        return;
      }
      const page = await listOrders(kv, {
        ...query,
        cursor,
        direction: "older",
        limit: pageSize,
      }, provider);
      let chunk = "";
      for (const order of page.orders) chunk += csvLine(orderRow(order));
      if (chunk) controller.enqueue(encoder.encode(chunk));
      cursor = page.nextCursor ?? undefined;
      if (!cursor) {
        done = true;
        if (!chunk) controller.close();
      }
    },
  }, { highWaterMark: 1 });
}

/** The download response: streamed, never cached, saved as a file. */
export function csvResponse(body: ReadableStream<Uint8Array>, now: Date): Response {
  return new Response(body, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${exportFilename(now)}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
}

/**
 * The export both routes answer (the admin page's and the API's): the list's filters from
 * `url` (empty values mean none; any cursor is ignored: an export is the whole list).
 */
export function exportResponse(
  url: URL,
  deps: { kv: Deno.Kv; now: () => Date; provider: { name: string } },
  timeZone: string,
): Response {
  const raw = [...url.searchParams].filter(([key, value]) => value !== "" && key !== "cursor");
  const params = parseInput(ListParams, Object.fromEntries(raw), "Unknown list filter");
  const query = toListQuery({ ...params, cursor: undefined, dir: undefined }, timeZone);
  // Bad dates are refused now, before the 200 goes out.
  idRange(query);
  return csvResponse(ordersCsvStream(deps.kv, query, deps.provider.name), deps.now());
}
