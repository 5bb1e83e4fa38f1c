/**
 * Production entry: `deno task start` serves Settle on its embedded defaults. After
 * `deno task build` it runs the server bundle (`_fresh/server.js`: one file to load, not
 * hundreds of modules); without one, or when a source changed since the build, the sources.
 */
import { serverBundleState } from "./lib/fresh/server_bundle_freshness.ts";
import type { start } from "./lib/start.ts";

/**
 * Not a string literal: Deno prepares a literal dynamic import's whole module graph at start,
 * which would load every source module the bundle is there to spare.
 */
const SOURCES = new URL("./lib/start.ts", import.meta.url);

if (import.meta.main) {
  const bundle = serverBundleState(new URL("./", import.meta.url));
  if (bundle?.newer) {
    console.warn(
      `WARNING: ${bundle.newer} changed after \`deno task build\`: running the sources, not ` +
        "_fresh/server.js (build again for the faster start).",
    );
  }
  const entry = bundle && !bundle.newer ? bundle.url : SOURCES;
  const server: { start: typeof start } = await import(entry.href);
  await server.start();
}
