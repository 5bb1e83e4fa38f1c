import assert from "node:assert/strict";
import { keys } from "./keys.ts";
import {
  createProduct,
  DuplicateProductError,
  getProduct,
  getProductBySlug,
  getProducts,
  getStock,
  listProducts,
  randomProduct,
} from "./products.ts";
import { listLedger } from "../stock/ledger.ts";

Deno.test("createProduct stores the product, its slug index and its stock", async () => {
  await using kv = await Deno.openKv(":memory:");
  const product = randomProduct();
  await createProduct(kv, product, 7);
  assert.deepEqual(await getProduct(kv, product.id), product);
  assert.deepEqual(await getProductBySlug(kv, product.slug), product);
  assert.equal((await kv.get(keys.stock(product.id))).value, 7);
  assert.equal(await getProductBySlug(kv, "no-such-slug"), null);
});

Deno.test("createProduct refuses a taken id or slug and writes nothing", async () => {
  await using kv = await Deno.openKv(":memory:");
  const first = randomProduct();
  await createProduct(kv, first, 3);
  await assert.rejects(
    createProduct(kv, randomProduct({ slug: first.slug }), 9),
    DuplicateProductError,
  );
  const sameId = randomProduct({ id: first.id });
  await assert.rejects(createProduct(kv, sameId, 9), DuplicateProductError);
  assert.equal(await getProductBySlug(kv, sameId.slug), null);
  assert.equal((await getStock(kv, [first.id])).get(first.id), 3);
});

Deno.test("createProduct rejects an invalid product", async () => {
  await using kv = await Deno.openKv(":memory:");
  await assert.rejects(createProduct(kv, randomProduct({ unitAmount: 12.5 })));
  await assert.rejects(createProduct(kv, randomProduct({ slug: "Not A Slug" })));
  await assert.rejects(createProduct(kv, randomProduct(), -1), RangeError);
  assert.deepEqual(await listProducts(kv, { includeInactive: true }), []);
});

Deno.test("listProducts leaves inactive products out unless asked", async () => {
  await using kv = await Deno.openKv(":memory:");
  const active = await createProduct(kv, randomProduct());
  const inactive = await createProduct(kv, randomProduct({ active: false }));
  assert.deepEqual((await listProducts(kv)).map((p) => p.id), [active.id]);
  const all = (await listProducts(kv, { includeInactive: true })).map((p) => p.id);
  assert.deepEqual(all.sort(), [active.id, inactive.id].sort());
});

Deno.test("getProducts and getStock read more than ten ids in batches", async () => {
  await using kv = await Deno.openKv(":memory:");
  const products = Array.from({ length: 23 }, () => randomProduct());
  for (const [i, p] of products.entries()) await createProduct(kv, p, i);
  const ids = [...products.map((p) => p.id), "prod_missing"];
  const found = await getProducts(kv, ids);
  assert.equal(found.size, 23);
  assert.equal(found.get(products[22].id)?.title, products[22].title);
  const stock = await getStock(kv, ids);
  assert.equal(stock.get(products[22].id), 22);
  assert.equal(stock.get("prod_missing"), 0);
});

Deno.test("createProduct writes the first level's ledger entry; an untracked product has no stock key", async () => {
  await using kv = await Deno.openKv(":memory:");
  const tracked = await createProduct(kv, randomProduct(), 4);
  const { entries } = await listLedger(kv, tracked.id);
  assert.deepEqual(
    entries.map((e) => [e.kind, e.delta, e.after, e.reason]),
    [["adjusted", 4, 4, "initial stock"]],
  );
  const empty = await createProduct(kv, randomProduct(), 0);
  assert.deepEqual((await listLedger(kv, empty.id)).entries, []);
  const untracked = await createProduct(kv, randomProduct({ trackStock: false }), 9);
  assert.equal(untracked.trackStock, false);
  assert.equal((await kv.get(keys.stock(untracked.id))).versionstamp, null);
  assert.deepEqual((await listLedger(kv, untracked.id)).entries, []);
});

Deno.test("a product written without trackStock is tracked", async () => {
  await using kv = await Deno.openKv(":memory:");
  const { trackStock: _, ...legacy } = randomProduct();
  const created = await createProduct(kv, legacy, 1);
  assert.equal(created.trackStock, true);
});
