/** Production entry: `deno task start` serves Settle on its embedded defaults. */
import { loadConfigOrExit, startupWarnings } from "./lib/config.ts";
import type { IslandAssets } from "./lib/fresh/bundle.ts";
import { log } from "./lib/log.ts";
import { startRuntime } from "./lib/runtime.ts";

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

if (import.meta.main) await start();
