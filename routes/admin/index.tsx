/**
 * The orders list: newest first, filtered by order status, refund (a payment status) or
 * "needs attention", searchable by order number, checkout session or payment intent, paged
 * by KV cursors in both directions (a page costs the same however many orders exist), with
 * the latest reconciliation.
 */
import { z } from "zod";
import type { Handlers, PageProps } from "$fresh/types.ts";
import { AdminPage } from "@/components/admin/AdminPage.tsx";
import { ORDER_STATUS, PAYMENT_STATUS } from "@/components/admin/labels.ts";
import { OrdersTable } from "@/components/admin/OrdersTable.tsx";
import { ReconcilePanel } from "@/components/admin/ReconcilePanel.tsx";
import { FIELD_BASE } from "@/components/admin/styles.ts";
import { Button, LinkButton } from "@/components/Button.tsx";
import type { PageMeta } from "@/components/Page.tsx";
import { FOCUS_RING } from "@/components/styles.ts";
import { listOrders, type OrdersPage } from "@/lib/admin/orders_list.ts";
import { parseInput } from "@/lib/http/json_body.ts";
import { ORDER_STATUSES, PAYMENT_STATUSES } from "@/lib/orders/types.ts";
import { latestReconcile, type ReconcileSummary } from "@/lib/reconcile/run.ts";
import type { AdminState } from "./_middleware.ts";

const ListParams = z.object({
  status: z.enum(ORDER_STATUSES).optional(),
  payment: z.enum(PAYMENT_STATUSES).optional(),
  attention: z.literal("1").optional(),
  q: z.string().trim().max(200).optional(),
  cursor: z.string().max(1000).optional(),
  dir: z.enum(["older", "newer"]).optional(),
});
type ListParams = z.infer<typeof ListParams>;

interface Data extends PageMeta {
  params: ListParams;
  page: OrdersPage;
  reconcile: ReconcileSummary | null;
  attentionCount: number;
}

/** The list's URL for `params` (empty values dropped). */
function listHref(params: ListParams): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const text = search.toString();
  return text ? `/admin?${text}` : "/admin";
}

export const handler: Handlers<Data, AdminState> = {
  async GET(_req, ctx) {
    const { kv, provider } = ctx.state;
    // An emptied search box or "All" sends empty values: they mean "no filter".
    const raw = [...ctx.url.searchParams].filter(([, value]) => value !== "");
    const params = parseInput(ListParams, Object.fromEntries(raw), "Unknown list filter");
    const [page, reconcile] = await Promise.all([
      listOrders(kv, {
        status: params.status,
        payment: params.payment,
        attention: params.attention === "1",
        q: params.q,
        cursor: params.cursor,
        direction: params.dir,
      }, provider.name),
      latestReconcile(kv),
    ]);
    const title = params.attention ? "Needs attention" : "Orders";
    return ctx.render({
      title,
      params,
      page,
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
  return (
    <nav aria-label="Filter orders" class="flex flex-wrap items-center gap-1">
      <a href="/admin" class={TAB} aria-current={all ? "true" : undefined}>All</a>
      <a
        href="/admin?attention=1"
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
          href={listHref({ status })}
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
          href={listHref({ payment })}
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

export default function OrdersList({ data }: PageProps<Data, AdminState>) {
  const { params, page, reconcile, attentionCount } = data;
  const filter = { status: params.status, payment: params.payment, attention: params.attention };
  return (
    <AdminPage
      heading={data.title}
      meta={params.q && <span class="text-sm text-slate-500">matching “{params.q}”</span>}
      actions={
        <form
          method="get"
          action="/admin"
          role="search"
          class="flex w-full items-center gap-2 sm:w-auto"
        >
          <label for="q" class="sr-only">Search orders</label>
          <input
            id="q"
            name="q"
            type="search"
            value={params.q ?? ""}
            placeholder="Order number, cs_… or pi_…"
            class={`${FIELD_BASE} min-w-0 flex-1 sm:w-80 sm:flex-none`}
          />
          <Button type="submit" size="sm" variant="secondary">Search</Button>
        </form>
      }
    >
      <div class="mb-3 flex flex-col gap-3">
        <Filters params={params} attentionCount={attentionCount} />
        <ReconcilePanel summary={reconcile} />
      </div>
      <OrdersTable orders={page.orders} />
      <nav aria-label="Pages" class="mt-3 flex items-center justify-between text-sm">
        <span class="text-slate-500">
          {page.orders.length} {page.orders.length === 1 ? "order" : "orders"} on this page
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
