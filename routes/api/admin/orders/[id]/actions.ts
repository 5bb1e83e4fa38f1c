/**
 * `POST /api/admin/orders/:id/actions` with `{action, …}` (the same actions and fields as
 * the order page's forms): for scripts with the API token, or the admin's own pages with a
 * session and an `X-CSRF-Token`. Answers `{action, message, url?, order}`; refusals are the
 * usual error JSON (400, 404, 409, 422, 502). A refund names its `amount` ("12.50") or asks
 * for everything with `full: true`. There is no confirm step here: a script says what it means.
 */
import type { Handlers } from "$fresh/types.ts";
import { ActionInputSchema, runAction } from "@/lib/admin/order_action.ts";
import { getOrder } from "@/lib/db/orders.ts";
import { readJson } from "@/lib/http/json_body.ts";
import type { State } from "@/lib/state.ts";

export const handler: Handlers<unknown, State> = {
  async POST(req, ctx) {
    const { state } = ctx;
    const input = await readJson(req, ActionInputSchema);
    const result = await runAction(state, ctx.params.id, input, state.admin!);
    const order = (await getOrder(state.kv, ctx.params.id)).value;
    return Response.json({ ...result, order });
  },
};
