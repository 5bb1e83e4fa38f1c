/**
 * Idempotency-Keys are scoped to their owner and bound to their request, and whoever
 * creates an order gets the token to act on it.
 */
import assert from "node:assert/strict";
import { getStock } from "@/lib/db/products.ts";
import { CLIENT_COOKIE } from "@/lib/http/cart_cookie.ts";
import { createTestApp, eventually } from "../support/app.ts";
import {
  assertUnchanged,
  checkout,
  clientHeaders,
  orderOf,
  snapshot,
  stockedProducts,
} from "../support/shop.ts";

async function testApp() {
  const app = await createTestApp();
  return Object.assign(app, { [Symbol.asyncDispose]: () => app.close() });
}

Deno.test("two cookieless strangers sending the same Idempotency-Key get two orders, each their own", async () => {
  await using app = await testApp();
  const [a] = await stockedProducts(app);
  const body = { items: [{ productId: a.id, quantity: 1 }] };
  const [r1, r2] = [
    await checkout(app, body, { "idempotency-key": "1" }),
    await checkout(app, body, { "idempotency-key": "1" }),
  ];
  assert.deepEqual([r1.status, r2.status], [200, 200]);
  const [b1, b2] = [await r1.json(), await r2.json()];
  assert.notEqual(b1.orderId, b2.orderId);
  assert.notEqual(b1.url, b2.url);
  assert.match(r1.headers.get("set-cookie") ?? "", new RegExp(`^${CLIENT_COOKIE}=`));
  assert.match(r1.headers.get("set-cookie") ?? "", /HttpOnly/i);
});

Deno.test("a client that keeps its cookie gets the same order and session for the same key and body", async () => {
  await using app = await testApp();
  const [a] = await stockedProducts(app);
  const body = { items: [{ productId: a.id, quantity: 1 }] };
  const first = await checkout(app, body, { "idempotency-key": "k" });
  const cookie = (first.headers.get("set-cookie") ?? "").split(";")[0];
  const again = await checkout(app, body, { "idempotency-key": "k", cookie });
  const [b1, b2] = [await first.json(), await again.json()];
  assert.deepEqual(b2, b1);
  assert.equal(again.headers.get("set-cookie"), null, "a known client keeps its id");
  assert.equal((await getStock(app.kv, [a.id])).get(a.id), a.stock - 1);
});

Deno.test("the same key with a different body is refused with 422 and changes nothing", async () => {
  await using app = await testApp();
  const [a, b] = await stockedProducts(app);
  const headers = { "idempotency-key": "reused", ...await clientHeaders(app) };
  const first = await checkout(app, { items: [{ productId: a.id, quantity: 1 }] }, headers);
  assert.equal(first.status, 200);
  const before = await snapshot(app.kv);
  for (
    const body of [
      { items: [{ productId: a.id, quantity: 2 }] },
      { items: [{ productId: b.id, quantity: 1 }] },
      { items: [{ productId: a.id, quantity: 1 }], metadata: { note: "x" } },
      {},
    ]
  ) {
    const res = await checkout(app, body, headers);
    assert.equal(res.status, 422, JSON.stringify(body));
    const { error } = await res.json();
    assert.equal(error.code, "idempotency_key_reused");
    assert.match(error.message, /already used with a different request/);
  }
  await assertUnchanged(app.kv, before);
  const split = await checkout(app, {
    items: [{ productId: a.id, quantity: 1 }],
  }, headers);
  assert.equal((await split.json()).orderId, (await first.json()).orderId, "same body: same order");
});

Deno.test("an items-only API client gets an orderToken that reads its order and retries it", async () => {
  await using app = await testApp();
  const [a] = await stockedProducts(app);
  const res = await checkout(app, { items: [{ productId: a.id, quantity: 1 }] });
  const placed = await res.json();
  assert.equal(typeof placed.orderToken, "string");
  const page = await app.app.request(`/orders/${placed.orderId}?token=${placed.orderToken}`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), new RegExp(placed.orderNumber));
  const retry = await app.app.request(`/api/orders/${placed.orderId}/retry-session`, {
    method: "POST",
    headers: { "x-order-token": placed.orderToken },
  });
  assert.equal(retry.status, 200);
  const reopened = await retry.json();
  assert.notEqual(reopened.id, placed.id);
  app.emulator!.pay(reopened.id, "4242424242424242");
  await eventually(async () => (await orderOf(app, placed.orderId)).status === "paid");
  const paid = await app.app.request(`/api/orders/${placed.orderId}/retry-session`, {
    method: "POST",
    headers: { "x-order-token": placed.orderToken },
  });
  assert.equal(paid.status, 409);
  assert.equal((await paid.json()).error.code, "order_paid");
});

Deno.test("a stranger gets 403 or 404 for another's order, with or without a token of their own", async () => {
  await using app = await testApp();
  const [a] = await stockedProducts(app);
  const mine = await (await checkout(app, { items: [{ productId: a.id, quantity: 1 }] })).json();
  const theirs = await (await checkout(app, { items: [{ productId: a.id, quantity: 1 }] })).json();
  const cases: [string, Record<string, string>][] = [
    [`/api/orders/${theirs.orderId}/retry-session`, {}],
    [`/api/orders/${theirs.orderId}/retry-session`, { "x-order-token": mine.orderToken }],
    [`/api/orders/${"0".repeat(26)}/retry-session`, { "x-order-token": mine.orderToken }],
  ];
  for (const [path, headers] of cases) {
    const res = await app.app.request(path, { method: "POST", headers });
    assert.ok([403, 404].includes(res.status), `${path}: ${res.status}`);
    assert.ok(!(await res.text()).includes(theirs.orderNumber));
  }
  const page = await app.app.request(`/orders/${theirs.orderId}?token=${mine.orderToken}`);
  assert.ok([403, 404].includes(page.status));
});
