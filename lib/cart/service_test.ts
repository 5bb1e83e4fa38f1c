import assert from "node:assert/strict";
import { getCart, newCartId, updateCart } from "../db/carts.ts";
import { keys } from "../db/keys.ts";
import { createProduct, type Product, randomProduct } from "../db/products.ts";
import { setStockLevel } from "../stock/stock.ts";
import { AppError, BusinessRuleError, NotFoundError, ValidationError } from "../http/errors.ts";
import {
  addItem,
  getCartCount,
  getCartView,
  MAX_CART_LINES,
  removeItem,
  removeOrderedItems,
  setQuantity,
} from "./service.ts";

async function store(stock: Record<string, [Partial<Product>, number]> = {}) {
  const kv = await Deno.openKv(":memory:");
  const products: Record<string, Product> = {};
  for (const [name, [overrides, units]] of Object.entries(stock)) {
    products[name] = await createProduct(kv, randomProduct(overrides), units);
  }
  return { kv, products, cartId: newCartId(), [Symbol.dispose]: () => kv.close() };
}

/** Every entry with its versionstamp: equal snapshots mean nothing was written. */
async function snapshot(kv: Deno.Kv) {
  const all: unknown[] = [];
  for await (const e of kv.list({ prefix: [] })) all.push([e.key, e.value, e.versionstamp]);
  return all;
}

async function rejectsWith(promise: Promise<unknown>, status: number, code: string) {
  const err = await promise.then(() => null, (e) => e);
  assert.ok(err instanceof AppError, `expected an AppError, got ${err}`);
  assert.equal(err.status, status);
  assert.equal(err.code, code);
  return err;
}

Deno.test("addItem adds a line, merges repeats and prices from the catalog", async () => {
  using shop = await store({
    mug: [{ unitAmount: 2500 }, 10],
    tea: [{ unitAmount: 990 }, 10],
  });
  const { kv, products: { mug, tea }, cartId } = shop;
  await addItem(kv, cartId, { productId: mug.id, quantity: 2 });
  await addItem(kv, cartId, { productId: tea.id, quantity: 1 });
  const view = await addItem(kv, cartId, { productId: mug.id, quantity: 3 });
  assert.deepEqual(view.items.map((l) => [l.productId, l.quantity, l.lineTotal]), [
    [mug.id, 5, 12500],
    [tea.id, 1, 990],
  ]);
  assert.equal(view.subtotal, 13490);
  assert.equal(view.total, 13490);
  assert.equal(view.count, 6);
  assert.equal(view.currency, "nzd");
  assert.equal(view.items[0].available, 10);
  assert.deepEqual(await getCartView(kv, cartId), view);
  assert.equal(await getCartCount(kv, cartId), 6);
});

Deno.test("setQuantity and removeItem change one line; removing an absent line is a no-op", async () => {
  using shop = await store({
    mug: [{ unitAmount: 2500 }, 10],
    tea: [{ unitAmount: 990 }, 10],
  });
  const { kv, products: { mug, tea }, cartId } = shop;
  await addItem(kv, cartId, { productId: mug.id, quantity: 2 });
  await addItem(kv, cartId, { productId: tea.id, quantity: 1 });
  assert.equal((await setQuantity(kv, cartId, mug.id, 7)).subtotal, 7 * 2500 + 990);
  const afterRemove = await removeItem(kv, cartId, mug.id);
  assert.deepEqual(afterRemove.items.map((l) => l.productId), [tea.id]);
  const again = await removeItem(kv, cartId, mug.id);
  assert.deepEqual(again, afterRemove);
  await rejectsWith(setQuantity(kv, cartId, mug.id, 1), 404, "not_found");
  const emptied = await removeItem(kv, cartId, tea.id);
  assert.deepEqual([emptied.items, emptied.subtotal, emptied.count], [[], 0, 0]);
});

