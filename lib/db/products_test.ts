import assert from "node:assert/strict";
import { keys } from "./keys.ts";
import {
  createProduct,
  DuplicateProductError,
  getProduct,
  getProductBySlug,
  getProducts,
  getStock,
  getStockEntries,
  listProducts,
  randomProduct,
  setStock,
} from "./products.ts";

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

Deno.test("setStock replaces the count and getStockEntries exposes versionstamps", async () => {
  await using kv = await Deno.openKv(":memory:");
  const product = await createProduct(kv, randomProduct(), 2);
  const before = (await getStockEntries(kv, [product.id])).get(product.id)!;
  await setStock(kv, product.id, 5);
  const after = (await getStockEntries(kv, [product.id])).get(product.id)!;
  assert.equal(after.value, 5);
  assert.notEqual(after.versionstamp, before.versionstamp);
  await assert.rejects(setStock(kv, product.id, 1.5), RangeError);
});
