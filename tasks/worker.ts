/**
 * `deno task worker`: the outbox worker as a process of its own, for a deployment that sets
 * WORKER=separate on its web processes. It runs the same handlers on the same store
 * (KV_PATH); `kv.watch` does not see other processes' writes, so it picks tasks up by
 * polling every WORKER_POLL_MS (default 250 ms), and it writes a heartbeat that the web
 * processes' /readyz reads. SIGINT/SIGTERM let the tasks in hand finish first.
 */
import { loadConfigOrExit } from "../lib/config.ts";
import { openKv } from "../lib/db/kv.ts";
import { devSecret, randomSecret } from "../lib/dev_secrets.ts";
import { createOrderWorker } from "../lib/facts/order_worker.ts";
import { configureLog, log } from "../lib/log.ts";
import { createStripeProvider } from "../lib/payments/stripe.ts";
import { beatFor } from "../lib/tasks/heartbeat.ts";

const config = loadConfigOrExit();
if (config.useEmulator && config.emulatorPort === 0) {
  console.error(
    "No STRIPE_SECRET_KEY: receipts ask the Stripe emulator inside the web process. Start it " +
      "with a fixed EMULATOR_PORT and set the same EMULATOR_PORT here.",
  );
  Deno.exit(1);
}
configureLog({ level: config.logLevel });
const pollMs = config.workerPollMs;
const kv = await openKv(config.kvPath);
// The same secret as the web process: receipts link to order pages it must accept.
const secret = config.sessionSecret ?? await devSecret(kv, "session", () => randomSecret());
const provider = createStripeProvider({
  secretKey: config.stripe.secretKey ?? "sk_test_emulator",
  // The worker reads sessions and never verifies a webhook.
  webhookSecret: config.stripe.webhookSecret ?? "whsec_unused",
  api: config.useEmulator
    ? { host: "127.0.0.1", port: config.emulatorPort, protocol: "http" }
    : config.stripe.apiBase,
});
const worker = createOrderWorker({ config, kv, provider, secret, pollMs });
worker.start();
const stopBeat = beatFor(kv, worker);
console.log(`Settle worker (${config.env}) polling ${config.kvPath} every ${pollMs} ms`);

const stop = async () => {
  stopBeat();
  await worker.stop();
  kv.close();
  log("info", "worker stopped");
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", stop);
Deno.addSignalListener("SIGTERM", stop);
