/**
 * `GET /admin/orders/export.csv?…`: the orders list's current filters (status, payment,
 * attention, search, date range) as a CSV download, streamed (lib/admin/orders_csv.ts).
 * Signed in, like every admin page.
 */
import type { Handlers } from "$fresh/types.ts";
import { exportResponse } from "@/lib/admin/orders_csv.ts";
import type { AdminState } from "../_middleware.ts";

export const handler: Handlers<unknown, AdminState> = {
  GET(_req, ctx) {
    return exportResponse(ctx.url, ctx.state, ctx.state.config.shopTimeZone);
  },
};
