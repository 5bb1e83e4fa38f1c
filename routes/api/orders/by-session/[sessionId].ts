import { z } from "zod";
import type { Handlers } from "$fresh/types.ts";
import { orderBySession } from "@/lib/checkout/order_status.ts";
import { parseInput } from "@/lib/http/json_body.ts";
import type { State } from "@/lib/state.ts";

/** A Stripe checkout session (cs_…) or a Razorpay order (order_…). */
const SessionId = z.string().regex(
  /^(cs_[A-Za-z0-9_]{1,250}|order_[A-Za-z0-9]{1,58})$/,
  "not a checkout session id",
);

export const handler: Handlers<unknown, State> = {
  async GET(_req, ctx) {
    const sessionId = parseInput(SessionId, ctx.params.sessionId);
    return Response.json(await orderBySession(ctx.state, sessionId), {
      headers: { "cache-control": "no-store" },
    });
  },
};
