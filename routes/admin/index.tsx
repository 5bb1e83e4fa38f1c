/**
 * The orders list: newest first, filtered by order status, refund (a payment status) or
 * "needs attention" and by a date range (days in SHOP_TIME_ZONE), searchable by order
 * number, checkout session, payment intent, or the customer's e-mail or name, paged by KV
 * cursors in both directions (a page costs the same however many orders exist), with the
 * list's total count (exact up to COUNT_CAP), a CSV export of it and the latest
 * reconciliation.
 */
import type { Handlers, PageProps } from "$fresh/types.ts";
import { AdminPage } from "@/components/admin/AdminPage.tsx";
import { ORDER_STATUS, PAYMENT_STATUS } from "@/components/admin/labels.ts";
import { OrdersTable } from "@/components/admin/OrdersTable.tsx";
import { ReconcilePanel } from "@/components/admin/ReconcilePanel.tsx";
import { FIELD_BASE, LINK } from "@/components/admin/styles.ts";
import { Button, LinkButton } from "@/components/Button.tsx";
import type { PageMeta } from "@/components/Page.tsx";
import { FOCUS_RING } from "@/components/styles.ts";
import {
  countOrders,
  idRange,
  listOrders,
  ListParams,
  type OrdersCount,
  type OrdersPage,
  toListQuery,
} from "@/lib/admin/orders_list.ts";
import { parseInput } from "@/lib/http/json_body.ts";
import { ORDER_STATUSES } from "@/lib/orders/types.ts";
import { latestReconcile, type ReconcileSummary } from "@/lib/reconcile/run.ts";
import type { AdminState } from "./_middleware.ts";

interface Data extends PageMeta {
  params: ListParams;
  page: OrdersPage;
  count: OrdersCount;
  reconcile: ReconcileSummary | null;
  attentionCount: number;
}

/** The list's URL for `params` (empty values dropped), or another path's with them. */
function listHref(params: Partial<ListParams>, path = "/admin"): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

export const handler: Handlers<Data, AdminState> = {
  async GET(_req, ctx) {
    const { kv, provider } = ctx.state;
    // An emptied search box or "All" sends empty values: they mean "no filter".
    const raw = [...ctx.url.searchParams].filter(([, value]) => value !== "");
    const params = parseInput(ListParams, Object.fromEntries(raw), "Unknown list filter");
    const query = toListQuery(params, ctx.state.config.shopTimeZone);
    idRange(query);
    const [page, count, reconcile] = await Promise.all([
      listOrders(kv, query, provider.name),
      countOrders(kv, query, provider.name),
      latestReconcile(kv),
    ]);
    const title = params.attention ? "Needs attention" : "Orders";
    return ctx.render({
      title,
      params,
      page,
      count,
      reconcile,
      attentionCount: ctx.state.attentionCount ?? 0,
    });
  },
};

const TAB = "inline-flex items-center gap-1.5 rounded-md px-2.5 py-1 text-sm font-medium " +
  "text-slate-600 hover:bg-white hover:text-slate-900 aria-[current=true]:bg-white " +
  "aria-[current=true]:text-slate-900 aria-[current=true]:shadow-sm " +
  "aria-[current=true]:ring-1 aria-[current=true]:ring-slate-200 " + FOCUS_RING;

/** Refunds move the payment's status, not the order's: these filter on the payment. */
const REFUND_FILTERS = ["partially_refunded", "refunded"] as const;

function Filters({ params, attentionCount }: { params: ListParams; attentionCount: number }) {
  const all = !params.status && !params.payment && !params.attention && !params.q;
  // The date range stays whichever tab is chosen.
  const days = { from: params.from, to: params.to };
  return (
    <nav aria-label="Filter orders" class="flex flex-wrap items-center gap-1">
      <a href={listHref(days)} class={TAB} aria-current={all ? "true" : undefined}>All</a>
      <a
        href={listHref({ attention: "1", ...days })}
        class={TAB}
        aria-current={params.attention ? "true" : undefined}
      >
        Needs attention
        <span
          class={`rounded-full px-1.5 text-xs font-bold tabular-nums ${
            attentionCount ? "bg-amber-400 text-slate-900" : "bg-slate-200 text-slate-600"
          }`}
        >
          {attentionCount}
        </span>
      </a>
      <span class="mx-1 h-5 w-px bg-slate-300" aria-hidden="true" />
      {ORDER_STATUSES.map((status) => (
        <a
          key={status}
          href={listHref({ status, ...days })}
          class={TAB}
          aria-current={params.status === status && !params.attention ? "true" : undefined}
        >
          {ORDER_STATUS[status][0]}
        </a>
      ))}
      <span class="mx-1 h-5 w-px bg-slate-300" aria-hidden="true" />
      {REFUND_FILTERS.map((payment) => (
        <a
          key={payment}
          href={listHref({ payment, ...days })}
          class={TAB}
          aria-current={params.payment === payment && !params.status && !params.attention
            ? "true"
            : undefined}
        >
          {PAYMENT_STATUS[payment][0]}
        </a>
      ))}
    </nav>
  );
}

