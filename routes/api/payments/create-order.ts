/**
 * POST /api/payments/create-order: the Razorpay side of create-checkout-session. Body
 * `{items}`, empty for the cart, or `{orderId, token}` to pay a saved order (its owner
 * only); the same optional `customer`, `shipping` and `shippingRateId`. See
 * lib/checkout/razorpay_order.ts.
 */
import { z } from "zod";
import type { Handlers } from "$fresh/types.ts";
import { CreateOrderRequestSchema, createRazorpayOrder } from "@/lib/checkout/razorpay_order.ts";
import { checkoutOwner } from "@/lib/checkout/shopper_pages.ts";
import { parseInput, readJson } from "@/lib/http/json_body.ts";
import type { State } from "@/lib/state.ts";

const IdempotencyKey = z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, "printable ASCII only")
  .nullable();

export const handler: Handlers<unknown, State> = {
  async POST(req, ctx) {
    const idempotencyKey = parseInput(
      IdempotencyKey,
      req.headers.get("idempotency-key"),
      "The Idempotency-Key header is not valid",
    );
    // An empty body means "check out my cart".
    const body = req.headers.get("content-length") === "0" || !req.body
      ? {}
      : await readJson(req, CreateOrderRequestSchema);
    const { cartId, owner, holders, cookie } = await checkoutOwner(req, ctx.state);
    const result = await createRazorpayOrder(
      ctx.state,
      { ...body, cartId, owner, holders, idempotencyKey },
      { cartId, token: body.token ?? null },
    );
    const res = Response.json(result);
    if (cookie) res.headers.append("set-cookie", cookie);
    return res;
  },
};
