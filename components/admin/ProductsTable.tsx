/**
 * The admin products list: on wide screens a table, one row per product with its price,
 * stock on hand and status; on narrower ones a card per product, so nothing scrolls
 * sideways on a phone. Low stock (LOW_STOCK units or fewer) is tinted and says so in words.
 */
import { LOW_STOCK, type ProductRow } from "../../lib/admin/products.ts";
import { Price } from "../Price.tsx";
import { Badge } from "./Badge.tsx";
import { ScrollRegion } from "./ScrollRegion.tsx";
import { LINK, MONO, PANEL, TD, TH } from "./styles.ts";

export const productPath = (id: string) => `/admin/products/${encodeURIComponent(id)}`;

/** What the list says of low stock, above it. */
export const LOW_STOCK_NOTE = `Low stock: ${LOW_STOCK} units or fewer on hand.`;

/** Units on hand, "Not tracked", and a worded warning when stock is low or gone. */
export function StockLevel({ row }: { row: ProductRow }) {
  if (row.stock === null) return <span class="text-slate-500">Not tracked</span>;
  return (
    <span class="inline-flex flex-wrap items-center gap-1.5" data-stock={row.stock}>
      <span class="font-medium tabular-nums text-slate-900">{row.stock}</span>
      {row.stock === 0
        ? <Badge tone="red">Sold out</Badge>
        : row.low && <Badge tone="amber">Low stock</Badge>}
    </span>
  );
}

export function ActiveBadge({ active }: { active: boolean }) {
  return active ? <Badge tone="green">Active</Badge> : <Badge tone="grey">Inactive</Badge>;
}

const lowTint = (row: ProductRow) => row.low ? "bg-amber-50 shadow-[inset_3px_0_0_#f59e0b]" : "";

function ProductTableRow({ row }: { row: ProductRow }) {
  const { product } = row;
  return (
    <tr
      class={lowTint(row) || "hover:bg-slate-50"}
      data-product-row={product.id}
      data-low={row.low ? "" : undefined}
    >
      <td class={TD}>
        <a href={productPath(product.id)} class={`${LINK} font-medium`}>{product.title}</a>
        <div class={MONO}>{product.slug}</div>
      </td>
      <td class={`${TD} whitespace-nowrap text-right font-medium text-slate-900`}>
        <Price amount={product.unitAmount} currency={product.currency} />{" "}
        <span class="text-xs font-normal text-slate-500">{product.currency.toUpperCase()}</span>
      </td>
      <td class={TD}>
        <StockLevel row={row} />
      </td>
      <td class={TD}>
        <span class="flex flex-wrap gap-1">
          <ActiveBadge active={product.active} />
          {product.unique && <Badge tone="violet">One of a kind</Badge>}
        </span>
      </td>
    </tr>
  );
}

function ProductCard({ row }: { row: ProductRow }) {
  const { product } = row;
  const look = row.low ? "border-amber-300 bg-amber-50" : "border-slate-200 bg-white";
  return (
    <li
      class={`rounded-lg border px-4 py-3 text-sm shadow-sm ${look}`}
      data-product-card={product.id}
    >
      <div class="flex items-baseline justify-between gap-3">
        <a href={productPath(product.id)} class={`${LINK} min-w-0 break-words font-medium`}>
          {product.title}
        </a>
        <Price
          amount={product.unitAmount}
          currency={product.currency}
          class="whitespace-nowrap font-medium text-slate-900"
        />
      </div>
      <p class={`${MONO} break-all`}>{product.slug}</p>
      <dl class="mt-2 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs">
        <div class="flex items-center gap-1">
          <dt class="text-slate-600">Stock</dt>
          <dd>
            <StockLevel row={row} />
          </dd>
        </div>
        <div class="flex items-center gap-1">
          <dt class="sr-only">Status</dt>
          <dd class="flex gap-1">
            <ActiveBadge active={product.active} />
            {product.unique && <Badge tone="violet">One of a kind</Badge>}
          </dd>
        </div>
      </dl>
    </li>
  );
}

export function ProductsTable({ rows }: { rows: ProductRow[] }) {
  if (rows.length === 0) {
    return (
      <p class={`${PANEL} px-4 py-10 text-center text-sm text-slate-500`}>No products match.</p>
    );
  }
  return (
    <>
      <ul class="flex flex-col gap-2 lg:hidden" aria-label="Products">
        {rows.map((row) => <ProductCard key={row.product.id} row={row} />)}
      </ul>
      <ScrollRegion label="Products" class={`${PANEL} hidden lg:block`}>
        <table class="min-w-full divide-y divide-slate-200 text-sm">
          <thead class="bg-slate-50">
            <tr>
              <th scope="col" class={`${TH} text-left`}>Product</th>
              <th scope="col" class={`${TH} text-right`}>Price</th>
              <th scope="col" class={`${TH} text-left`}>Stock on hand</th>
              <th scope="col" class={`${TH} text-left`}>Status</th>
            </tr>
          </thead>
          <tbody class="divide-y divide-slate-100">
            {rows.map((row) => <ProductTableRow key={row.product.id} row={row} />)}
          </tbody>
        </table>
      </ScrollRegion>
    </>
  );
}
