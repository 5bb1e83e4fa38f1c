/**
 * POST /api/orders/:orderId/retry-session: a new checkout session for a saved order. The
 * owner proves themselves with the cart cookie that placed the order or its signed token,
 * which may come in the query (`?token=`), the `x-order-token` header, a JSON body
 * `{token}` or a form field `token`.
 */
import { z } from "zod";
import type { Handlers } from "$fresh/types.ts";
import { retryCheckout } from "@/lib/checkout/retry_session.ts";
import { readCartId } from "@/lib/http/cart_cookie.ts";
import { readForm } from "@/lib/http/form_body.ts";
import { readJson } from "@/lib/http/json_body.ts";
import type { State } from "@/lib/state.ts";

const TokenBody = z.object({ token: z.string().max(200).optional() });

/** The token from the body, if the request has one. */
async function bodyToken(req: Request): Promise<string | null> {
  const type = (req.headers.get("content-type") ?? "").toLowerCase();
  if (type.startsWith("application/json")) return (await readJson(req, TokenBody)).token ?? null;
  if (type.startsWith("application/x-www-form-urlencoded")) {
    return (await readForm(req)).get("token");
  }
  return null;
}

export const handler: Handlers<unknown, State> = {
  async POST(req, ctx) {
    const token = ctx.url.searchParams.get("token") ?? req.headers.get("x-order-token") ??
      await bodyToken(req);
    const result = await retryCheckout(ctx.state, ctx.params.orderId, {
      cartId: await readCartId(req, ctx.state.secret),
      token,
    });
    return Response.json({ id: result.id, url: result.url });
  },
};
