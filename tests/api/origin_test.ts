/**
 * A browser on another site cannot spend the shopper's cookies: cookie-bearing JSON state
 * changes from a foreign origin (or `Origin: null`) are refused like forms are, and change
 * nothing. Cookieless API callers are unaffected.
 */
import assert from "node:assert/strict";
import { createTestApp, type TestApp } from "../support/app.ts";
import { assertUnchanged, clientHeaders, snapshot, stockedProducts } from "../support/shop.ts";

const SHOP = "https://shop.example";

async function testApp() {
  const app = await createTestApp({ env: { PUBLIC_ORIGIN: SHOP } });
  return Object.assign(app, { [Symbol.asyncDispose]: () => app.close() });
}

/** A shopper's cart cookie, holding one unit of a stocked product. */
async function shopperCookie(app: TestApp): Promise<{ cookie: string; productId: string }> {
  const [product] = await stockedProducts(app, 5);
  const res = await app.app.request("/api/cart/items", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ productId: product.id, quantity: 1 }),
  });
  assert.equal(res.status, 200);
  return { cookie: res.headers.get("set-cookie")!.split(";")[0], productId: product.id };
}

/** What a page on another site can send without a CORS preflight. */
function simplePost(app: TestApp, path: string, body: unknown, headers: Record<string, string>) {
  return app.app.request(path, {
    method: "POST",
    headers: { "content-type": "text/plain", ...headers },
    body: JSON.stringify(body),
  });
}

const FORGERIES: [string, Record<string, string>][] = [
  ["a foreign Origin", { origin: "https://evil.example" }],
  ["Origin: null", { origin: "null" }],
  ["a look-alike Origin", { origin: "https://shop.example.evil.example" }],
  ["no Origin, Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }],
];

for (const [kind, headers] of FORGERIES) {
  Deno.test(`cookie-bearing cart and checkout calls with ${kind} get 403 and change nothing`, async () => {
    await using app = await testApp();
    const { cookie, productId } = await shopperCookie(app);
    const before = await snapshot(app.kv);
    const calls: [string, unknown][] = [
      ["/api/cart/items", { productId, quantity: 2 }],
      ["/api/payments/create-checkout-session", {}],
      ["/api/orders/01J0000000000000000000000/retry-session", {}],
    ];
    for (const [path, body] of calls) {
      const res = await simplePost(app, path, body, { cookie, ...headers });
      assert.equal(res.status, 403, path);
      assert.deepEqual((await res.json()).error, {
        code: "forbidden",
        message: path.startsWith("/api/cart")
          ? "Requests from other sites cannot change your cart"
          : "Requests from other sites cannot start a payment",
      });
    }
    await assertUnchanged(app.kv, before);
  });
}

Deno.test("the shop's own pages may make the same calls (by Origin or by Sec-Fetch-Site)", async () => {
  await using app = await testApp();
  const { cookie, productId } = await shopperCookie(app);
  const own = await simplePost(app, "/api/cart/items", { productId, quantity: 1 }, {
    cookie,
    origin: SHOP,
  });
  assert.equal(own.status, 200, await own.text());
  const fetchMeta = await simplePost(app, "/api/payments/create-checkout-session", {}, {
    cookie,
    "sec-fetch-site": "same-origin",
  });
  assert.equal(fetchMeta.status, 200, await fetchMeta.text());
});

Deno.test("cookieless API callers are unaffected, whatever Origin they send", async () => {
  await using app = await testApp();
  const [product] = await stockedProducts(app, 5);
  const items = [{ productId: product.id, quantity: 1 }];
  const server = await simplePost(app, "/api/payments/create-checkout-session", { items }, {
    "content-type": "application/json",
  });
  assert.equal(server.status, 200, await server.text());
  const foreign = await simplePost(app, "/api/payments/create-checkout-session", { items }, {
    "content-type": "application/json",
    origin: "https://partner.example",
  });
  assert.equal(foreign.status, 200, await foreign.text());
});

Deno.test("a client cookie counts as a cookie: a foreign page can't use an API client's identity", async () => {
  await using app = await testApp();
  const [product] = await stockedProducts(app, 5);
  const res = await simplePost(app, "/api/payments/create-checkout-session", {
    items: [{ productId: product.id, quantity: 1 }],
  }, { ...await clientHeaders(app), origin: "https://evil.example" });
  assert.equal(res.status, 403);
  await res.body?.cancel();
});

Deno.test("forms from other sites are refused with or without a cookie, as a page", async () => {
  await using app = await testApp();
  const before = await snapshot(app.kv);
  for (const path of ["/cart", "/checkout", "/checkout/cancel"]) {
    const res = await app.app.request(path, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: "https://evil.example",
      },
      body: "action=add&productId=x&quantity=1&order=x&idempotencyKey=k",
    });
    assert.equal(res.status, 403, path);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(await res.text(), /Forms from other sites cannot/);
  }
  await assertUnchanged(app.kv, before);
});
