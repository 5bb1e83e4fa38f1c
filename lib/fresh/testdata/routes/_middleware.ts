import type { FreshContext } from "$fresh/types.ts";
import type { TrailState } from "../state.ts";

export async function handler(req: Request, ctx: FreshContext<TrailState>) {
  ctx.state.trail.push("root");
  if (new URL(req.url).searchParams.has("deny")) {
    return new Response("denied", { status: 401 });
  }
  const res = await ctx.next();
  res.headers.append("x-trail", "root");
  return res;
}
