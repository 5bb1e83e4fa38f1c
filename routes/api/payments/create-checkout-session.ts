import { z } from "zod";
import type { Handlers } from "$fresh/types.ts";
import { CheckoutRequestSchema, createCheckout } from "@/lib/checkout/create_session.ts";
import { checkoutOwner } from "@/lib/checkout/shopper_pages.ts";
import { parseInput, readJson } from "@/lib/http/json_body.ts";
import type { State } from "@/lib/state.ts";

const IdempotencyKey = z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, "printable ASCII only")
  .nullable();

const encoder = new TextEncoder();

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
      : await readJson(req, CheckoutRequestSchema);
    const { cartId, owner, holders, cookie } = await checkoutOwner(req, ctx.state);
    const input = { ...body, cartId, owner, holders, idempotencyKey };
    const result = await createCheckout(ctx.state, input);
    const reply = encoder.encode(JSON.stringify(result));
    // With its length stated, the compression middleware passes a reply this small untouched
    // instead of buffering it again to measure it.
    const headers = new Headers({
      "content-type": "application/json",
      "content-length": String(reply.byteLength),
    });
    if (cookie) headers.append("set-cookie", cookie);
    return new Response(reply, { headers });
  },
};
