/**
 * POST /api/cart/items {productId, quantity}: adds units (onto the line when the product is
 * already there). The first add mints the cart and its signed cookie. Answers the cart.
 */
import type { Handlers } from "$fresh/types.ts";
import { requestCart, withCartCookie } from "@/lib/cart/cart_request.ts";
import { addItem, CartItemInputSchema, cartLimits } from "@/lib/cart/service.ts";
import { readJson } from "@/lib/http/json_body.ts";
import type { State } from "@/lib/state.ts";

export const handler: Handlers<unknown, State> = {
  async POST(req, ctx) {
    const input = await readJson(req, CartItemInputSchema);
    const cart = await requestCart(req, ctx.state);
    const view = await addItem(ctx.state.kv, cart.id, input, cartLimits(ctx.state.config));
    return await withCartCookie(Response.json(view), req, ctx.state, cart.id);
  },
};
