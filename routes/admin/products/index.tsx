/**
 * The products list: every product (inactive ones too) by title, searchable by title or
 * slug, filtered to active or inactive ones, with the stock on hand and low stock flagged.
 */
import type { Handlers, PageProps } from "$fresh/types.ts";
import { AdminPage } from "@/components/admin/AdminPage.tsx";
import { LOW_STOCK_NOTE, ProductsTable } from "@/components/admin/ProductsTable.tsx";
import { FIELD_BASE } from "@/components/admin/styles.ts";
import { Button, LinkButton } from "@/components/Button.tsx";
import type { PageMeta } from "@/components/Page.tsx";
import { FOCUS_RING } from "@/components/styles.ts";
import {
  listAdminProducts,
  PRODUCT_STATUSES,
  ProductListParams,
  type ProductListQuery,
  type ProductRow,
} from "@/lib/admin/products.ts";
import { parseInput } from "@/lib/http/json_body.ts";
import type { AdminState } from "../_middleware.ts";

interface Data extends PageMeta {
  params: ProductListQuery;
  rows: ProductRow[];
}

/** The list's URL for `params` (empty values dropped). */
function listHref(params: ProductListQuery): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const text = search.toString();
  return text ? `/admin/products?${text}` : "/admin/products";
}

export const handler: Handlers<Data, AdminState> = {
  async GET(_req, ctx) {
    // An emptied search box or "All" sends empty values: they mean "no filter".
    const raw = [...ctx.url.searchParams].filter(([, value]) => value !== "");
    const params = parseInput(ProductListParams, Object.fromEntries(raw), "Unknown list filter");
    const rows = await listAdminProducts(ctx.state.kv, params);
    return ctx.render({ title: "Products", params, rows });
  },
};

const TAB = "inline-flex items-center rounded-md px-2.5 py-1 text-sm font-medium " +
  "text-slate-600 hover:bg-white hover:text-slate-900 aria-[current=true]:bg-white " +
  "aria-[current=true]:text-slate-900 aria-[current=true]:shadow-sm " +
  "aria-[current=true]:ring-1 aria-[current=true]:ring-slate-200 " + FOCUS_RING;

const STATUS_LABEL = { active: "Active", inactive: "Inactive" } as const;

export default function ProductsList({ data: { params, rows } }: PageProps<Data, AdminState>) {
  const lowCount = rows.filter((r) => r.low).length;
  return (
    <AdminPage
      heading="Products"
      meta={
        <span class="text-sm text-slate-500">
          {rows.length} {rows.length === 1 ? "product" : "products"}
          {params.q && <>matching “{params.q}”</>}
        </span>
      }
      actions={
        <>
          <form
            method="get"
            action="/admin/products"
            role="search"
            class="flex w-full items-center gap-2 sm:w-auto"
          >
            {params.status && <input type="hidden" name="status" value={params.status} />}
            <label for="q" class="sr-only">Search products</label>
            <input
              id="q"
              name="q"
              type="search"
              value={params.q ?? ""}
              placeholder="Title or slug"
              class={`${FIELD_BASE} min-w-0 flex-1 sm:w-64 sm:flex-none`}
            />
            <Button type="submit" size="sm" variant="secondary">Search</Button>
          </form>
          <LinkButton href="/admin/products/new" size="sm">New product</LinkButton>
        </>
      }
    >
      <div class="mb-3 flex flex-wrap items-center justify-between gap-3">
        <nav aria-label="Filter products" class="flex flex-wrap items-center gap-1">
          <a
            href={listHref({ q: params.q })}
            class={TAB}
            aria-current={params.status ? undefined : "true"}
          >
            All
          </a>
          {PRODUCT_STATUSES.map((status) => (
            <a
              key={status}
              href={listHref({ q: params.q, status })}
              class={TAB}
              aria-current={params.status === status ? "true" : undefined}
            >
              {STATUS_LABEL[status]}
            </a>
          ))}
        </nav>
        <p class="text-sm text-slate-600" data-low-count={lowCount}>
          {LOW_STOCK_NOTE} {lowCount === 0
            ? "None here."
            : `${lowCount} here ${lowCount === 1 ? "is" : "are"} marked.`}
        </p>
      </div>
      <ProductsTable rows={rows} />
    </AdminPage>
  );
}
