/** GET /api/cart: the shopper's cart (from the signed cookie) priced from the catalog now. */
import type { Handlers } from "$fresh/types.ts";
import { getCartView } from "@/lib/cart/service.ts";
import { readCartId } from "@/lib/http/cart_cookie.ts";
import type { State } from "@/lib/state.ts";

export const handler: Handlers<unknown, State> = {
  async GET(req, ctx) {
    const { kv, secret, config } = ctx.state;
    const view = await getCartView(kv, await readCartId(req, secret), config.currency);
    // One shopper's cart: no shared cache may keep it.
    return Response.json(view, { headers: { "cache-control": "no-store" } });
  },
};
