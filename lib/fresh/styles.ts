/**
 * The app's one stylesheet, made ahead of time: twind runs over the source text of the
 * folders that hold markup (routes/, components/, islands/), so every class written there,
 * in any branch and in islands' client-only renders, gets its CSS once. Pages then link the
 * file (`/_fresh/styles.<hash>.css`, immutable) and do no twind work per request.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { stringify, twind, type TwindConfig, virtual } from "@twind/core";
import { toPath, walk } from "./manifest.ts";

/** Twind's config type is invariant in its theme; `any` takes every preset's theme. */
// deno-lint-ignore no-explicit-any
export type AnyTwindConfig = TwindConfig<any>;

export const STYLES_PREFIX = "/_fresh/";
const INDEX_FILE = "styles.json";
const SOURCE = /\.[jt]sx?$/;
const IGNORED = /(^|\/)\.|[._]test\.[jt]sx?$/;
/** Island markers wrap hydrated components without adding a box of their own. */
const FRAMEWORK_CSS = "fresh-island{display:contents}";

export interface Stylesheet {
  /** File name, `styles.<hash>.css`. */
  file: string;
  /** Where pages link it: STYLES_PREFIX + file. */
  href: string;
  css: Uint8Array;
}

/** How a class starts: a letter, `!`, `-`, a variant (`@…`, `[&…]`, `*`) or an arbitrary value. */
const CLASS_START = /^[!-]?[a-z@[*]/;
/** What a class may hold outside `[…]`; anything else there (`<`, `{`, `(`, `A`) is code or prose. */
const CLASS_REST = /^[a-z0-9!\-:/.@*]*$/;

function couldBeClass(word: string): boolean {
  return CLASS_START.test(word) && CLASS_REST.test(word.replace(/\[[^\]\s]*\]/g, ""));
}

/**
 * Words of a source text that could be class names. Class lists are string literals, so
 * quotes, backticks and whitespace bound them; `data-[tone=ok]:…` keeps its brackets. Words
 * that are no class (identifiers, prose) make no CSS; the filter only spares twind the
 * obvious ones, which are most of a source file.
 */
export function classCandidates(source: string): Set<string> {
  const words = new Set<string>();
  for (const raw of source.split(/[\s"'`]+/)) {
    // JSX and code glue punctuation to a word: `{"…"}`, `${…}`, `(flex`, `hidden,`.
    for (const word of [raw, raw.replace(/^[${}(),;]+|[{}(),;]+$/g, "")]) {
      if (couldBeClass(word)) words.add(word);
    }
  }
  return words;
}

/** The folders of a project (`root`, a directory URL) whose files hold class names. */
export function markupDirs(root: string | URL): URL[] {
  return ["routes/", "components/", "islands/"].map((dir) => new URL(dir, root));
}

/** The source files (absolute paths) of `dirs`, tests and dot-files left out. */
export function sourceFiles(dirs: (string | URL)[]): string[] {
  return dirs.flatMap((dir) => {
    const root = toPath(dir);
    return walk(root).filter((p) => SOURCE.test(p) && !IGNORED.test(p)).map((p) => join(root, p));
  });
}

/** The CSS of every class twind recognises in `sources` (texts), preflight included. */
export function stylesFor(config: AnyTwindConfig, sources: string[]): string {
  const tw = twind(config, virtual());
  const words = new Set<string>();
  for (const text of sources) for (const word of classCandidates(text)) words.add(word);
  for (const word of words) {
    try {
      tw(word);
    } catch {
      // Code that merely looks like a class (unbalanced groups, stray syntax): no CSS.
    }
  }
  return stringify(tw.target) + FRAMEWORK_CSS;
}

/**
 * Builds the stylesheet from the source files under `dirs`. Synchronous (node:crypto's
 * hash), so an app mounted without a prebuilt sheet can make one as it is mounted.
 */
export function buildStylesheet(config: AnyTwindConfig, dirs: (string | URL)[]): Stylesheet {
  const sources = sourceFiles(dirs).map((path) => Deno.readTextFileSync(path));
  const css = new TextEncoder().encode(stylesFor(config, sources));
  const file = `styles.${createHash("sha256").update(css).digest("hex").slice(0, 16)}.css`;
  return { file, href: STYLES_PREFIX + file, css };
}

/** Writes `<dir>/styles.<hash>.css` and `<dir>/styles.json`, removing older stylesheets. */
export async function writeStylesheet(sheet: Stylesheet, dir = "_fresh"): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for (const entry of Deno.readDirSync(dir)) {
    if (/^styles\.[0-9a-f]+\.css$/.test(entry.name) && entry.name !== sheet.file) {
      await Deno.remove(join(dir, entry.name));
    }
  }
  await Deno.writeFile(join(dir, sheet.file), sheet.css);
  await Deno.writeTextFile(join(dir, INDEX_FILE), JSON.stringify({ file: sheet.file }) + "\n");
}

/** Reads what writeStylesheet wrote; null when there is no build. */
export async function loadStylesheet(dir = "_fresh"): Promise<Stylesheet | null> {
  let index: { file: string };
  try {
    index = JSON.parse(await Deno.readTextFile(join(dir, INDEX_FILE)));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  const css = await Deno.readFile(join(dir, index.file));
  return { file: index.file, href: STYLES_PREFIX + index.file, css };
}
