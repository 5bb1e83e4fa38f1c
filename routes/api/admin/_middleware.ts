import type { MiddlewareHandler } from "$fresh/types.ts";
import { requireApiToken } from "@/lib/admin/api_token.ts";
import type { State } from "@/lib/state.ts";

/** Scripts reach /api/admin/* with `Authorization: Bearer <ADMIN_API_TOKEN>` only. */
export const handler: MiddlewareHandler<State> = async (req, ctx) => {
  await requireApiToken(req, ctx.state.config.admin.apiToken);
  const res = await ctx.next();
  res.headers.set("cache-control", "no-store");
  return res;
};
