/**
 * Bundles the boot script and every island with Deno's bundler (needs --unstable-bundle).
 * Code splitting puts Preact and signals in shared chunks, so the boot script and all
 * islands use one copy. Entry files are renamed `<island>-<sha256>.js`; esbuild already
 * names chunks by content hash. Everything is served from `/_fresh/js/` with immutable caching.
 */
import { basename, dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { islandName, listModules, toPath } from "./manifest.ts";
import type { Manifest } from "./types.ts";

export const ASSET_PREFIX = "/_fresh/js/";

export interface IslandAssets {
  /** File name → contents, served at `/_fresh/js/<file name>`. */
  files: Map<string, Uint8Array>;
  /** Island name (path in `islands/` without extension) → module URL. */
  islands: Record<string, string>;
  /** URL of the boot script. */
  boot: string;
}

export interface BuildOptions {
  /** Minify the output (default true). */
  minify?: boolean;
}

/** Island name → absolute file path, from the manifest's keys or an `islands/` folder. */
function islandFiles(source: Manifest | string | URL): Map<string, string> {
  if (typeof source === "string" || source instanceof URL) {
    const dir = toPath(source);
    return new Map(listModules(dir).map((p) => [islandName(p), join(dir, p)]));
  }
  const path = (key: string) => fileURLToPath(new URL(key, source.baseUrl));
  return new Map(Object.keys(source.islands).map((k) => [islandName(k), path(k)]));
}

function commonDir(paths: string[]): string {
  return paths.map(dirname).reduce((a, b) => {
    while (a !== b && !b.startsWith(a + sep)) a = dirname(a);
    return a;
  });
}

async function hashName(name: string, bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const hex = Array.from(digest.slice(0, 6), (b) => b.toString(16).padStart(2, "0")).join("");
  return `${name.replace(/[^\w-]/g, "_")}-${hex}.js`;
}

/** Bundles the islands of a manifest or a folder (default: the project's `islands/`). */
export async function buildIslands(
  source: Manifest | string | URL = new URL("../../islands/", import.meta.url),
  opts: BuildOptions = {},
): Promise<IslandAssets> {
  const entries = islandFiles(source);
  const bootFile = fileURLToPath(new URL("./boot.ts", import.meta.url));
  const inputs = [bootFile, ...entries.values()];
  const base = commonDir(inputs);
  // Nothing is written (write: false); the bundler lays outputs out as if under outDir.
  const outDir = join(base, "_fresh_bundle");
  const outputOf = (p: string) => join(outDir, relative(base, p)).replace(/\.[jt]sx?$/, ".js");
  const islandOutputs = new Map([...entries].map(([name, p]) => [outputOf(p), name]));
  const result = await Deno.bundle({
    entrypoints: inputs,
    outputDir: outDir,
    platform: "browser",
    format: "esm",
    minify: opts.minify ?? true,
    codeSplitting: true,
    write: false,
  });
  if (!result.success || !result.outputFiles) {
    throw new Error(`Bundling islands failed:\n${result.errors.map((e) => e.text).join("\n")}`);
  }
  const outputs = new Map(result.outputFiles.map((f) => [f.path, f.text()]));
  const assets: IslandAssets = { files: new Map(), islands: {}, boot: "" };
  for (const [path, text] of outputs) {
    // Chunks sit at the top of outDir under content-hashed names; entries in subfolders
    // import them as "../chunk-…", which must become "./chunk-…" once all files are flat.
    const flat = text.replace(/(["'])(\.\.?\/[^"']+\.js)\1/g, (spec, quote, rel) => {
      const target = join(dirname(path), rel);
      return outputs.has(target) ? `${quote}./${basename(target)}${quote}` : spec;
    });
    const bytes = new TextEncoder().encode(flat);
    const name = path === outputOf(bootFile) ? "boot" : islandOutputs.get(path);
    const file = name === undefined ? basename(path) : await hashName(name, bytes);
    assets.files.set(file, bytes);
    if (path === outputOf(bootFile)) assets.boot = ASSET_PREFIX + file;
    else if (name !== undefined) assets.islands[name] = ASSET_PREFIX + file;
  }
  return assets;
}

/** Writes the assets to `<dir>/js/` plus `<dir>/assets.json`, replacing an earlier build. */
export async function writeAssets(assets: IslandAssets, dir = "_fresh"): Promise<void> {
  await Deno.remove(join(dir, "js"), { recursive: true }).catch(() => {});
  await Deno.mkdir(join(dir, "js"), { recursive: true });
  for (const [name, bytes] of assets.files) await Deno.writeFile(join(dir, "js", name), bytes);
  const index = { boot: assets.boot, islands: assets.islands, files: [...assets.files.keys()] };
  await Deno.writeTextFile(join(dir, "assets.json"), JSON.stringify(index, null, 2) + "\n");
}

/** Reads what writeAssets wrote; null when there is no build. */
export async function loadAssets(dir = "_fresh"): Promise<IslandAssets | null> {
  let index: { boot: string; islands: Record<string, string>; files: string[] };
  try {
    index = JSON.parse(await Deno.readTextFile(join(dir, "assets.json")));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  const files = new Map<string, Uint8Array>();
  for (const name of index.files) files.set(name, await Deno.readFile(join(dir, "js", name)));
  return { files, islands: index.islands, boot: index.boot };
}
