/** Liveness: the process answers HTTP. Touches no storage, so a KV outage never restarts it. */
import type { Handlers } from "$fresh/types.ts";

export const handler: Handlers = {
  GET: () => Response.json({ status: "ok" }, { headers: { "cache-control": "no-store" } }),
};
