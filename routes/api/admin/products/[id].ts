/**
 * `PUT /api/admin/products/:id` with one product of the JSON catalog file (slug, title,
 * description, unitAmount in minor units, currency, image, active, unique, trackStock and
 * optionally stock, an absolute level): an upsert. `:id` is the id of an existing product,
 * which is updated (its slug may change), or else the body's slug, whose product is updated
 * or created (a body `id` is refused like any unknown field: the path says which product).
 * Answers `{product, created, changed}`, 201 when created; 422 names each bad field
 * (`details: [{path, message}]`) and writes nothing; 404 for an id no product has.
 */
import type { Handlers } from "$fresh/types.ts";
import { putProduct } from "@/lib/admin/products.ts";
import { readJson } from "@/lib/http/json_body.ts";
import type { State } from "@/lib/state.ts";
import { z } from "zod";

export const handler: Handlers<unknown, State> = {
  async PUT(req, ctx) {
    const { state } = ctx;
    const body = await readJson(req, z.unknown());
    const result = await putProduct(state.kv, ctx.params.id, body, state.admin!.actor);
    return Response.json(result, { status: result.created ? 201 : 200 });
  },
};
