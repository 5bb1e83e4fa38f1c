/**
 * Development entry, like Fresh's dev.ts:
 *   deno run -A dev.ts            regenerate fresh.gen.ts, bundle islands, start the app
 *   deno run -A dev.ts build      write fresh.gen.ts and the island bundles to _fresh/
 *   deno run -A dev.ts manifest   write fresh.gen.ts only
 */
import { fileURLToPath } from "node:url";
import { buildIslands, writeAssets } from "./lib/fresh/bundle.ts";
import { writeManifest } from "./lib/fresh/manifest.ts";

const root = new URL("./", import.meta.url);
const command = Deno.args[0] ?? "start";
if (!["start", "build", "manifest"].includes(command)) {
  console.error(`Unknown command "${command}". Use: dev.ts [start|build|manifest]`);
  Deno.exit(2);
}

if (await writeManifest(root)) console.log("fresh.gen.ts updated");
if (command === "build") {
  const assets = await buildIslands(new URL("./islands", root));
  await writeAssets(assets, fileURLToPath(new URL("./_fresh", root)));
  const names = Object.keys(assets.islands).join(", ") || "none";
  console.log(`_fresh/: ${assets.files.size} files; islands: ${names}`);
} else if (command === "start") {
  const islands = await buildIslands(new URL("./islands", root));
  // Imported only now, so main.ts loads the manifest written above.
  const { start } = await import("./main.ts");
  await start({ islands });
}
