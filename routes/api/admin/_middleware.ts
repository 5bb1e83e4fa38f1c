import type { MiddlewareHandler } from "$fresh/types.ts";
import { authenticate } from "@/lib/admin/guard.ts";
import type { State } from "@/lib/state.ts";

/** /api/admin/*: a signed-in admin (with a form token for changes) or the API bearer token. */
export const handler: MiddlewareHandler<State> = async (req, ctx) => {
  ctx.state.admin = await authenticate(req, ctx.state);
  const res = await ctx.next();
  res.headers.set("cache-control", "no-store");
  return res;
};
