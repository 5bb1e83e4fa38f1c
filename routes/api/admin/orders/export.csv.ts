/**
 * `GET /api/admin/orders/export.csv?…` with the ADMIN_API_TOKEN bearer (or an admin
 * session): the same streamed CSV as the admin page's export, for the accountant's scripts.
 * Takes the list's parameters: status, payment, attention=1, q, from, to (YYYY-MM-DD in
 * SHOP_TIME_ZONE).
 */
import type { Handlers } from "$fresh/types.ts";
import { exportResponse } from "@/lib/admin/orders_csv.ts";
import type { State } from "@/lib/state.ts";

export const handler: Handlers<unknown, State> = {
  GET(_req, ctx) {
    return exportResponse(ctx.url, ctx.state, ctx.state.config.shopTimeZone);
  },
};
