/**
 * The server as one bundle, like Fresh 2's `_fresh/server.js`: `deno task build` bundles the
 * whole module graph of lib/start.ts (our files and the npm packages) with Deno's bundler,
 * so a production start loads one file instead of hundreds of modules. Dynamic imports (the
 * Stripe SDK, the emulators) stay lazy as split chunks beside it.
 *
 * The bundle and its chunks sit in `_fresh/`, one folder below the project root as lib/ is:
 * modules of lib/ that find project files from their own `import.meta.url` (`../static`,
 * `../shop/shipping.json`, `../_fresh`) resolve to the same files from there.
 */
import { basename, join } from "node:path";
import { toPath } from "./manifest.ts";
import { SERVER_FILE } from "./server_bundle_freshness.ts";

export { SERVER_FILE };

const INDEX_FILE = "server.json";

export interface ServerBundle {
  /** File names written to the build folder, the entry (SERVER_FILE) first. */
  files: string[];
  bytes: number;
}

/**
 * Bundles `<root>/lib/start.ts` into `<outDir>/server.js` plus its chunks, replacing the
 * files of an earlier server build (listed in `<outDir>/server.json`).
 */
export async function buildServerBundle(
  root: string | URL,
  outDir: string,
  { minify = true }: { minify?: boolean } = {},
): Promise<ServerBundle> {
  const rootPath = toPath(root);
  const result = await Deno.bundle({
    entrypoints: [join(rootPath, "lib/start.ts")],
    outputDir: outDir,
    platform: "deno",
    format: "esm",
    codeSplitting: true,
    minify,
    write: false,
  });
  if (!result.success || !result.outputFiles) {
    const messages = result.errors.map((e) => e.text).join("\n");
    throw new Error(`bundling the server failed:\n${messages}`);
  }
  const outputs = result.outputFiles.filter((f) => f.path.endsWith(".js"));
  const entry = outputs.find((f) => basename(f.path) === "start.js");
  if (!entry) throw new Error("bundling the server gave no start.js");
  await removeServerBundle(outDir);
  await Deno.mkdir(outDir, { recursive: true });
  const files: string[] = [];
  let bytes = 0;
  for (const file of [entry, ...outputs.filter((f) => f !== entry)]) {
    // Chunks import each other by name, never the entry, so only the entry is renamed.
    const name = file === entry ? SERVER_FILE : basename(file.path);
    await Deno.writeFile(join(outDir, name), file.contents!);
    files.push(name);
    bytes += file.contents!.byteLength;
  }
  await Deno.writeTextFile(join(outDir, INDEX_FILE), JSON.stringify({ files }, null, 2) + "\n");
  return { files, bytes };
}

/** Removes the files an earlier buildServerBundle wrote to `outDir`. */
export async function removeServerBundle(outDir: string): Promise<void> {
  let files: string[];
  try {
    files = JSON.parse(await Deno.readTextFile(join(outDir, INDEX_FILE))).files;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    throw err;
  }
  for (const name of [...files, INDEX_FILE]) {
    await Deno.remove(join(outDir, basename(name))).catch(() => {});
  }
}
