import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { getStock } from "@/lib/db/products.ts";
import { createTestApp, eventually } from "../support/app.ts";
import {
  assertUnchanged,
  checkout,
  checkoutOk,
  orderOf,
  productBySlug,
  snapshot,
  stockedProducts,
} from "../support/shop.ts";

Deno.test("create-checkout-session places a pending order with server prices and reserved stock", async () => {
  await using app = await testApp();
  const [a, b] = await stockedProducts(app, 3);
  const res = await checkout(app, {
    items: [
      { productId: a.id, quantity: 1, unitAmount: 1 },
      { productId: b.id, quantity: 2 },
      { productId: a.id, quantity: 1 },
    ],
    total: 1,
  });
  assertEquals(res.status, 200);
  const body = await res.json();
  ok(/^cs_test_/.test(body.id), body.id);
  ok(body.url.startsWith("http://127.0.0.1:"));
  ok(/^SO-\d{8}-0001$/.test(body.orderNumber), body.orderNumber);
  const order = await orderOf(app, body.orderId);
  assertEquals(order.status, "pending");
  assertEquals(order.items.map((i) => [i.productId, i.unitAmount, i.quantity]), [
    [a.id, a.unitAmount, 2],
    [b.id, b.unitAmount, 2],
  ]);
  assertEquals(order.total, 2 * a.unitAmount + 2 * b.unitAmount);
  assertEquals(order.payment.sessionId, body.id);
  const stock = await getStock(app.kv, [a.id, b.id]);
  assertEquals([stock.get(a.id), stock.get(b.id)], [a.stock - 2, b.stock - 2]);
  const session = await app.deps.provider.retrieveSession(body.id);
  assertEquals([session.amountTotal, session.metadata.order_id], [order.total, order.id]);
});

Deno.test("checkout without items uses the shopper's cart, which stays full", async () => {
  await using app = await testApp();
  const [a] = await stockedProducts(app);
  const add = await app.app.request("/api/cart/items", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ productId: a.id, quantity: 2 }),
  });
  const cookie = add.headers.get("set-cookie")!.split(";")[0];
  const res = await checkout(app, {}, { cookie });
  assertEquals(res.status, 200);
  const order = await orderOf(app, (await res.json()).orderId);
  assertEquals(order.items.map((i) => i.quantity), [2]);
  const cart = await (await app.app.request("/api/cart", { headers: { cookie } })).json();
  assertEquals(cart.count, 2, "the cart is kept until the payment is confirmed");
});

Deno.test("bad input is a 400 naming the issue and writes nothing", async () => {
  await using app = await testApp();
  const [a] = await stockedProducts(app);
  const before = await snapshot(app.kv);
  const bodies: unknown[] = [
    { items: [{ productId: a.id, quantity: 0 }] },
    { items: [{ productId: a.id, quantity: 100 }] },
    { items: [{ productId: a.id, quantity: 1.5 }] },
    { items: [{ productId: a.id, quantity: "1" }] },
    { items: [{ quantity: 1 }] },
    { items: [] },
    { items: Array.from({ length: 51 }, () => ({ productId: a.id, quantity: 1 })) },
    { items: "all of it" },
  ];
  for (const body of bodies) {
    const res = await checkout(app, body);
    assertEquals(res.status, 400, JSON.stringify(body));
    const { error } = await res.json();
    assertEquals(error.code, "invalid_request");
    ok(Array.isArray(error.details) && error.details.length > 0);
  }
  const malformed = await app.app.request("/api/payments/create-checkout-session", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{not json",
  });
  assertEquals(malformed.status, 400);
  const tooLarge = await checkout(app, { items: [], pad: "x".repeat(17 * 1024) });
  assertEquals(tooLarge.status, 413);
  await assertUnchanged(app.kv, before);
});

Deno.test("business rules are a 422 naming the product and change nothing", async () => {
  await using app = await testApp();
  const soldOut = (await stockedProducts(app, 0)).find((p) => p.stock === 0)!;
  const [a] = await stockedProducts(app);
  const inactive = await productBySlug(app, "cold-brew-bottle");
  const before = await snapshot(app.kv);
  const cases: [unknown, string][] = [
    [{ items: [{ productId: soldOut.id, quantity: 1 }] }, "out_of_stock"],
    [{ items: [{ productId: a.id, quantity: a.stock + 1 }] }, "out_of_stock"],
    [{ items: [{ productId: "nope", quantity: 1 }] }, "unknown_product"],
    [{}, "empty_cart"],
    [{ items: [{ productId: inactive.id, quantity: 1 }] }, "product_inactive"],
  ];
  for (const [body, code] of cases) {
    const res = await checkout(app, body);
    assertEquals(res.status, 422, JSON.stringify(body));
    assertEquals((await res.json()).error.code, code);
  }
  await assertUnchanged(app.kv, before);
});

