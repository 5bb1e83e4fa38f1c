/**
 * The cart through the whole app: the JSON API with its signed cookie, every refusal
 * (which must write nothing), the cart page and its no-JS forms.
 */
import assert from "node:assert/strict";
import { createTestApp, type TestApp } from "../support/app.ts";
import { assertUnchanged, productBySlug, snapshot, stockedProducts } from "../support/shop.ts";

async function testApp() {
  const app = await createTestApp();
  return Object.assign(app, { [Symbol.asyncDispose]: () => app.close() });
}

interface Sent {
  body?: unknown;
  /** A body sent as is (malformed JSON, padding). */
  raw?: string;
  cookie?: string;
}

function send(app: TestApp, method: string, path: string, { body, raw, cookie }: Sent = {}) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (cookie) headers.cookie = cookie;
  return app.app.request(path, {
    method,
    headers,
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
}

const add = (app: TestApp, productId: string, quantity: number, cookie?: string) =>
  send(app, "POST", "/api/cart/items", { body: { productId, quantity }, cookie });

/** The `name=value` part of the response's cart cookie. */
function cookieOf(res: Response): string {
  const header = res.headers.get("set-cookie");
  assert.ok(header, "the response sets the cart cookie");
  return header.split(";")[0];
}

function postForm(
  app: TestApp,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
) {
  return app.app.request("/cart", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

Deno.test("a cart is created, merged, changed and emptied over the cookie it mints", async () => {
  await using app = await testApp();
  const flat = await productBySlug(app, "flat-white-blend");
  const guji = await productBySlug(app, "ethiopia-guji");

  const empty = await (await app.app.request("/api/cart")).json();
  assert.deepEqual(empty, {
    id: null,
    items: [],
    subtotal: 0,
    total: 0,
    currency: "nzd",
    count: 0,
  });

  const first = await add(app, flat.id, 1);
  assert.equal(first.status, 200);
  assert.match(first.headers.get("set-cookie")!, /HttpOnly/);
  assert.match(first.headers.get("set-cookie")!, /SameSite=Lax/);
  const cookie = cookieOf(first);
  const cartId = (await first.json()).id;
  assert.match(cartId, /^[0-9a-f-]{36}$/);

  const merged = await (await add(app, flat.id, 2, cookie)).json();
  assert.equal(merged.id, cartId, "the same cart");
  assert.deepEqual(merged.items.map((l: { quantity: number }) => l.quantity), [3]);
  const both = await (await add(app, guji.id, 1, cookie)).json();
  assert.equal(both.count, 4);
  assert.equal(both.subtotal, 3 * flat.unitAmount + guji.unitAmount);
  const read = await send(app, "GET", "/api/cart", { cookie });
  assert.equal(read.headers.get("cache-control"), "no-store");
  assert.deepEqual(await read.json(), both);

  const patched = await send(app, "PATCH", `/api/cart/items/${flat.id}`, {
    body: { quantity: 1 },
    cookie,
  });
  assert.equal(patched.status, 200);
  const afterPatch = await patched.json();
  assert.deepEqual(
    afterPatch.items.map((l: { productId: string; quantity: number; lineTotal: number }) => [
      l.productId,
      l.quantity,
      l.lineTotal,
    ]),
    [[flat.id, 1, flat.unitAmount], [guji.id, 1, guji.unitAmount]],
  );
  assert.equal(afterPatch.total, flat.unitAmount + guji.unitAmount);

  const removed = await (await send(app, "DELETE", `/api/cart/items/${guji.id}`, { cookie }))
    .json();
  assert.deepEqual(removed.items.map((l: { productId: string }) => l.productId), [flat.id]);
  const again = await send(app, "DELETE", `/api/cart/items/${guji.id}`, { cookie });
  assert.equal(again.status, 200, "removing twice is harmless");
  assert.equal((await again.json()).count, 1);

  const missing = await send(app, "PATCH", `/api/cart/items/${guji.id}`, {
    body: { quantity: 2 },
    cookie,
  });
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).error.code, "not_found");

  const other = await (await app.app.request("/api/cart")).json();
  assert.equal(other.count, 0, "a second client without the cookie sees an empty cart");
});

Deno.test("malformed or out-of-range input is a 400 naming the issue and writes nothing", async () => {
  await using app = await testApp();
  const flat = await productBySlug(app, "flat-white-blend");
  const cookie = cookieOf(await add(app, flat.id, 1));
  const before = await snapshot(app.kv);
  const bodies: unknown[] = [
    { productId: flat.id, quantity: 0 },
    { productId: flat.id, quantity: 100 },
    { productId: flat.id, quantity: 1.5 },
    { productId: flat.id, quantity: "1" },
    { productId: 5, quantity: 1 },
    { quantity: 1 },
    [],
    null,
  ];
  for (const body of bodies) {
    const res = await send(app, "POST", "/api/cart/items", { body, cookie });
    assert.equal(res.status, 400, JSON.stringify(body));
    const { error } = await res.json();
    assert.equal(error.code, "invalid_request");
    assert.ok(Array.isArray(error.details) && error.details.length > 0, JSON.stringify(body));
  }
  const zero = await (await add(app, flat.id, 0, cookie)).json();
  assert.ok(zero.error.details.some((i: { path: string }) => i.path === "quantity"));
  for (const quantity of [0, 100, 1.5, "2"]) {
    const res = await send(app, "PATCH", `/api/cart/items/${flat.id}`, {
      body: { quantity },
      cookie,
    });
    assert.equal(res.status, 400, `PATCH ${quantity}`);
    await res.body?.cancel();
  }
  const malformed = await send(app, "POST", "/api/cart/items", { raw: "{not json", cookie });
  assert.equal(malformed.status, 400);
  assert.equal((await malformed.json()).error.details[0].message, "Malformed JSON");
  const longId = await send(app, "DELETE", `/api/cart/items/${"p".repeat(101)}`, { cookie });
  assert.equal(longId.status, 400);
  await longId.body?.cancel();
  const tooLarge = await send(app, "POST", "/api/cart/items", {
    raw: JSON.stringify({ productId: flat.id, quantity: 1, pad: "x".repeat(17 * 1024) }),
    cookie,
  });
  assert.equal(tooLarge.status, 413);
  assert.equal((await tooLarge.json()).error.code, "payload_too_large");
  await assertUnchanged(app.kv, before);
});

Deno.test("business rules are a 422 naming the product, and change nothing", async () => {
  await using app = await testApp();
  const grinder = await productBySlug(app, "hand-grinder"); // 5 in stock
  const mug = await productBySlug(app, "studio-mug"); // one of a kind
  const cookie = cookieOf(await add(app, grinder.id, 4));
  const before = await snapshot(app.kv);
  const cases: [string, number, string, RegExp][] = [
    ["prod_nope", 1, "unknown_product", /prod_nope/],
    ["prod_cold_brew_bottle", 1, "product_inactive", /Cold Brew Bottle is no longer for sale/],
    ["prod_enamel_camp_mug", 1, "out_of_stock", /Enamel Camp Mug is sold out/],
    [grinder.id, 6, "out_of_stock", /Only 5 of Burr Hand Grinder available/],
    [mug.id, 2, "unique_item", /Studio Mug, one of a kind is one of a kind/],
  ];
  for (const [productId, quantity, code, message] of cases) {
    for (const withCookie of [cookie, undefined]) {
      const res = await add(app, productId, quantity, withCookie);
      assert.equal(res.status, 422, `${productId} × ${quantity}`);
      assert.equal(res.headers.get("set-cookie"), null, "a refused add mints no cart");
      const { error } = await res.json();
      assert.equal(error.code, code);
      assert.match(error.message, message);
      assert.equal(error.details.productId, productId);
    }
  }
  const merged = await add(app, grinder.id, 2, cookie);
  assert.equal(merged.status, 422, "4 in the cart + 2 more is past the stock of 5");
  assert.match((await merged.json()).error.message, /Only 5 of Burr Hand Grinder available/);
  const tooMany = await send(app, "PATCH", `/api/cart/items/${grinder.id}`, {
    body: { quantity: 6 },
    cookie,
  });
  assert.equal(tooMany.status, 422);
  assert.match((await tooMany.json()).error.message, /Only 5 of Burr Hand Grinder/);
  await assertUnchanged(app.kv, before);
});

Deno.test("a tampered or forged cookie counts as no cart", async () => {
  await using app = await testApp();
  const flat = await productBySlug(app, "flat-white-blend");
  const first = await add(app, flat.id, 2);
  const cookie = cookieOf(first);
  const cartId = (await first.json()).id as string;
  const [name, value] = cookie.split("=");
  const swapped = value.replace(cartId[0], cartId[0] === "a" ? "b" : "a");
  const forged = [
    `${name}=${swapped}`,
    `${name}=${cartId}`,
    `${name}=${value.slice(0, -6)}AAAA%3D`,
  ];
  for (const bad of forged) {
    const view = await (await send(app, "GET", "/api/cart", { cookie: bad })).json();
    assert.deepEqual([view.id, view.count], [null, 0], bad);
    const page = await app.app.request("/cart", { headers: { cookie: bad } });
    assert.match(await page.text(), /Your cart is empty/);
  }
  const fresh = await add(app, flat.id, 1, forged[0]);
  assert.notEqual((await fresh.json()).id, cartId, "a forged cookie gets a cart of its own");
  const own = await (await send(app, "GET", "/api/cart", { cookie })).json();
  assert.equal(own.count, 2, "the real cart is untouched");
});

Deno.test("the cart page lists lines with prices, totals and a way to check out", async () => {
  await using app = await testApp();
  const flat = await productBySlug(app, "flat-white-blend");
  const guji = await productBySlug(app, "ethiopia-guji");
  const cookie = cookieOf(await add(app, flat.id, 2));
  await add(app, guji.id, 1, cookie);
  const res = await app.app.request("/cart", { headers: { cookie } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("cache-control"), "no-store");
  const page = await res.text();
  assert.ok(page.includes("<title>Your cart · Settle</title>"));
  assert.ok(page.includes("Flat White Blend, 250 g") && page.includes("Ethiopia Guji, 250 g"));
  assert.match(page, /\$18\.90<\/span> each/);
  assert.match(page, /data-line-total="prod_flat_white_blend">\$37\.80</);
  assert.match(page, /data-line-total="prod_ethiopia_guji">\$22\.90</);
  assert.match(page, /data-cart-subtotal="true">\$60\.70</);
  assert.match(page, /data-cart-total="true">\$60\.70</);
  assert.match(page, /<a href="\/checkout"[^>]*>Checkout<\/a>/);
  assert.match(page, /<label for="quantity-prod_flat_white_blend"[^>]*>Quantity of Flat White/);
  assert.match(page, /data-cart-count="true" aria-hidden="true">3</);
  assert.match(page, /"QuantityStepper":"\/_fresh\/js\/QuantityStepper-/);

  const empty = await (await app.app.request("/cart")).text();
  assert.match(empty, /Your cart is empty/);
  assert.match(empty, /<a href="\/"[^>]*>Browse the shop<\/a>/);
});

Deno.test("without JavaScript the cart forms add, change and remove with a 303 back", async () => {
  await using app = await testApp();
  const flat = await productBySlug(app, "flat-white-blend");
  const added = await postForm(app, { action: "add", productId: flat.id, quantity: "2" });
  assert.equal(added.status, 303);
  assert.equal(added.headers.get("location"), "/cart");
  const cookie = cookieOf(added);
  const view = async () => await (await send(app, "GET", "/api/cart", { cookie })).json();
  assert.equal((await view()).count, 2);

  const set = await postForm(app, { action: "set", productId: flat.id, quantity: "5" }, {
    cookie,
    origin: "http://localhost",
  });
  assert.equal(set.status, 303);
  assert.equal((await view()).items[0].quantity, 5);
  assert.match(
    await (await app.app.request("/cart", { headers: { cookie } })).text(),
    /data-line-total="prod_flat_white_blend">\$94\.50</,
  );

  const removed = await postForm(app, { action: "remove", productId: flat.id }, { cookie });
  assert.equal(removed.status, 303);
  assert.equal((await view()).count, 0);
});

Deno.test("a refused form shows the cart with the reason; cross-site and oversized posts are refused", async () => {
  await using app = await testApp();
  const flat = await productBySlug(app, "flat-white-blend");
  const cookie = cookieOf(
    await postForm(app, { action: "add", productId: flat.id, quantity: "1" }),
  );
  const before = await snapshot(app.kv);
  const soldOut = await postForm(app, {
    action: "add",
    productId: "prod_enamel_camp_mug",
    quantity: "1",
  }, { cookie });
  assert.equal(soldOut.status, 422);
  const page = await soldOut.text();
  assert.match(page, /role="alert"/);
  assert.match(page, /Your cart was not changed/);
  assert.match(page, /Enamel Camp Mug is sold out/);
  assert.match(page, /Flat White Blend, 250 g/, "the cart is still shown");

  const zero = await postForm(app, { action: "set", productId: flat.id, quantity: "0" }, {
    cookie,
  });
  assert.equal(zero.status, 400);
  assert.match(await zero.text(), /Choose a whole number from 1 to 99/);

  const crossSite = await postForm(app, { action: "remove", productId: flat.id }, {
    cookie,
    origin: "https://evil.example",
  });
  assert.equal(crossSite.status, 403);
  assert.match(await crossSite.text(), /Forms from other sites cannot change your cart/);

  const huge = await postForm(
    app,
    { action: "remove", productId: flat.id, pad: "x".repeat(5000) },
    {
      cookie,
    },
  );
  assert.equal(huge.status, 413);
  await huge.body?.cancel();

  const json = await app.app.request("/cart", {
    method: "POST",
    headers: { "content-type": "application/json", cookie },
    body: JSON.stringify({ action: "remove", productId: flat.id }),
  });
  assert.equal(json.status, 400);
  await json.body?.cancel();
  await assertUnchanged(app.kv, before);
});

Deno.test("the cart refuses more units than one client may hold unpaid, as Pay would", async () => {
  const app = await createTestApp({ env: { HOLD_LIMIT_UNITS_PER_CLIENT: "5" } });
  try {
    const [a, b] = (await stockedProducts(app, 10)).map((p) => p.id);
    const first = await add(app, a, 3);
    assert.equal(first.status, 200);
    const cookie = cookieOf(first);
    assert.equal((await add(app, b, 2, cookie)).status, 200);
    const before = await snapshot(app.kv);
    const over = await add(app, b, 1, cookie);
    assert.equal(over.status, 422);
    const { error } = await over.json();
    assert.equal(error.code, "cart_unit_limit");
    assert.match(error.message, /at most 5 items at a time/);
    const raise = await send(app, "PATCH", `/api/cart/items/${a}`, {
      body: { quantity: 4 },
      cookie,
    });
    assert.equal(raise.status, 422);
    await raise.body?.cancel();
    const form = await app.app.request("/cart", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: new URLSearchParams({ action: "add", productId: b, quantity: "1" }).toString(),
    });
    assert.equal(form.status, 422);
    assert.match(await form.text(), /at most 5 items at a time/);
    await assertUnchanged(app.kv, before);
    const lower = await send(app, "PATCH", `/api/cart/items/${a}`, {
      body: { quantity: 1 },
      cookie,
    });
    assert.equal(lower.status, 200, "lowering is always allowed");
    await lower.body?.cancel();
  } finally {
    await app.close();
  }
});
