/**
 * `GET /api/admin/products[?q=…&status=active|inactive]`: the products list as the admin
 * page shows it, `{products: [{...product, stock, lowStock}]}`; `stock` is the level on hand,
 * null for a product whose stock is not tracked.
 */
import type { Handlers } from "$fresh/types.ts";
import { listAdminProducts, ProductListParams } from "@/lib/admin/products.ts";
import { parseInput } from "@/lib/http/json_body.ts";
import type { State } from "@/lib/state.ts";

export const handler: Handlers<unknown, State> = {
  async GET(_req, ctx) {
    const params = parseInput(ProductListParams, Object.fromEntries(ctx.url.searchParams));
    const rows = await listAdminProducts(ctx.state.kv, params);
    return Response.json({
      products: rows.map(({ product, stock, low }) => ({ ...product, stock, lowStock: low })),
    });
  },
};