Deno.test("quantities must be whole numbers from 1 to 99", async () => {
  using shop = await store({ mug: [{}, 500] });
  const { kv, products: { mug }, cartId } = shop;
  for (const quantity of [0, 100, 1.5, -1]) {
    await assert.rejects(addItem(kv, cartId, { productId: mug.id, quantity }), ValidationError);
  }
  await addItem(kv, cartId, { productId: mug.id, quantity: 99 });
  await assert.rejects(setQuantity(kv, cartId, mug.id, 100), ValidationError);
  // 99 + 1 is a valid request whose result breaks the limit: a business rule.
  await rejectsWith(addItem(kv, cartId, { productId: mug.id, quantity: 1 }), 422, "quantity_limit");
  assert.equal(await getCartCount(kv, cartId), 99);
});

Deno.test("unknown, inactive and out-of-stock products are 422s naming the product", async () => {
  using shop = await store({
    gone: [{ active: false, title: "Old Kettle" }, 5],
    few: [{ title: "Blue Bowl" }, 2],
    none: [{ title: "Red Cup" }, 0],
  });
  const { kv, products: { gone, few, none }, cartId } = shop;
  const unknown = await rejectsWith(
    addItem(kv, cartId, { productId: "prod_nope", quantity: 1 }),
    422,
    "unknown_product",
  );
  assert.match(unknown.message, /prod_nope/);
  assert.deepEqual(unknown.details, { productId: "prod_nope" });

  const inactive = await rejectsWith(
    addItem(kv, cartId, { productId: gone.id, quantity: 1 }),
    422,
    "product_inactive",
  );
  assert.match(inactive.message, /Old Kettle/);
  assert.deepEqual(inactive.details, { productId: gone.id, title: "Old Kettle" });

  const soldOut = await rejectsWith(
    addItem(kv, cartId, { productId: none.id, quantity: 1 }),
    422,
    "out_of_stock",
  );
  assert.match(soldOut.message, /Red Cup is sold out/);

  await addItem(kv, cartId, { productId: few.id, quantity: 2 });
  const short = await rejectsWith(
    addItem(kv, cartId, { productId: few.id, quantity: 1 }),
    422,
    "out_of_stock",
  );
  assert.match(short.message, /Only 2 of Blue Bowl/);
  assert.deepEqual(short.details, {
    productId: few.id,
    title: "Blue Bowl",
    available: 2,
    requested: 3,
  });
  await rejectsWith(setQuantity(kv, cartId, few.id, 3), 422, "out_of_stock");
});

Deno.test("a failed request changes nothing in the store", async () => {
  using shop = await store({ ok: [{}, 5], few: [{}, 1] });
  const { kv, products: { ok, few }, cartId } = shop;
  await addItem(kv, cartId, { productId: ok.id, quantity: 2 });
  const before = await snapshot(kv);
  await assert.rejects(addItem(kv, cartId, { productId: few.id, quantity: 2 }), BusinessRuleError);
  await assert.rejects(
    addItem(kv, cartId, { productId: "prod_x", quantity: 1 }),
    BusinessRuleError,
  );
  await assert.rejects(setQuantity(kv, cartId, ok.id, 6), BusinessRuleError);
  await assert.rejects(setQuantity(kv, cartId, few.id, 1), NotFoundError);
  await assert.rejects(addItem(kv, cartId, { productId: ok.id, quantity: 0 }), ValidationError);
  await assert.rejects(addItem(kv, newCartId(), { productId: few.id, quantity: 2 }));
  assert.deepEqual(await snapshot(kv), before);
});

Deno.test("a unique product is limited to one per cart", async () => {
  using shop = await store({ vase: [{ unique: true }, 3] });
  const { kv, products: { vase }, cartId } = shop;
  await addItem(kv, cartId, { productId: vase.id, quantity: 1 });
  await rejectsWith(addItem(kv, cartId, { productId: vase.id, quantity: 1 }), 422, "unique_item");
});

Deno.test("lowering a quantity is allowed even when stock fell below it", async () => {
  using shop = await store({ mug: [{}, 5] });
  const { kv, products: { mug }, cartId } = shop;
  await addItem(kv, cartId, { productId: mug.id, quantity: 5 });
  await setStockLevel(kv, mug.id, 2, { reason: "stock-take", actor: "test" });
  assert.equal((await setQuantity(kv, cartId, mug.id, 4)).items[0].quantity, 4);
  await rejectsWith(setQuantity(kv, cartId, mug.id, 5), 422, "out_of_stock");
});

