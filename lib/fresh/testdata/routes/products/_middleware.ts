import type { FreshContext } from "$fresh/types.ts";
import type { TrailState } from "../../state.ts";

export const handler = [
  (_req: Request, ctx: FreshContext<TrailState>) => {
    ctx.state.trail.push("products-a");
    return ctx.next();
  },
  async (_req: Request, ctx: FreshContext<TrailState>) => {
    ctx.state.trail.push("products-b");
    const res = await ctx.next();
    res.headers.append("x-trail", "products-b");
    return res;
  },
];
