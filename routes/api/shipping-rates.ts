/**
 * GET /api/shipping-rates?country=NZ[&subtotal=4500]: the shop's shipping options for a
 * country, `[{id, label, amount, currency, freeOver?}]` (amount 0 when the subtotal is over
 * a rate's free threshold). 422 naming `country` for a malformed or unserved one.
 */
import type { Handlers } from "$fresh/types.ts";
import { shippingOptionsFor } from "@/lib/shipping/service.ts";
import type { State } from "@/lib/state.ts";

export const handler: Handlers<unknown, State> = {
  async GET(req, ctx) {
    const url = new URL(req.url);
    const options = await shippingOptionsFor(ctx.state.config, {
      country: url.searchParams.get("country"),
      subtotal: url.searchParams.get("subtotal"),
    });
    return Response.json(options);
  },
};
