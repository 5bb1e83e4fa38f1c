/**
 * One stranger cannot sell out the shop: what a client holds unpaid is capped, by its cart
 * or, without one, by its address.
 */
import assert from "node:assert/strict";
import { ADDRESS_FACTOR } from "@/lib/checkout/holds.ts";
import { getStock } from "@/lib/db/products.ts";
import { createTestApp, eventually } from "../support/app.ts";
import { checkout, orderOf, stockedProducts } from "../support/shop.ts";

async function testApp(units = "5", orders = "2") {
  const app = await createTestApp({
    env: { HOLD_LIMIT_UNITS_PER_CLIENT: units, HOLD_LIMIT_ORDERS_PER_CLIENT: orders },
  });
  return Object.assign(app, { [Symbol.asyncDispose]: () => app.close() });
}

Deno.test("a cookieless client can hold at most HOLD_LIMIT_ORDERS_PER_CLIENT unpaid orders; paying one frees a place", async () => {
  await using app = await testApp("0", "2");
  const [a] = await stockedProducts(app, 5);
  const body = { items: [{ productId: a.id, quantity: 1 }] };
  const first = await (await checkout(app, body)).json();
  assert.equal((await checkout(app, body)).status, 200);
  const refused = await checkout(app, body);
  assert.equal(refused.status, 422);
  const { error } = await refused.json();
  assert.equal(error.code, "hold_limit_orders");
  assert.match(error.message, /already have 2 unpaid orders/);
  assert.equal(
    (await getStock(app.kv, [a.id])).get(a.id),
    a.stock - 2,
    "the refusal holds nothing",
  );
  app.emulator!.pay(first.id, "4242424242424242");
  await eventually(async () => (await orderOf(app, first.orderId)).status === "paid");
  assert.equal((await checkout(app, body)).status, 200, "a paid order holds no place");
});

Deno.test("units over HOLD_LIMIT_UNITS_PER_CLIENT are refused with a clear message; 0 turns the caps off", async () => {
  await using app = await testApp("5", "0");
  const [a, b] = await stockedProducts(app, 6);
  const big = await checkout(app, {
    items: [{ productId: a.id, quantity: 3 }, { productId: b.id, quantity: 3 }],
  });
  assert.equal(big.status, 422);
  const { error } = await big.json();
  assert.equal(error.code, "hold_limit_units");
  assert.match(error.message, /at most 5 items unpaid/);
  await using open = await testApp("0", "0");
  const [c, d] = await stockedProducts(open, 6);
  const res = await checkout(open, {
    items: [{ productId: c.id, quantity: 3 }, { productId: d.id, quantity: 3 }],
  });
  assert.equal(res.status, 200);
});

Deno.test("each cart is its own client: one shopper's holds do not count against another's", async () => {
  await using app = await testApp("0", "1");
  const [a] = await stockedProducts(app, 3);
  const cartOf = async () => {
    const res = await app.app.request("/api/cart/items", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ productId: a.id, quantity: 1 }),
    });
    return { cookie: (res.headers.get("set-cookie") ?? "").split(";")[0] };
  };
  const [one, two] = [await cartOf(), await cartOf()];
  assert.equal((await checkout(app, undefined, { ...one, "idempotency-key": "a" })).status, 200);
  assert.equal((await checkout(app, undefined, { ...two, "idempotency-key": "b" })).status, 200);
  const again = await checkout(app, undefined, { ...one, "idempotency-key": "c" });
  assert.equal(again.status, 422);
});

Deno.test("new carts made to dodge the cap still meet their address's, at ADDRESS_FACTOR times it", async () => {
  await using app = await testApp("0", "1");
  const [a] = await stockedProducts(app, ADDRESS_FACTOR + 2);
  const statuses: number[] = [];
  for (let i = 0; i <= ADDRESS_FACTOR; i++) {
    const cart = await app.app.request("/api/cart/items", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ productId: a.id, quantity: 1 }),
    });
    const cookie = (cart.headers.get("set-cookie") ?? "").split(";")[0];
    statuses.push((await checkout(app, undefined, { cookie })).status);
  }
  assert.deepEqual(statuses, [...Array(ADDRESS_FACTOR).fill(200), 422]);
});
