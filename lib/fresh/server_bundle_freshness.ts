/**
 * Whether `_fresh/server.js` (lib/fresh/server_bundle.ts) still matches the sources. main.ts
 * asks before every start, so this file imports nothing: node:path alone would cost more to
 * load than the whole walk.
 */

/** The server bundle's entry, inside the build folder. */
export const SERVER_FILE = "server.js";
/** What the server is built from; a newer file here makes the bundle stale. */
const SOURCE_DIRS = ["lib", "routes", "components", "islands"];
const SOURCE_FILES = ["main.ts", "fresh.config.ts", "fresh.gen.ts", "deno.json", "deno.lock"];

/** The server bundle of a project and the first source changed after it was built. */
export interface ServerBundleState {
  url: URL;
  /** A source changed after the build (an edit or a pull), relative to the root; or null. */
  newer: string | null;
}

/** The state of `<root>/<outDir>/server.js`; null when there is no build. */
export function serverBundleState(root: URL, outDir = "_fresh"): ServerBundleState | null {
  const url = new URL(`${outDir}/${SERVER_FILE}`, root);
  const builtAt = modifiedAt(url);
  if (builtAt === null) return null;
  const isNewer = (path: string) => (modifiedAt(new URL(path, root)) ?? 0) > builtAt;
  const newerIn = (dir: string): string | null => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(new URL(dir, root))];
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return null;
      throw err;
    }
    for (const entry of entries) {
      const path = `${dir}/${entry.name}`;
      const found = entry.isDirectory ? newerIn(path) : isNewer(path) ? path : null;
      if (found) return found;
    }
    return null;
  };
  let newer = SOURCE_FILES.find(isNewer) ?? null;
  for (const dir of SOURCE_DIRS) newer ??= newerIn(dir);
  return { url, newer };
}

function modifiedAt(url: URL): number | null {
  try {
    return Deno.statSync(url).mtime?.getTime() ?? 0;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}
