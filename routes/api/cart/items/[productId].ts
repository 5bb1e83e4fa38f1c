/**
 * PATCH /api/cart/items/:productId {quantity}: sets a line's quantity.
 * DELETE /api/cart/items/:productId: removes the line (a no-op when it is not there).
 * Both answer the cart.
 */
import { z } from "zod";
import type { FreshContext, Handlers } from "$fresh/types.ts";
import { withCartCookie } from "@/lib/cart/cart_request.ts";
import {
  cartLimits,
  getCartView,
  ProductIdSchema,
  QuantitySchema,
  removeItem,
  setQuantity,
} from "@/lib/cart/service.ts";
import { readCartId } from "@/lib/http/cart_cookie.ts";
import { NotFoundError } from "@/lib/http/errors.ts";
import { parseInput, readJson } from "@/lib/http/json_body.ts";
import type { State } from "@/lib/state.ts";

const QuantityBody = z.object({ quantity: QuantitySchema });

const productIdOf = (ctx: FreshContext<State>) =>
  parseInput(ProductIdSchema, ctx.params.productId, "The product id in the path is not valid");

export const handler: Handlers<unknown, State> = {
  async PATCH(req, ctx) {
    const productId = productIdOf(ctx);
    const { quantity } = await readJson(req, QuantityBody);
    const cartId = await readCartId(req, ctx.state.secret);
    if (!cartId) throw new NotFoundError(`Product ${productId} is not in the cart`, { productId });
    const view = await setQuantity(
      ctx.state.kv,
      cartId,
      productId,
      quantity,
      cartLimits(ctx.state.config),
    );
    return await withCartCookie(Response.json(view), req, ctx.state, cartId);
  },

  async DELETE(req, ctx) {
    const productId = productIdOf(ctx);
    const { kv, secret, config } = ctx.state;
    const cartId = await readCartId(req, secret);
    if (!cartId) return Response.json(await getCartView(kv, null, config.currency));
    const view = await removeItem(kv, cartId, productId);
    return await withCartCookie(Response.json(view), req, ctx.state, cartId);
  },
};