/** Search and date range in one GET form; the chosen tab rides along as hidden fields. */
function SearchForm({ params }: { params: ListParams }) {
  const hidden = { status: params.status, payment: params.payment, attention: params.attention };
  return (
    <form
      method="get"
      action="/admin"
      role="search"
      aria-label="Search orders"
      class="flex w-full flex-wrap items-end gap-2 lg:w-auto"
    >
      {Object.entries(hidden).map(([name, value]) =>
        value && <input key={name} type="hidden" name={name} value={value} />
      )}
      <div class="w-full sm:w-auto">
        <label for="q" class="block text-xs font-medium text-slate-600">Search</label>
        <input
          id="q"
          name="q"
          type="search"
          value={params.q ?? ""}
          placeholder="E-mail, name, order number, cs_… or pi_…"
          class={`${FIELD_BASE} mt-0.5 w-full sm:w-72`}
        />
      </div>
      <div>
        <label for="from" class="block text-xs font-medium text-slate-600">From</label>
        <input
          id="from"
          name="from"
          type="date"
          value={params.from ?? ""}
          class={`${FIELD_BASE} mt-0.5`}
        />
      </div>
      <div>
        <label for="to" class="block text-xs font-medium text-slate-600">To</label>
        <input
          id="to"
          name="to"
          type="date"
          value={params.to ?? ""}
          class={`${FIELD_BASE} mt-0.5`}
        />
      </div>
      <Button type="submit" size="sm" variant="secondary">Search</Button>
    </form>
  );
}

/** "42 orders", "1,000+ orders": the whole filtered list, not this page. */
function countText({ count, more }: OrdersCount): string {
  const n = `${count.toLocaleString("en")}${more ? "+" : ""}`;
  return `${n} ${count === 1 && !more ? "order" : "orders"}`;
}

export default function OrdersList({ data }: PageProps<Data, AdminState>) {
  const { params, page, count, reconcile, attentionCount } = data;
  const filter = {
    status: params.status,
    payment: params.payment,
    attention: params.attention,
    q: params.q,
    from: params.from,
    to: params.to,
  };
  const range = params.from || params.to ? ` · ${params.from ?? "…"} to ${params.to ?? "…"}` : "";
  return (
    <AdminPage
      heading={data.title}
      meta={
        <span class="text-sm text-slate-500" data-order-count={count.count}>
          {countText(count)}
          {params.q && <>{" "}matching “{params.q}”</>}
          {range}
        </span>
      }
      actions={<SearchForm params={params} />}
    >
      <div class="mb-3 flex flex-col gap-3">
        <Filters params={params} attentionCount={attentionCount} />
        <ReconcilePanel summary={reconcile} />
      </div>
      <OrdersTable orders={page.orders} />
      <nav
        aria-label="Pages"
        class="mt-3 flex flex-wrap items-center justify-between gap-2 text-sm"
      >
        <span class="flex flex-wrap items-center gap-3 text-slate-500">
          {page.orders.length} {page.orders.length === 1 ? "order" : "orders"} on this page
          <a
            href={listHref(filter, "/admin/orders/export.csv")}
            class={LINK}
            download
            data-export
          >
            Export CSV ({countText(count)})
          </a>
        </span>
        <span class="flex gap-2">
          {page.prevCursor && (
            <LinkButton
              href={listHref({ ...filter, cursor: page.prevCursor, dir: "newer" })}
              size="sm"
              variant="secondary"
              rel="prev"
            >
              ← Newer
            </LinkButton>
          )}
          {page.nextCursor && (
            <LinkButton
              href={listHref({ ...filter, cursor: page.nextCursor })}
              size="sm"
              variant="secondary"
              rel="next"
            >
              Older →
            </LinkButton>
          )}
        </span>
      </nav>
    </AdminPage>
  );
}
