import assert from "node:assert/strict";
import { PROVIDER_CHECK_WINDOW_MS } from "@/lib/checkout/order_status.ts";
import { getStock } from "@/lib/db/products.ts";
import { startEmulator, TEST_CARDS } from "@/lib/payments/emulator/server.ts";
import { createTestApp, eventually } from "../support/app.ts";
import {
  assertUnchanged,
  checkout,
  checkoutOk,
  clientHeaders,
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
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.ok(/^cs_test_/.test(body.id), body.id);
  assert.ok(body.url.startsWith("http://127.0.0.1:"));
  assert.ok(/^SO-\d{8}-0001$/.test(body.orderNumber), body.orderNumber);
  const order = await orderOf(app, body.orderId);
  assert.equal(order.status, "pending");
  assert.deepEqual(order.items.map((i) => [i.productId, i.unitAmount, i.quantity]), [
    [a.id, a.unitAmount, 2],
    [b.id, b.unitAmount, 2],
  ]);
  assert.deepEqual(order.total, 2 * a.unitAmount + 2 * b.unitAmount);
  assert.deepEqual(order.payment.sessionId, body.id);
  const stock = await getStock(app.kv, [a.id, b.id]);
  assert.deepEqual([stock.get(a.id), stock.get(b.id)], [a.stock - 2, b.stock - 2]);
  const session = await app.deps.provider.retrieveSession(body.id);
  assert.deepEqual([session.amountTotal, session.metadata.order_id], [order.total, order.id]);
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
  assert.equal(res.status, 200);
  const order = await orderOf(app, (await res.json()).orderId);
  assert.deepEqual(order.items.map((i) => i.quantity), [2]);
  const cart = await (await app.app.request("/api/cart", { headers: { cookie } })).json();
  assert.equal(cart.count, 2, "the cart is kept until the payment is confirmed");
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
    assert.equal(res.status, 400, JSON.stringify(body));
    const { error } = await res.json();
    assert.equal(error.code, "invalid_request");
    assert.ok(Array.isArray(error.details) && error.details.length > 0);
  }
  const malformed = await app.app.request("/api/payments/create-checkout-session", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{not json",
  });
  assert.equal(malformed.status, 400);
  const tooLarge = await checkout(app, { items: [], pad: "x".repeat(17 * 1024) });
  assert.equal(tooLarge.status, 413);
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
    assert.equal(res.status, 422, JSON.stringify(body));
    assert.deepEqual((await res.json()).error.code, code);
  }
  await assertUnchanged(app.kv, before);
});

Deno.test("the same Idempotency-Key returns the same order and session, even when racing", async () => {
  await using app = await testApp();
  const [a] = await stockedProducts(app);
  const body = { items: [{ productId: a.id, quantity: 1 }] };
  const headers = { "idempotency-key": "double-click-1", ...await clientHeaders(app) };
  const [r1, r2] = await Promise.all([checkout(app, body, headers), checkout(app, body, headers)]);
  const [b1, b2] = [await r1.json(), await r2.json()];
  assert.deepEqual([r1.status, r2.status], [200, 200]);
  assert.deepEqual(b1, b2);
  const again = await (await checkout(app, body, headers)).json();
  assert.deepEqual(again, b1);
  const stock = await getStock(app.kv, [a.id]);
  assert.deepEqual(stock.get(a.id), a.stock - 1, "one reservation only");
  const other = await (await checkout(app, body, { ...headers, "idempotency-key": "other" }))
    .json();
  assert.ok(other.orderId !== b1.orderId);
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
  assert.deepEqual(statuses, [200, 422, 422]);
  assert.equal((await getStock(app.kv, [unique.id])).get(unique.id), 0);
});

