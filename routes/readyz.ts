/** Readiness: 200 while KV answers and the outbox worker ticks, 503 otherwise (lib/health.ts). */
import type { Handlers } from "$fresh/types.ts";
import { readiness } from "@/lib/health.ts";
import type { State } from "@/lib/state.ts";

export const handler: Handlers<unknown, State> = {
  async GET(_req, ctx) {
    const { ready, ...body } = await readiness(ctx.state);
    return Response.json({ status: ready ? "ok" : "unavailable", ...body }, {
      status: ready ? 200 : 503,
      headers: { "cache-control": "no-store" },
    });
  },
};
