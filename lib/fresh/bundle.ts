/**
 * Bundles the islands and the boot script with Deno's bundler (needs --unstable-bundle), in
 * two passes so that every page loads what all pages share as one file, the runtime:
 * 1. the islands, code-split among themselves, with Preact, its hooks, its JSX runtime and
 *    signals left as bare imports;
 * 2. the boot script with exactly the framework exports those islands import, and the island
 *    chunks most islands load (bundle_runtime.ts); the islands' imports of either then point
 *    at the runtime's file.
 * Boot and islands thus share one copy of Preact and signals, and one gzip stream carries
 * it: served as separate chunks, the same code cost each shopper page about 1 KB more gzip.
 * Every file is named by the hash of its final text (`boot-…`, `<island>-…`, `chunk-…`), so
 * a file whose imports moved gets a new name. Everything is served from `/_fresh/js/` with
 * immutable caching.
 */
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import {
  chunksToFold,
  foldedSource,
  importFromRuntime,
  nameFoldedImports,
  RELATIVE_JS,
  runtimeEntry,
  type RuntimeExports,
  runtimeExports,
  SHARED_PACKAGES,
} from "./bundle_runtime.ts";
import { islandName, listModules, toPath } from "./manifest.ts";
import type { Manifest } from "./types.ts";

export const ASSET_PREFIX = "/_fresh/js/";

const BOOT = new URL("./boot.ts", import.meta.url);

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

/** Runs Deno's bundler without writing; output path → text. */
async function bundle(
  entrypoints: string[],
  outputDir: string,
  minify: boolean,
  external: string[] = [],
): Promise<Map<string, string>> {
  const result = await Deno.bundle({
    entrypoints,
    outputDir,
    platform: "browser",
    format: "esm",
    minify,
    codeSplitting: true,
    write: false,
    external,
  });
  if (!result.success || !result.outputFiles) {
    throw new Error(`Bundling islands failed:\n${result.errors.map((e) => e.text).join("\n")}`);
  }
  return new Map(result.outputFiles.map((f) => [f.path, f.text()]));
}

/**
 * The boot script with the framework exports the islands import and the folded chunks
 * (path → text), as one file's text.
 */
async function bundleRuntime(
  exports: RuntimeExports,
  folded: Map<string, string>,
  minify: boolean,
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "settle_runtime_" });
  try {
    for (const [path, text] of folded) {
      await Deno.writeTextFile(join(dir, foldedSource(path)), text);
    }
    const entry = join(dir, "runtime.js");
    const sources = [...folded.keys()].map(foldedSource);
    await Deno.writeTextFile(entry, runtimeEntry(fileURLToPath(BOOT), exports, sources));
    const [text] = (await bundle([entry], join(dir, "out"), minify)).values();
    return text;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Names every file by the hash of its final text, dependencies first, so a file whose
 * imports changed gets a new name too. Bundle files sit in subfolders of one output folder;
 * served flat, "../chunk-…" becomes "./<final name>".
 */
async function nameByContent(
  texts: Map<string, string>,
  labelOf: (path: string) => string,
): Promise<Map<string, { file: string; bytes: Uint8Array }>> {
  const named = new Map<string, { file: string; bytes: Uint8Array }>();
  const visiting = new Set<string>();
  const visit = async (path: string): Promise<string> => {
    const done = named.get(path);
    if (done) return done.file;
    if (visiting.has(path)) throw new Error(`Bundle files import each other in a cycle: ${path}`);
    visiting.add(path);
    const text = texts.get(path)!;
    const finals = new Map<string, string>();
    for (const [, , rel] of text.matchAll(RELATIVE_JS)) {
      const target = join(dirname(path), rel);
      if (texts.has(target) && !finals.has(rel)) finals.set(rel, await visit(target));
    }
    const flat = text.replace(RELATIVE_JS, (spec, quote, rel) => {
      const file = finals.get(rel);
      return file === undefined ? spec : `${quote}./${file}${quote}`;
    });
    const bytes = new TextEncoder().encode(flat);
    const file = await hashName(labelOf(path), bytes);
    named.set(path, { file, bytes });
    return file;
  };
  for (const path of texts.keys()) await visit(path);
  return named;
}

/**
 * Bundles the islands of a manifest or a folder (default: the project's `islands/`), and
 * the boot script as the runtime they share.
 */
export async function buildIslands(
  source: Manifest | string | URL = new URL("../../islands/", import.meta.url),
  opts: BuildOptions = {},
): Promise<IslandAssets> {
  const minify = opts.minify ?? true;
  const entries = islandFiles(source);
  const base = entries.size ? commonDir([...entries.values()]) : dirname(fileURLToPath(BOOT));
  // Nothing is written (write: false); the bundler lays outputs out as if under outDir.
  const outDir = join(base, "_fresh_bundle");
  const outputOf = (p: string) => join(outDir, relative(base, p)).replace(/\.[jt]sx?$/, ".js");
  const islandOutputs = new Map([...entries].map(([name, p]) => [outputOf(p), name]));
  const islands = entries.size
    ? await bundle([...entries.values()], outDir, minify, [...SHARED_PACKAGES])
    : new Map<string, string>();
  const fold = chunksToFold(islands, [...islandOutputs.keys()]);
  const kept = new Map(
    [...islands].filter(([path]) => !fold.has(path))
      .map(([path, text]) => [path, nameFoldedImports(path, text, fold)]),
  );
  const sources = new Set([...SHARED_PACKAGES, ...[...fold].map(foldedSource)]);
  const exports = runtimeExports(kept.values(), sources);
  const folded = new Map([...fold].map((path) => [path, islands.get(path)!]));
  const runtime = await bundleRuntime(exports, folded, minify);
  const runtimeBytes = new TextEncoder().encode(runtime);
  const boot = await hashName("boot", runtimeBytes);
  const texts = new Map(
    [...kept].map(([path, text]) => [path, importFromRuntime(text, exports, `./${boot}`)]),
  );
  const named = await nameByContent(texts, (path) => islandOutputs.get(path) ?? "chunk");
  const assets: IslandAssets = {
    files: new Map([[boot, runtimeBytes]]),
    islands: {},
    boot: ASSET_PREFIX + boot,
  };
  for (const [path, { file, bytes }] of named) {
    assets.files.set(file, bytes);
    const name = islandOutputs.get(path);
    if (name !== undefined) assets.islands[name] = ASSET_PREFIX + file;
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
