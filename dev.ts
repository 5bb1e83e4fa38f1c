/**
 * Development entry, like Fresh's dev.ts:
 *   deno run -A dev.ts            regenerate fresh.gen.ts, bundle islands, start the app
 *                                 (its stylesheet is built from the sources as it mounts)
 *   deno run -A dev.ts build      write fresh.gen.ts, the island bundles, the stylesheet
 *                                 and the server bundle (_fresh/server.js) to _fresh/
 *   deno run -A dev.ts manifest   write fresh.gen.ts only
 */
import { fileURLToPath } from "node:url";
import { buildIslands, writeAssets } from "./lib/fresh/bundle.ts";
import { writeManifest } from "./lib/fresh/manifest.ts";
import { buildServerBundle, SERVER_FILE } from "./lib/fresh/server_bundle.ts";
import { buildStylesheet, markupDirs, writeStylesheet } from "./lib/fresh/styles.ts";
import freshConfig from "./fresh.config.ts";

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
  const styles = buildStylesheet(freshConfig.twind, markupDirs(root));
  await writeStylesheet(styles, fileURLToPath(new URL("./_fresh", root)));
  const names = Object.keys(assets.islands).join(", ") || "none";
  console.log(`_fresh/: ${assets.files.size} files; islands: ${names}; ${styles.file}`);
  // Last: the bundle is current only when it is newer than everything written above.
  const server = await buildServerBundle(root, fileURLToPath(new URL("./_fresh", root)));
  console.log(`_fresh/${SERVER_FILE}: ${server.files.length} files, ${server.bytes} bytes`);
} else if (command === "start") {
  const islands = await buildIslands(new URL("./islands", root));
  // Imported only now, so the app loads the manifest written above; always the sources.
  const { start } = await import("./lib/start.ts");
  await start({ islands });
}
