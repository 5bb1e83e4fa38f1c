/** `deno task catalog` end to end: a real process on a temporary KV file. */
import assert from "node:assert/strict";
import { listProducts } from "../lib/db/products.ts";

const script = new URL("./catalog.ts", import.meta.url).pathname;
const sample = new URL("../catalog/sample.csv", import.meta.url).pathname;

async function run(kvPath: string, ...args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    env: { KV_PATH: kvPath, SETTLE_ENV: "test", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code, out: text.decode(stdout), err: text.decode(stderr) };
}

async function productsIn(kvPath: string) {
  const kv = await Deno.openKv(kvPath);
  try {
    return await listProducts(kv, { includeInactive: true });
  } catch {
    return [];
  } finally {
    kv.close();
  }
}

Deno.test("deno task catalog: dry-run, import, a bad file, re-import, export and back", async () => {
  const dir = await Deno.makeTempDir({ prefix: "settle-catalog-" });
  const kvPath = `${dir}/settle.kv`;
  try {
    const dry = await run(kvPath, "import", sample, "--dry-run");
    assert.equal(dry.code, 0, dry.err);
    assert.match(dry.out, /4 new, 0 changed, 0 unchanged, 0 missing from the file/);
    assert.match(
      dry.out,
      /\+ gift-voucher-50 +new +"Gift Voucher \$50" · 50\.00 NZD · stock not tracked/,
    );
    assert.match(dry.out, /Dry run: nothing was written/);
    assert.equal((await productsIn(kvPath)).length, 0);

    const first = await run(kvPath, "import", sample);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /4 created, 0 updated, 0 unchanged, 0 deactivated/);
    assert.equal((await productsIn(kvPath)).length, 4);

    const bad = `${dir}/bad.csv`;
    const good = (await Deno.readTextFile(sample)).replace("64.00", "99.00");
    await Deno.writeTextFile(bad, good.replace("85.00", "18.9.0"));
    const refused = await run(kvPath, "import", bad);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /nothing was changed/);
    assert.match(refused.err, /line 4 \(row 3\), price: "18\.9\.0" is not a price in NZD/);
    const after = await productsIn(kvPath);
    assert.equal(after.find((p) => p.slug === "house-blend-1kg")?.unitAmount, 6400);

    const again = await run(kvPath, "import", sample);
    assert.match(again.out, /0 new, 0 changed, 4 unchanged/);

    const json = await run(kvPath, "export", "--format", "json");
    assert.equal(json.code, 0, json.err);
    const exported = JSON.parse(json.out);
    assert.deepEqual(
      exported.map((p: { slug: string }) => p.slug),
      ["gift-voucher-50", "house-blend-1kg", "moka-pot-3-cup", "raku-bowl"],
    );

    const out = `${dir}/export.csv`;
    const toFile = await run(kvPath, "export", "--out", out);
    assert.equal(toFile.code, 0, toFile.err);
    const back = await run(kvPath, "import", out, "--deactivate-missing");
    assert.equal(back.code, 0, back.err);
    assert.match(back.out, /0 new, 0 changed, 4 unchanged, 0 missing/);

    const usage = await run(kvPath, "import");
    assert.equal(usage.code, 2);
    assert.match(usage.err, /Usage:/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