Deno.test("provider down: 502, the order stays pending, and its owner pays it once the provider is back", async () => {
  await using app = await testApp();
  const [a] = await stockedProducts(app);
  const add = await app.app.request("/api/cart/items", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ productId: a.id, quantity: 1 }),
  });
  const cookie = add.headers.get("set-cookie")!.split(";")[0];
  const { port, webhookSecret } = app.emulator!;
  await app.emulator!.close();
  const res = await checkout(app, {}, { cookie });
  assert.equal(res.status, 502);
  assert.equal((await res.json()).error.code, "provider_unavailable");
  const pending = [];
  for await (const e of app.kv.list<string>({ prefix: ["orders_by_status", "pending"] })) {
    pending.push(e.value);
  }
  assert.equal(pending.length, 1, "the order survives the failure");
  const order = await orderOf(app, pending[0]);
  assert.deepEqual([order.status, order.payment.sessionId], ["pending", null]);

  // The provider comes back where the app looks for it, delivering to the app's webhook.
  const back = await startEmulator({
    env: "test",
    port,
    webhookSecret,
    retryBaseMs: 20,
    webhookUrl: `http://127.0.0.1:${new URL(app.url).port}/api/payments/webhook`,
  });
  try {
    const retry = await app.app.request(`/api/orders/${order.id}/retry-session`, {
      method: "POST",
      headers: { cookie },
    });
    assert.equal(retry.status, 200);
    back.pay((await retry.json()).id, TEST_CARDS.success);
    // The webhook answers only once the payment is committed.
    await back.idle();
    const completed = back.deliveries().filter((d) => d.type === "checkout.session.completed");
    assert.deepEqual(completed.map((d) => d.status), [200]);
    const paid = await orderOf(app, order.id);
    assert.deepEqual([paid.status, paid.payment.status], ["paid", "paid"]);
  } finally {
    await back.close();
  }
});

Deno.test("by-session: unknown is a 404; a paid session settles the order even before the webhook", async () => {
  await using app = await testApp({ emulator: { delayMs: 60_000 } });
  assert.equal((await app.app.request("/api/orders/by-session/cs_test_nope")).status, 404);
  assert.equal((await app.app.request("/api/orders/by-session/not-a-session")).status, 400);
  const [a] = await stockedProducts(app);
  const session = await checkoutOk(app, { items: [{ productId: a.id, quantity: 1 }] });
  // The first poll is a window ago, so the next one asks the provider again (the payment's
  // follow-ups, queued by that next poll, are due at once on the worker's real clock).
  app.deps.now = () => new Date(Date.now() - PROVIDER_CHECK_WINDOW_MS);
  const pending = await (await app.app.request(`/api/orders/by-session/${session.id}`)).json();
  assert.deepEqual([pending.status, pending.paymentStatus], ["pending", "pending"]);
  app.deps.now = () => new Date();
  await app.emulator!.pay(session.id, "4242424242424242");
  const paid = await (await app.app.request(`/api/orders/by-session/${session.id}`)).json();
  assert.deepEqual([paid.status, paid.number], ["paid", session.orderNumber]);
  assert.ok(!("cartId" in paid) && !("metadata" in paid));
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
  assert.deepEqual(results.map((r) => r.status), Array(16).fill(200));
  const numbers = await Promise.all(results.map(async (r) => (await r.json()).orderNumber));
  assert.equal(new Set(numbers).size, 16);
  assert.deepEqual((await getStock(app.kv, [a.id])).get(a.id), a.stock - 16);
});

Deno.test("a repeated key resumes its order: same open session, a new one once expired, 409 once paid", async () => {
  await using app = await testApp();
  const [a] = await stockedProducts(app);
  const body = { items: [{ productId: a.id, quantity: 1 }] };
  const headers = { "idempotency-key": "back-button", ...await clientHeaders(app) };
  const first = await (await checkout(app, body, headers)).json();
  assert.deepEqual((await (await checkout(app, body, headers)).json()).id, first.id);
  await app.emulator!.expireNow(first.id);
  await eventually(async () => (await orderOf(app, first.orderId)).status === "expired");
  const resumed = await checkout(app, body, headers);
  assert.equal(resumed.status, 200);
  const again = await resumed.json();
  assert.deepEqual(again.orderId, first.orderId, "the same order, not a second one");
  assert.ok(again.id !== first.id, "a new session replaces the expired one");
  assert.equal((await orderOf(app, first.orderId)).status, "pending");
  await app.emulator!.pay(again.id, "4242424242424242");
  await eventually(async () => (await orderOf(app, first.orderId)).status === "paid");
  const paid = await checkout(app, body, headers);
  assert.equal(paid.status, 409);
  assert.equal((await paid.json()).error.code, "order_paid");
});