Deno.test("a cart holds at most 50 lines and one currency", async () => {
  using shop = await store();
  const { kv, cartId } = shop;
  const ids: string[] = [];
  for (let i = 0; i <= MAX_CART_LINES; i++) {
    ids.push((await createProduct(kv, randomProduct(), 5)).id);
  }
  await updateCart(kv, cartId, () =>
    ids.slice(0, MAX_CART_LINES).map((productId) => ({
      productId,
      quantity: 1,
    })));
  await rejectsWith(addItem(kv, cartId, { productId: ids[50], quantity: 1 }), 422, "cart_full");
  // Adding to an existing line is still fine in a full cart.
  assert.equal((await addItem(kv, cartId, { productId: ids[0], quantity: 1 })).count, 51);

  const usd = await createProduct(kv, randomProduct({ currency: "usd" }), 5);
  const other = newCartId();
  await addItem(kv, other, { productId: ids[0], quantity: 1 });
  await rejectsWith(addItem(kv, other, { productId: usd.id, quantity: 1 }), 422, "mixed_currency");
});

Deno.test("totals follow the catalog, and inactive lines are shown but not charged", async () => {
  using shop = await store({
    mug: [{ unitAmount: 2500 }, 10],
    tea: [{ unitAmount: 990 }, 10],
  });
  const { kv, products: { mug, tea }, cartId } = shop;
  await addItem(kv, cartId, { productId: mug.id, quantity: 2 });
  await addItem(kv, cartId, { productId: tea.id, quantity: 1 });
  // The stored cart has no prices at all: nothing a client sends can change a total.
  assert.deepEqual(Object.keys((await getCart(kv, cartId))!.items[0]).sort(), [
    "productId",
    "quantity",
  ]);
  await kv.set(keys.product(mug.id), { ...mug, unitAmount: 3000 });
  await kv.set(keys.product(tea.id), { ...tea, active: false });
  const view = await getCartView(kv, cartId);
  assert.equal(view.items[0].unitAmount, 3000);
  assert.equal(view.items[1].active, false);
  assert.equal(view.items[1].lineTotal, 0);
  assert.equal(view.subtotal, 6000);
  assert.equal(view.count, 3);
});

Deno.test("removeOrderedItems takes out what was paid and keeps what came later", async () => {
  using shop = await store({
    mug: [{}, 10],
    tea: [{}, 10],
    bowl: [{}, 10],
  });
  const { kv, products: { mug, tea, bowl }, cartId } = shop;
  await addItem(kv, cartId, { productId: mug.id, quantity: 2 });
  await addItem(kv, cartId, { productId: tea.id, quantity: 1 });
  const ordered = [{ productId: mug.id, quantity: 2 }, { productId: tea.id, quantity: 1 }];
  // After checkout started, the shopper added another mug and a bowl.
  await addItem(kv, cartId, { productId: mug.id, quantity: 1 });
  await addItem(kv, cartId, { productId: bowl.id, quantity: 1 });
  await removeOrderedItems(kv, cartId, ordered);
  assert.deepEqual((await getCart(kv, cartId))?.items, [
    { productId: mug.id, quantity: 1 },
    { productId: bowl.id, quantity: 1 },
  ]);
  await removeOrderedItems(kv, cartId, [{ productId: mug.id, quantity: 1 }, {
    productId: bowl.id,
    quantity: 1,
  }]);
  assert.equal(await getCart(kv, cartId), null);
  // A cart that is already gone (or never existed) is fine.
  await removeOrderedItems(kv, cartId, ordered);
  await removeOrderedItems(kv, newCartId(), ordered);
});

Deno.test("getCartView of no cart is an empty cart in the fallback currency", async () => {
  await using kv = await Deno.openKv(":memory:");
  assert.deepEqual(await getCartView(kv, null, "aud"), {
    id: null,
    items: [],
    subtotal: 0,
    total: 0,
    currency: "aud",
    count: 0,
  });
  assert.equal(await getCartCount(kv, null), 0);
});
