/**
 * `deno task reconcile [--older-than=MINUTES]`: one reconciliation run against the configured
 * store (KV_PATH) and provider, e.g. after an outage or from an external scheduler. It takes
 * the same KV lease as the cron, so it never overlaps a run of a live Settle.
 */
import { loadConfigOrExit } from "../lib/config.ts";
import { openKv } from "../lib/db/kv.ts";
import { configureLog } from "../lib/log.ts";
import { createStripeProvider } from "../lib/payments/stripe.ts";
import { reconcile } from "../lib/reconcile/run.ts";

function olderThan(args: string[], fallback: number): number {
  const arg = args.find((a) => a.startsWith("--older-than="));
  if (!arg) return fallback;
  const minutes = Number(arg.slice("--older-than=".length));
  if (!Number.isInteger(minutes) || minutes < 0) {
    console.error("--older-than takes a whole number of minutes");
    Deno.exit(2);
  }
  return minutes;
}

const config = loadConfigOrExit();
if (config.useEmulator && config.emulatorPort === 0) {
  console.error(
    "No STRIPE_SECRET_KEY: the Stripe emulator lives inside the running dev server. Start it " +
      "with a fixed EMULATOR_PORT and set the same EMULATOR_PORT here.",
  );
  Deno.exit(1);
}
configureLog({ level: config.logLevel });
const minutes = olderThan(Deno.args, config.reconcile.afterMinutes);
const provider = createStripeProvider({
  secretKey: config.stripe.secretKey ?? "sk_test_emulator",
  // Reconciliation reads sessions and never verifies a webhook.
  webhookSecret: config.stripe.webhookSecret ?? "whsec_unused",
  api: config.useEmulator
    ? { host: "127.0.0.1", port: config.emulatorPort, protocol: "http" }
    : undefined,
});
const kv = await openKv(config.kvPath);
try {
  const result = await reconcile(
    { kv, provider, config, now: () => new Date() },
    { olderThanMinutes: minutes },
  );
  if (!result.ran) {
    console.log(`Another run (${result.heldBy}) holds the reconcile lease until ${result.until}.`);
  } else {
    const s = result.summary;
    console.log(
      `Checked ${s.checked} orders: ${s.paid} paid, ${s.expired} expired, ${s.lapsed} ` +
        `lapsed, ${s.unverified} unverified payments held, ${s.errors} errors${
          s.truncated ? " (stopped early: run again)" : ""
        }.`,
    );
    for (const f of s.failures) console.log(`  ${f.orderId}: ${f.error}`);
  }
} finally {
  kv.close();
}
