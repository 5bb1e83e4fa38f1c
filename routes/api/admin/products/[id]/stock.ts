/**
 * `POST /api/admin/products/:id/stock` with `{delta, reason}`: adds `delta` units (negative
 * takes them away), recorded in the product's stock ledger. Answers `{stock, entry}`; 409
 * `stock_below_zero` when the level would go below zero and `stock_not_tracked` for a
 * product whose stock is not counted, with nothing written; 404 for an unknown product.
 */
import type { Handlers } from "$fresh/types.ts";
import { AdjustmentSchema, adjustProductStock } from "@/lib/admin/products.ts";
import { readJson } from "@/lib/http/json_body.ts";
import type { State } from "@/lib/state.ts";

export const handler: Handlers<unknown, State> = {
  async POST(req, ctx) {
    const { state } = ctx;
    const input = await readJson(req, AdjustmentSchema);
    const done = await adjustProductStock(state.kv, ctx.params.id, input, state.admin!.actor);
    return Response.json(done);
  },
};
