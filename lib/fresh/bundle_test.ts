import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { buildIslands, loadAssets, writeAssets } from "./bundle.ts";
import { fixtureAssets, manifest } from "./testdata/app.ts";

const assets = await fixtureAssets();
const text = (name: string) => new TextDecoder().decode(assets.files.get(name));
const fileOf = (url: string) => url.replace("/_fresh/js/", "");

Deno.test("boot, islands and chunks are each named by the hash of their final bytes", async () => {
  assert.match(assets.boot, /^\/_fresh\/js\/boot-[0-9a-f]{12}\.js$/);
  assert.deepEqual(Object.keys(assets.islands).sort(), ["Counter", "Echo"]);
  assert.match(assets.islands.Counter, /^\/_fresh\/js\/Counter-[0-9a-f]{12}\.js$/);
  const chunks = [...assets.files.keys()].filter((f) => f.startsWith("chunk-"));
  for (const chunk of chunks) assert.match(chunk, /^chunk-[0-9a-f]{12}\.js$/);
  assert.equal(assets.files.size, chunks.length + 3);
  for (const [name, bytes] of assets.files) {
    const digest = new Uint8Array(
      await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>),
    );
    const hex = Array.from(digest.slice(0, 6), (b) => b.toString(16).padStart(2, "0")).join("");
    assert.ok(name.endsWith(`-${hex}.js`), `${name} is not named by its bytes`);
  }
});

Deno.test("every import points at a file of the bundle, in the same folder", () => {
  for (const [name, bytes] of assets.files) {
    const source = new TextDecoder().decode(bytes);
    for (const [, spec] of source.matchAll(/(?:from|import)\s*\(?["']([^"']+)["']/g)) {
      assert.match(spec, /^\.\/[^/]+$/, `${name} imports ${spec}`);
      assert.ok(assets.files.has(spec.slice(2)), `${name} imports missing ${spec}`);
    }
  }
});

Deno.test("preact and signals exist once, in the boot script the islands import", () => {
  const holders = (marker: string) =>
    [...assets.files.keys()].filter((f) => text(f).includes(marker));
  const boot = fileOf(assets.boot);
  assert.deepEqual(holders('Symbol.for("preact-signals")'), [boot]);
  // dangerouslySetInnerHTML handling lives in preact's diff
  assert.deepEqual(holders("__html"), [boot]);
  // Counter calls computed(), so it must import it from the very file that boots the page.
  assert.ok(text(fileOf(assets.islands.Counter)).includes(`"./${boot}"`));
});

Deno.test("the same sources give the same names; a folder gives what the manifest gives", async () => {
  const again = await buildIslands(new URL("./testdata/islands", import.meta.url));
  assert.deepEqual(again.islands, assets.islands);
  assert.equal(again.boot, assets.boot);
  assert.deepEqual([...again.files.keys()].sort(), [...assets.files.keys()].sort());
  assert.ok((await buildIslands(manifest, { minify: false })).files.size > 0);
});

Deno.test("written assets load back, and the bundled modules import and run", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(await loadAssets(dir), null);
    await writeAssets(assets, dir);
    const loaded = await loadAssets(dir);
    assert.deepEqual(loaded, assets);
    const load = (url: string) => import(pathToFileURL(join(dir, "js", fileOf(url))).href);
    const counter = await load(assets.islands.Counter);
    assert.equal(typeof counter.default, "function");
    const boot = await load(assets.boot);
    const state = boot.revive(
      '{"urls":{},"signals":[5],"islands":[["A",{"s":{"__fresh_signal":0}}]]}',
    );
    assert.equal(state.islands[0][1].s.value, 5);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
