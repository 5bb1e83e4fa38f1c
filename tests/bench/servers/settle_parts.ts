/**
 * Diagnostic servers: Settle's webhook path with parts of the process taken away, to see
 * what each part costs. Configured from the same environment as main.ts (lib/config.ts).
 *   --mode app    createApp() exactly as lib/runtime.ts builds it (middleware, Fresh
 *                 routes, the webhook route) but no outbox worker and no emulator;
 *   --mode ingest Deno.serve straight into ingestWebhook(): no Hono, no middleware.
 * Prints `listening <port>`.
 */
import { parseArgs } from "node:util";
import { createApp } from "@/lib/app.ts";
import { loadConfig } from "@/lib/config.ts";
import { openKv } from "@/lib/db/kv.ts";
import { buildIslands } from "@/lib/fresh/bundle.ts";
import { configureLog } from "@/lib/log.ts";
import { createStripeProvider } from "@/lib/payments/stripe.ts";
import type { AppDeps } from "@/lib/state.ts";
import { ingestWebhook } from "@/lib/webhooks/ingest.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { mode: { type: "string", default: "app" } },
});
const config = loadConfig();
configureLog({ level: config.logLevel });
const kv = await openKv(config.kvPath);
if (!config.stripe.webhookSecret || !config.sessionSecret) {
  throw new Error("STRIPE_WEBHOOK_SECRET and SESSION_SECRET are required");
}
const deps: AppDeps = {
  config,
  kv,
  // Webhooks never call the provider's API; only its verifier runs.
  provider: createStripeProvider({
    secretKey: "sk_test_unused",
    webhookSecret: config.stripe.webhookSecret,
  }),
  secret: config.sessionSecret,
  now: () => new Date(),
  health: { workerLastTickAt: () => Date.now() },
};

let handler: (req: Request) => Response | Promise<Response>;
if (values.mode === "app") {
  handler = createApp(deps, { islands: await buildIslands() }).fetch;
} else if (values.mode === "ingest") {
  handler = async (req) => {
    const result = await ingestWebhook(deps, await req.text(), req.headers);
    return Response.json({
      received: true,
      eventId: result.eventId,
      outcome: result.alreadyProcessed ? "already_processed" : result.outcome.kind,
    });
  };
} else {
  throw new Error(`--mode must be app or ingest, got ${values.mode}`);
}

const server = Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: ({ port }) => console.log(`listening ${port}`),
}, handler);

Deno.addSignalListener("SIGTERM", async () => {
  await server.shutdown();
  kv.close();
  Deno.exit(0);
});
