import assert from "node:assert/strict";
import { keys } from "../db/keys.ts";
import {
  createProduct,
  DuplicateProductError,
  getProduct,
  getProductBySlug,
  getStock,
  randomProduct,
} from "../db/products.ts";
import { listLedger } from "../stock/ledger.ts";
import {
  type ProductInputFields,
  ProductInputSchema,
  setProductActive,
  upsertProduct,
} from "./upsert.ts";

const mug = (overrides: Partial<ProductInputFields> = {}): ProductInputFields => ({
  slug: "studio-mug",
  title: "Studio Mug",
  description: "Thrown by hand.",
  unitAmount: 6500,
  currency: "NZD",
  image: "/images/studio-mug.svg",
  active: true,
  unique: false,
  trackStock: true,
  stock: 4,
  ...overrides,
});

async function snapshot(kv: Deno.Kv): Promise<string> {
  const rows: unknown[] = [];
  for await (const e of kv.list({ prefix: [] })) rows.push([e.key, e.value, e.versionstamp]);
  return JSON.stringify(rows);
}

const issuesOf = (value: unknown) =>
  (ProductInputSchema.safeParse(value).error?.issues ?? []).map((i) => i.path.join("."));

Deno.test("ProductInputSchema accepts a product and normalises currency and text", () => {
  const v = ProductInputSchema.parse(
    mug({ currency: " JPY ", title: "  Mug ", description: undefined }),
  );
  assert.equal(v.currency, "jpy");
  assert.equal(v.title, "Mug");
  assert.equal(v.description, "");
  assert.ok(ProductInputSchema.safeParse(mug({ image: "/images/other/m.png" })).success);
  // Another host's image would be blocked by the CSP: refused at the door instead.
  assert.ok(!ProductInputSchema.safeParse(mug({ image: "https://cdn.example.com/m.png" })).success);
  assert.ok(ProductInputSchema.safeParse(mug({ trackStock: false, stock: undefined })).success);
});

Deno.test("ProductInputSchema names every bad field at once", () => {
  assert.deepEqual(issuesOf({ ...mug(), title: undefined }), ["title"]);
  assert.deepEqual(issuesOf(mug({ slug: "Studio Mug" })), ["slug"]);
  assert.deepEqual(issuesOf(mug({ slug: "a".repeat(81) })), ["slug"]);
  assert.deepEqual(issuesOf(mug({ unitAmount: 18.9 })), ["unitAmount"]);
  assert.deepEqual(issuesOf(mug({ unitAmount: -1 })), ["unitAmount"]);
  assert.deepEqual(issuesOf(mug({ unitAmount: 100_000_000 })), ["unitAmount"]);
  assert.deepEqual(issuesOf(mug({ currency: "dollars" })), ["currency"]);
  assert.deepEqual(issuesOf(mug({ currency: "xyz" })), ["currency"]);
  assert.deepEqual(issuesOf(mug({ stock: -1 })), ["stock"]);
  assert.deepEqual(issuesOf(mug({ trackStock: false })), ["stock"]);
  assert.deepEqual(issuesOf({ ...mug(), active: "yes" }), ["active"]);
  assert.deepEqual(issuesOf({ ...mug(), colour: "red" }), [""], "unknown fields are refused");
  for (
    const image of [
      "/images/../../etc/passwd",
      "/images/..",
      "//evil.example/x.png",
      "images/x.svg",
      "javascript:alert(1)",
      "/images/x.svg?x=<b>",
      "/images\\x.svg",
      "ftp://example.com/x.png",
    ]
  ) {
    assert.deepEqual(issuesOf(mug({ image })), ["image"], image);
  }
  assert.deepEqual(
    issuesOf({ ...mug({ unitAmount: -5, trackStock: false }), slug: 5 }),
    ["slug", "unitAmount", "stock"],
  );
});

Deno.test("upsertProduct creates a product, its slug index and its stock through the ledger", async () => {
  await using kv = await Deno.openKv(":memory:");
  const at = new Date("2026-05-01T09:00:00.000Z");
  const res = await upsertProduct(kv, mug(), "import", { reason: "import", at });
  assert.equal(res.created, true);
  assert.deepEqual(res.changed, []);
  assert.match(res.product.id, /^prod_[0-9a-z]{26}$/);
  assert.equal(res.product.currency, "nzd");
  assert.deepEqual(await getProductBySlug(kv, "studio-mug"), res.product);
  assert.equal((await getStock(kv, [res.product.id])).get(res.product.id), 4);
  const { entries } = await listLedger(kv, res.product.id);
  assert.deepEqual(
    entries.map((e) => [e.kind, e.delta, e.after, e.reason, e.actor, e.at]),
    [["adjusted", 4, 4, "import", "import", at.toISOString()]],
  );
});

Deno.test("upsertProduct is idempotent: the same input again writes nothing", async () => {
  await using kv = await Deno.openKv(":memory:");
  await upsertProduct(kv, mug(), "import");
  const before = await snapshot(kv);
  const again = await upsertProduct(kv, mug(), "import");
  assert.equal(again.created, false);
  assert.deepEqual(again.changed, []);
  assert.equal(await snapshot(kv), before);
});

