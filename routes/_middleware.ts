/**
 * Root middleware: page requests learn how many units the shopper's cart holds, for the
 * header badge every page shows. API calls and form posts skip the read.
 */
import type { MiddlewareHandler } from "$fresh/types.ts";
import { getCartCount } from "@/lib/cart/service.ts";
import { readCartId } from "@/lib/http/cart_cookie.ts";
import type { State } from "@/lib/state.ts";

/** What pages find in `ctx.state`. */
export interface ShopState extends State {
  /** Units in the shopper's cart; set for GET and HEAD requests outside /api/. */
  cartCount?: number;
}

export const handler: MiddlewareHandler<ShopState> = async (req, ctx) => {
  const isPage = (req.method === "GET" || req.method === "HEAD") &&
    !ctx.url.pathname.startsWith("/api/");
  if (isPage) {
    // No cookie (health probes, first visits) means no KV read.
    const cartId = await readCartId(req, ctx.state.secret);
    ctx.state.cartCount = await getCartCount(ctx.state.kv, cartId);
  }
  return await ctx.next();
};