Deno.test("the same Idempotency-Key returns the same order and session, even when racing", async () => {
  await using app = await testApp();
  const [a] = await stockedProducts(app);
  const body = { items: [{ productId: a.id, quantity: 1 }] };
  const headers = { "idempotency-key": "double-click-1" };
  const [r1, r2] = await Promise.all([checkout(app, body, headers), checkout(app, body, headers)]);
  const [b1, b2] = [await r1.json(), await r2.json()];
  assertEquals([r1.status, r2.status], [200, 200]);
  assertEquals(b1, b2);
  const again = await (await checkout(app, body, headers)).json();
  assertEquals(again, b1);
  const stock = await getStock(app.kv, [a.id]);
  assertEquals(stock.get(a.id), a.stock - 1, "one reservation only");
  const other = await (await checkout(app, body, { "idempotency-key": "other" })).json();
  ok(other.orderId !== b1.orderId);
});

Deno.test("two shoppers racing for the last unit get exactly one order", async () => {
  await using app = await testApp();
  const unique = await productBySlug(app, "studio-mug");
  const body = { items: [{ productId: unique.id, quantity: 1 }] };
  const results = await Promise.all([
    checkout(app, body),
    checkout(app, body),
    checkout(app, body),
  ]);
  const statuses = results.map((r) => r.status).sort();
  assertEquals(statuses, [200, 422, 422]);
  assertEquals((await getStock(app.kv, [unique.id])).get(unique.id), 0);
});

Deno.test("provider down: 502, and the order stays pending and payable", async () => {
  await using app = await testApp();
  const [a] = await stockedProducts(app);
  await app.emulator!.close();
  const res = await checkout(app, { items: [{ productId: a.id, quantity: 1 }] });
  assertEquals(res.status, 502);
  assertEquals((await res.json()).error.code, "provider_unavailable");
  const pending = [];
  for await (const e of app.kv.list<string>({ prefix: ["orders_by_status", "pending"] })) {
    pending.push(e.value);
  }
  assertEquals(pending.length, 1, "the order survives the failure");
  const order = await orderOf(app, pending[0]);
  assertEquals([order.status, order.payment.sessionId], ["pending", null]);
});

Deno.test("by-session: unknown is a 404; a paid session settles the order even before the webhook", async () => {
  await using app = await testApp({ emulator: { delayMs: 60_000 } });
  assertEquals((await app.app.request("/api/orders/by-session/cs_test_nope")).status, 404);
  assertEquals((await app.app.request("/api/orders/by-session/not-a-session")).status, 400);
  const [a] = await stockedProducts(app);
  const session = await checkoutOk(app, { items: [{ productId: a.id, quantity: 1 }] });
  const pending = await (await app.app.request(`/api/orders/by-session/${session.id}`)).json();
  assertEquals([pending.status, pending.paymentStatus], ["pending", "pending"]);
  await app.emulator!.pay(session.id, "4242424242424242");
  const paid = await (await app.app.request(`/api/orders/by-session/${session.id}`)).json();
  assertEquals([paid.status, paid.number], ["paid", session.orderNumber]);
  ok(!("cartId" in paid) && !("metadata" in paid));
  await eventually(async () => (await orderOf(app, session.orderId)).stock === "committed");
});

function testApp(options: Parameters<typeof createTestApp>[0] = {}) {
  return createTestApp(options).then((app) =>
    Object.assign(app, { [Symbol.asyncDispose]: () => app.close() })
  );
}

Deno.test("16 concurrent checkouts all succeed with distinct order numbers", async () => {
  await using app = await testApp();
  const [a] = await stockedProducts(app, 16);
  const results = await Promise.all(
    Array.from({ length: 16 }, () => checkout(app, { items: [{ productId: a.id, quantity: 1 }] })),
  );
  assertEquals(results.map((r) => r.status), Array(16).fill(200));
  const numbers = await Promise.all(results.map(async (r) => (await r.json()).orderNumber));
  assertEquals(new Set(numbers).size, 16);
  assertEquals((await getStock(app.kv, [a.id])).get(a.id), a.stock - 16);
});

Deno.test("a repeated key resumes its order: same open session, a new one once expired, 409 once paid", async () => {
  await using app = await testApp();
  const [a] = await stockedProducts(app);
  const body = { items: [{ productId: a.id, quantity: 1 }] };
  const headers = { "idempotency-key": "back-button" };
  const first = await (await checkout(app, body, headers)).json();
  assertEquals((await (await checkout(app, body, headers)).json()).id, first.id);
  await app.emulator!.expireNow(first.id);
  await eventually(async () => (await orderOf(app, first.orderId)).status === "expired");
  const resumed = await checkout(app, body, headers);
  assertEquals(resumed.status, 200);
  const again = await resumed.json();
  assertEquals(again.orderId, first.orderId, "the same order, not a second one");
  ok(again.id !== first.id, "a new session replaces the expired one");
  assertEquals((await orderOf(app, first.orderId)).status, "pending");
  await app.emulator!.pay(again.id, "4242424242424242");
  await eventually(async () => (await orderOf(app, first.orderId)).status === "paid");
  const paid = await checkout(app, body, headers);
  assertEquals(paid.status, 409);
  assertEquals((await paid.json()).error.code, "order_paid");
});
