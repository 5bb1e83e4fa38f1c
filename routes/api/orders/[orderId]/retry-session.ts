import type { Handlers } from "$fresh/types.ts";
import { retryCheckout } from "@/lib/checkout/retry_session.ts";
import { readCartId } from "@/lib/http/cart_cookie.ts";
import type { State } from "@/lib/state.ts";

export const handler: Handlers<unknown, State> = {
  async POST(req, ctx) {
    const url = new URL(req.url);
    const result = await retryCheckout(ctx.state, ctx.params.orderId, {
      cartId: await readCartId(req, ctx.state.secret),
      token: url.searchParams.get("token") ?? req.headers.get("x-order-token"),
    });
    return Response.json({ id: result.id, url: result.url });
  },
};
