import assert from "node:assert/strict";
import { createProduct, getStock, listProducts, randomProduct } from "../db/products.ts";
import { DEMO_PRODUCTS, seedDemoCatalog } from "./demo.ts";

Deno.test("the demo catalog shows every shelf state", () => {
  assert.ok(DEMO_PRODUCTS.length >= 8 && DEMO_PRODUCTS.length <= 12);
  assert.ok(DEMO_PRODUCTS.every(({ product }) => product.currency === "nzd"));
  assert.ok(DEMO_PRODUCTS.some(({ product, stock }) => product.unique && stock === 1));
  assert.ok(DEMO_PRODUCTS.some(({ product, stock }) => product.active && stock === 0));
  assert.ok(DEMO_PRODUCTS.some(({ product }) => !product.active));
});

Deno.test("every demo image exists under static/", async () => {
  for (const { product } of DEMO_PRODUCTS) {
    const file = new URL(`../../static${product.image}`, import.meta.url);
    assert.ok((await Deno.stat(file)).isFile, product.image);
  }
});

Deno.test("seedDemoCatalog fills an empty store once", async () => {
  await using kv = await Deno.openKv(":memory:");
  const first = await seedDemoCatalog(kv);
  assert.equal(first.created.length, DEMO_PRODUCTS.length);
  const all = await listProducts(kv, { includeInactive: true });
  assert.equal(all.length, DEMO_PRODUCTS.length);
  const unique = DEMO_PRODUCTS.find(({ product }) => product.unique)!.product;
  assert.equal((await getStock(kv, [unique.id])).get(unique.id), 1);
  assert.deepEqual(await seedDemoCatalog(kv), { created: [] });
});

Deno.test("seedDemoCatalog completes a half-seeded store", async () => {
  await using kv = await Deno.openKv(":memory:");
  const [{ product, stock }] = DEMO_PRODUCTS;
  await createProduct(kv, product, stock);
  const { created } = await seedDemoCatalog(kv);
  assert.equal(created.length, DEMO_PRODUCTS.length - 1);
  assert.ok(!created.includes(product.id));
});

Deno.test("seedDemoCatalog leaves a store with its own products alone", async () => {
  await using kv = await Deno.openKv(":memory:");
  await createProduct(kv, randomProduct());
  assert.deepEqual(await seedDemoCatalog(kv), { created: [], skipped: "store_has_products" });
  assert.equal((await listProducts(kv)).length, 1);
});
