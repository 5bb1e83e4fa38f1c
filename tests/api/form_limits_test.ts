/**
 * The no-JavaScript form routes share the rate limits of their JSON twins, and a refused
 * form gets a page (429, Retry-After) a shopper can read, not JSON.
 */
import assert from "node:assert/strict";
import { createTestApp, type TestApp } from "../support/app.ts";
import { stockedProducts } from "../support/shop.ts";

/** One client (by its forwarded address) posting to `app`. */
function client(app: TestApp, address: string, cookie?: string) {
  const headers = (type: string) => ({
    "content-type": type,
    "x-forwarded-for": address,
    ...(cookie ? { cookie } : {}),
  });
  return {
    form: (path: string, fields: Record<string, string>) =>
      app.app.request(path, {
        method: "POST",
        headers: headers("application/x-www-form-urlencoded"),
        body: new URLSearchParams(fields).toString(),
      }),
    json: (path: string, body: unknown, extra: Record<string, string> = {}) =>
      app.app.request(path, {
        method: "POST",
        headers: { ...headers("application/json"), ...extra },
        body: JSON.stringify(body),
      }),
  };
}

async function limitedApp(env: Record<string, string>) {
  const app = await createTestApp({ env: { TRUST_PROXY: "1", ...env } });
  return Object.assign(app, { [Symbol.asyncDispose]: () => app.close() });
}

async function orderCount(app: TestApp): Promise<number> {
  return (await Array.fromAsync(app.kv.list({ prefix: ["orders"] }))).length;
}

async function assertLimitPage(res: Response) {
  assert.equal(res.status, 429);
  assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
  assert.match(res.headers.get("retry-after") ?? "", /^[1-9]\d*$/);
  const html = await res.text();
  assert.match(html, /Too many requests: please try again in \d+ seconds?/);
  assert.match(html, /href="\/cart"/, "the page leads back to the cart");
}

Deno.test("ten checkout forms from one client place only the limit's orders; the rest get a 429 page", async () => {
  await using app = await limitedApp({ RATE_LIMIT_CHECKOUT_PER_MIN: "3" });
  const [mug] = await stockedProducts(app, 10);
  const added = await client(app, "198.51.100.7").json("/api/cart/items", {
    productId: mug.id,
    quantity: 1,
  });
  assert.equal(added.status, 200);
  const shopper = client(app, "198.51.100.7", added.headers.get("set-cookie")!.split(";")[0]);
  const answers: number[] = [];
  for (let i = 0; i < 10; i++) {
    const res = await shopper.form("/checkout", { idempotencyKey: crypto.randomUUID() });
    answers.push(res.status);
    if (res.status === 429) await assertLimitPage(res);
    else await res.body?.cancel();
  }
  assert.deepEqual(answers.filter((s) => s !== 429).length, 3, String(answers));
  assert.ok(answers.slice(3).every((s) => s === 429), String(answers));
  assert.ok(await orderCount(app) <= 3);
});

Deno.test("the checkout form and the JSON checkout count against one limit", async () => {
  await using app = await limitedApp({ RATE_LIMIT_CHECKOUT_PER_MIN: "2" });
  const [mug] = await stockedProducts(app, 10);
  const api = client(app, "198.51.100.8");
  for (let i = 0; i < 2; i++) {
    const res = await api.json("/api/payments/create-checkout-session", {
      items: [{ productId: mug.id, quantity: 1 }],
    }, { "idempotency-key": crypto.randomUUID() });
    assert.equal(res.status, 200, await res.text());
  }
  const before = await orderCount(app);
  await assertLimitPage(await api.form("/checkout", { idempotencyKey: crypto.randomUUID() }));
  assert.equal(await orderCount(app), before);
  const json = await api.json("/api/payments/create-checkout-session", {
    items: [{ productId: mug.id, quantity: 1 }],
  });
  assert.equal(json.status, 429);
  assert.equal((await json.json()).error.code, "rate_limited");
});

Deno.test("the cart form shares the cart API's limit and a refused form changes no cart", async () => {
  await using app = await limitedApp({ RATE_LIMIT_CART_PER_MIN: "2" });
  const [mug] = await stockedProducts(app, 10);
  const first = await client(app, "198.51.100.9").json("/api/cart/items", {
    productId: mug.id,
    quantity: 1,
  });
  assert.equal(first.status, 200);
  const shopper = client(app, "198.51.100.9", first.headers.get("set-cookie")!.split(";")[0]);
  const second = await shopper.form("/cart", { action: "add", productId: mug.id, quantity: "1" });
  assert.equal(second.status, 303);
  const third = await shopper.form("/cart", { action: "add", productId: mug.id, quantity: "1" });
  await assertLimitPage(third);
  const cart = await (await app.app.request("/api/cart", {
    headers: { cookie: first.headers.get("set-cookie")!.split(";")[0] },
  })).json();
  assert.equal(cart.items[0].quantity, 2, "two adds took effect, the refused third did not");
});

Deno.test("the retry form shares the retry API's limit", async () => {
  await using app = await limitedApp({ RATE_LIMIT_RETRY_PER_MIN: "1" });
  const retrier = client(app, "198.51.100.10");
  const api = await retrier.json("/api/orders/01J0000000000000000000000/retry-session", {});
  assert.notEqual(api.status, 429);
  await api.body?.cancel();
  await assertLimitPage(
    await retrier.form("/checkout/cancel", { order: "01J0000000000000000000000" }),
  );
});