Deno.test("upsertProduct updates by slug, names the changed fields and keeps the id", async () => {
  await using kv = await Deno.openKv(":memory:");
  const first = await upsertProduct(kv, mug(), "import");
  const res = await upsertProduct(
    kv,
    mug({ unitAmount: 7000, title: "Studio Mug, blue", stock: 2 }),
    "admin:alice",
  );
  assert.equal(res.created, false);
  assert.equal(res.product.id, first.product.id);
  assert.deepEqual(res.changed, ["title", "unitAmount", "stock"]);
  assert.equal((await getProduct(kv, first.product.id))?.unitAmount, 7000);
  const { entries } = await listLedger(kv, first.product.id);
  assert.deepEqual(entries.map((e) => [e.delta, e.after, e.actor]), [
    [-2, 2, "admin:alice"],
    [4, 4, "import"],
  ]);
});

Deno.test("leaving stock out keeps the level; an untracked product gets no stock key", async () => {
  await using kv = await Deno.openKv(":memory:");
  const { product } = await upsertProduct(kv, mug(), "import");
  const res = await upsertProduct(kv, mug({ stock: undefined }), "import");
  assert.deepEqual(res.changed, []);
  assert.equal((await getStock(kv, [product.id])).get(product.id), 4);

  const towel = await upsertProduct(
    kv,
    mug({ slug: "tea-towel", trackStock: false, stock: undefined }),
    "import",
  );
  assert.equal(towel.product.trackStock, false);
  assert.equal((await kv.get(keys.stock(towel.product.id))).versionstamp, null);
  assert.deepEqual((await listLedger(kv, towel.product.id)).entries, []);
});

Deno.test("a product stored before trackStock existed counts as tracked", async () => {
  await using kv = await Deno.openKv(":memory:");
  const legacy = randomProduct({ slug: "studio-mug", currency: "nzd" });
  const { trackStock: _, ...stored } = legacy;
  await kv.atomic().set(keys.product(legacy.id), stored).set(
    keys.productBySlug(legacy.slug),
    legacy.id,
  ).commit();
  const res = await upsertProduct(kv, { ...mug(), ...stored, id: undefined } as never, "import")
    .catch((e) => e);
  assert.ok(res instanceof Error, "id is not an input field");
  const { id: _id, ...fields } = legacy;
  const same = await upsertProduct(kv, { ...fields, trackStock: true }, "import");
  assert.deepEqual(same.changed, []);
});

Deno.test("by id, the slug may change: the index moves with it; a taken slug is refused", async () => {
  await using kv = await Deno.openKv(":memory:");
  const { product } = await upsertProduct(kv, mug(), "admin:alice");
  const other = await createProduct(kv, randomProduct({ slug: "tea-towel" }));
  const moved = await upsertProduct(kv, mug({ slug: "blue-mug" }), "admin:alice", {
    id: product.id,
  });
  assert.deepEqual(moved.changed, ["slug"]);
  assert.equal((await getProductBySlug(kv, "blue-mug"))?.id, product.id);
  assert.equal(await getProductBySlug(kv, "studio-mug"), null);
  await assert.rejects(
    upsertProduct(kv, mug({ slug: "tea-towel" }), "admin:alice", { id: product.id }),
    DuplicateProductError,
  );
  assert.equal((await getProductBySlug(kv, "tea-towel"))?.id, other.id);
  const made = await upsertProduct(kv, mug({ slug: "new-one" }), "admin:alice", {
    id: "prod_chosen",
  });
  assert.deepEqual([made.created, made.product.id], [true, "prod_chosen"]);
});

Deno.test("concurrent upserts of one new slug make one product", async () => {
  await using kv = await Deno.openKv(":memory:");
  const results = await Promise.all(
    Array.from({ length: 5 }, () => upsertProduct(kv, mug({ stock: 3 }), "import")),
  );
  assert.equal(results.filter((r) => r.created).length, 1);
  assert.equal(new Set(results.map((r) => r.product.id)).size, 1);
  const ids: string[] = [];
  for await (const e of kv.list({ prefix: keys.products() })) ids.push(String(e.key[1]));
  assert.equal(ids.length, 1);
  const { entries } = await listLedger(kv, ids[0]);
  assert.deepEqual(entries.map((e) => e.after), [3]);
});

Deno.test("a price change touches the product only, never saved orders", async () => {
  await using kv = await Deno.openKv(":memory:");
  const { product } = await upsertProduct(kv, mug(), "import");
  const order = { id: "o1", items: [{ productId: product.id, unitAmount: 6500, quantity: 1 }] };
  await kv.set(keys.order("o1"), order);
  await upsertProduct(kv, mug({ unitAmount: 9900 }), "import");
  assert.deepEqual((await kv.get(keys.order("o1"))).value, order);
  assert.equal((await getProduct(kv, product.id))?.unitAmount, 9900);
});

Deno.test("setProductActive flips the flag alone and reports whether it changed", async () => {
  await using kv = await Deno.openKv(":memory:");
  const { product } = await upsertProduct(kv, mug(), "import");
  assert.equal(await setProductActive(kv, product.id, false), true);
  assert.equal(await setProductActive(kv, product.id, false), false);
  assert.equal(await setProductActive(kv, "prod_nope", false), false);
  assert.deepEqual(await getProduct(kv, product.id), { ...product, active: false });
});
