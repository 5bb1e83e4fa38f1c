/**
 * Starts Settle on its embedded defaults. main.ts runs this from the sources, or from the
 * bundle `deno task build` makes of it (`_fresh/server.js`, see lib/fresh/server_bundle.ts).
 */
import { loadConfigOrExit, startupWarnings } from "./config.ts";
import type { IslandAssets } from "./fresh/bundle.ts";
import { log } from "./log.ts";
import { startRuntime } from "./runtime.ts";

export async function start(options: { islands?: IslandAssets } = {}): Promise<void> {
  const config = loadConfigOrExit();
  for (const warning of startupWarnings(config)) log("warn", `WARNING: ${warning}`);
  const runtime = await startRuntime(config, options);
  const everywhere = config.host === "0.0.0.0" || config.host === "::";
  console.log(
    `Settle (${config.env}) listening on ${runtime.url}` +
      (everywhere ? " (every interface)" : ""),
  );
  if (runtime.emulator) {
    console.log(`Stripe emulator on ${runtime.emulator.url} (no STRIPE_SECRET_KEY set)`);
  }
  const stop = async () => {
    await runtime.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}

// `deno run -A _fresh/server.js` (the bundle of this file) starts the server too.
if (import.meta.main) await start();
