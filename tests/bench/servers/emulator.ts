/**
 * The Stripe emulator on its own: one process that both sides of the checkout bench call
 * through the SDK (Settle via STRIPE_API_BASE, the baseline via `host`/`port`). No webhook
 * endpoint is set, so creating sessions sends nothing anywhere.
 * `deno run -A tests/bench/servers/emulator.ts` prints `listening <port>`.
 */
import { startEmulator } from "@/lib/payments/emulator/server.ts";

const emulator = await startEmulator({ env: "test", port: 0 });
console.log(`listening ${emulator.port}`);

Deno.addSignalListener("SIGTERM", async () => {
  await emulator.close();
  Deno.exit(0);
});
