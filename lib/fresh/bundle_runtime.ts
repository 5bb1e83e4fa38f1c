/**
 * The runtime: the boot script bundled together with exactly what the islands import from
 * the framework (Preact, its hooks, its JSX runtime, signals) and with the chunks of island
 * code that most islands load. Islands are first bundled with the framework left as bare
 * imports; this module picks the chunks to fold in, writes the runtime's entry from what the
 * islands import, and points those imports at the runtime's file.
 */
import { basename, dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * Packages bundled once into the runtime; islands import them from it. Settle's islands use
 * signals-core and the adapter's hook for it; `@preact/signals` is listed so that an island
 * using it shares the one core.
 */
export const SHARED_PACKAGES = [
  "preact",
  "preact/hooks",
  "preact/jsx-runtime",
  "@preact/signals-core",
  "$fresh/use_signal_value.ts",
  "@preact/signals",
];

/** A chunk this small costs a page more as a file (gzip frame, import line) than as code. */
const TINY_CHUNK_BYTES = 200;

/** Quoted relative `.js` specifiers: how bundle files name each other. */
export const RELATIVE_JS = /(["'])(\.\.?\/[^"']+\.js)\1/g;

/** A namespace import (`import * as x`) asks for the whole module under this name. */
const NAMESPACE = "*";

/**
 * `import{a as b,c}from"p"`, `import*as n from"p"`, `import d from"p"`, their mixes, and
 * `import"p"` (evaluation order only).
 */
const IMPORT =
  /\bimport\s*(?:(?:([\w$]+)\s*,?\s*)?(?:\{([^}]*)\}|\*\s*as\s+([\w$]+))?\s*from\s*)?(["'])([^"']+)\4;?/g;

/**
 * What the runtime serves: source (a package, or `./<chunk>` beside the runtime's entry) →
 * name imported from it → the name the runtime exports it under.
 */
export type RuntimeExports = Map<string, Map<string, string>>;

interface Clause {
  match: string;
  source: string;
  /** [imported name, local name]; the imported name is NAMESPACE for `* as local`. */
  bindings: [string, string][];
}

function parseClauses(text: string, sources: Set<string>): Clause[] {
  const found = [];
  for (const [match, defaultLocal, named, namespace, , source] of text.matchAll(IMPORT)) {
    if (!sources.has(source)) continue;
    const bindings: [string, string][] = [];
    if (defaultLocal) bindings.push(["default", defaultLocal]);
    if (namespace) bindings.push([NAMESPACE, namespace]);
    for (const part of named?.split(",") ?? []) {
      const [imported, local = imported] = part.trim().split(/\s+as\s+/);
      if (imported) bindings.push([imported, local]);
    }
    found.push({ match, source, bindings });
  }
  return found;
}

/** Output files a bundle file imports (paths), among `texts`. */
function importsOf(path: string, texts: Map<string, string>): string[] {
  return [...texts.get(path)!.matchAll(RELATIVE_JS)]
    .map(([, , rel]) => join(dirname(path), rel))
    .filter((target) => texts.has(target));
}

/**
 * Chunks to fold into the runtime: those at least half of the islands load, and tiny ones,
 * keeping only chunks whose own imports are folded too (a chunk's module must exist once).
 */
export function chunksToFold(texts: Map<string, string>, islands: string[]): Set<string> {
  const loads = new Map<string, number>();
  for (const island of islands) {
    const seen = new Set<string>();
    const queue = importsOf(island, texts);
    for (let path = queue.pop(); path !== undefined; path = queue.pop()) {
      if (seen.has(path)) continue;
      seen.add(path);
      loads.set(path, (loads.get(path) ?? 0) + 1);
      queue.push(...importsOf(path, texts));
    }
  }
  const fold = new Set(
    [...loads].filter(([path, n]) =>
      n * 2 >= islands.length || texts.get(path)!.length < TINY_CHUNK_BYTES
    ).map(([path]) => path),
  );
  for (let changed = true; changed;) {
    changed = false;
    for (const path of fold) {
      if (importsOf(path, texts).every((dep) => fold.has(dep))) continue;
      fold.delete(path);
      changed = true;
    }
  }
  return fold;
}

/** A folded chunk as the runtime's entry imports it (the entry's folder holds a copy). */
export const foldedSource = (path: string) => `./${basename(path)}`;

/**
 * Points a file's imports of folded chunks at their source name, so that they read like
 * imports of packages.
 */
export function nameFoldedImports(path: string, text: string, fold: Set<string>): string {
  return text.replace(RELATIVE_JS, (spec, quote, rel) => {
    const target = join(dirname(path), rel);
    return fold.has(target) ? `${quote}${foldedSource(target)}${quote}` : spec;
  });
}

/**
 * What the islands' files import from the runtime's sources (every source has an entry),
 * each under a name unique across sources (`Fragment` comes from preact and its JSX runtime).
 */
export function runtimeExports(texts: Iterable<string>, sources: Set<string>): RuntimeExports {
  const wanted = new Map([...sources].map((source) => [source, new Set<string>()]));
  for (const text of texts) {
    for (const { source, bindings } of parseClauses(text, sources)) {
      for (const [imported] of bindings) wanted.get(source)!.add(imported);
    }
  }
  const sourcesOf = new Map<string, number>();
  for (const names of wanted.values()) {
    for (const name of names) sourcesOf.set(name, (sourcesOf.get(name) ?? 0) + 1);
  }
  const exports: RuntimeExports = new Map();
  [...wanted].forEach(([source, names], i) => {
    const alias = (name: string) =>
      name === NAMESPACE || name === "default" || sourcesOf.get(name)! > 1
        ? `${name === NAMESPACE ? "ns" : name}$${i}`
        : name;
    exports.set(source, new Map([...names].map((name) => [name, alias(name)])));
  });
  return exports;
}

/**
 * Source of the runtime's entry: the boot script's exports, the islands' imports, and every
 * folded chunk (also for its side effects).
 */
export function runtimeEntry(
  bootFile: string,
  exports: RuntimeExports,
  folded: string[],
): string {
  const lines = [`export * from ${JSON.stringify(pathToFileURL(bootFile).href)};`];
  for (const source of folded) lines.push(`import ${JSON.stringify(source)};`);
  for (const [source, names] of exports) {
    const from = JSON.stringify(source);
    for (const [name, alias] of names) {
      lines.push(
        name === NAMESPACE
          ? `export * as ${alias} from ${from};`
          : `export { ${name} as ${alias} } from ${from};`,
      );
    }
  }
  return lines.join("\n") + "\n";
}

/**
 * Rewrites a file's imports of the runtime's sources into one import of `runtimeSpec`,
 * where the first of them was.
 */
export function importFromRuntime(
  text: string,
  exports: RuntimeExports,
  runtimeSpec: string,
): string {
  const sources = new Set(exports.keys());
  const clauses = parseClauses(text, sources);
  const list = clauses.flatMap(({ source, bindings }) =>
    bindings.map(([name, local]) => {
      const alias = exports.get(source)!.get(name)!;
      return alias === local ? local : `${alias} as ${local}`;
    })
  );
  const merged = list.length
    ? `import{${list.join(",")}}from${JSON.stringify(runtimeSpec)};`
    : `import${JSON.stringify(runtimeSpec)};`;
  let out = text;
  clauses.forEach(({ match }, i) => out = out.replace(match, i === 0 ? merged : ""));
  for (const source of sources) {
    const left = new RegExp(`(?:\\bfrom|\\bimport)\\s*\\(?\\s*["']${escape(source)}["']`);
    if (left.test(out)) throw new Error(`Unsupported import of ${source} in an island bundle`);
  }
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
