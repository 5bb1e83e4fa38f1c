/**
 * What held against an outside test, and must keep holding ("Hardening from an outside
 * test"): admin CSRF against every kind of forgery, session fixation and sign-out, the
 * `next=` filter, path traversal, price tampering, oversized bodies and headers, spoofed
 * X-Forwarded-For, escaping, secrets in logs, and production refusing to start without its
 * secrets. Items already proven elsewhere (order ownership in retry_test, cart cookies in
 * cart_test, config in lib/config_test) are not repeated here.
 */
import assert from "node:assert/strict";
import { logsOf } from "@/lib/log_capture.ts";
import { serializeSigned } from "hono/utils/cookie";
import { ADMIN_COOKIE } from "@/lib/admin/auth.ts";
import { signOrderToken } from "@/lib/checkout/owner_token.ts";
import { FORM_TOKEN_TTL_MS, keys } from "@/lib/db/keys.ts";
import { createProduct, randomProduct } from "@/lib/db/products.ts";
import { setStockLevel } from "@/lib/stock/stock.ts";
import {
  stripeDispute,
  stripePaymentIntent,
  stripeSession,
} from "@/lib/payments/stripe_fixtures.ts";
import { createTestApp, type TestApp } from "../support/app.ts";
import {
  act,
  ADMIN_PASSWORD,
  adminApp,
  getPage,
  postForm,
  postLogin,
  signIn,
  tokenFrom,
  writeOrders,
} from "../support/admin.ts";
import {
  assertUnchanged,
  checkout,
  checkoutOk,
  orderOf,
  postEvent,
  productBySlug,
  snapshot,
  WEBHOOK_SECRET,
} from "../support/shop.ts";

async function testApp(env: Record<string, string> = {}) {
  const app = await createTestApp({ env });
  return Object.assign(app, { [Symbol.asyncDispose]: () => app.close() });
}

const FORM = "application/x-www-form-urlencoded";

/** One request over a raw socket, bytes as given (no URL normalisation); the whole answer. */
async function rawHttp(app: TestApp, head: string): Promise<{ status: number; text: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(new URL(app.url).port) });
  try {
    await conn.write(new TextEncoder().encode(head));
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(64 * 1024);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
    const text = new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
    return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text };
  } finally {
    try {
      conn.close();
    } catch { /* closed by the server */ }
  }
}

/** A body streamed in 1 KiB chunks, so no Content-Length announces its size. */
function streamed(path: string, type: string, text: string, headers: Record<string, string> = {}) {
  const bytes = new TextEncoder().encode(text);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 1024) controller.enqueue(bytes.slice(i, i + 1024));
      controller.close();
    },
  });
  return new Request(`http://localhost${path}`, {
    method: "POST",
    headers: { "content-type": type, ...headers },
    body,
    duplex: "half",
  } as RequestInit);
}

Deno.test("admin CSRF: 14 kinds of forged admin POST are refused with 403 and change nothing; the real form then works once", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const other = await signIn(app);
  const [order] = await writeOrders(app.kv, 1);
  const path = `/admin/orders/${order.id}`;
  const api = `/api/admin/orders/${order.id}/actions`;
  const token = await tokenFrom(app, cookie, path);
  const stale = await tokenFrom(app, cookie, path);
  const othersToken = await tokenFrom(app, other, path);
  const [issued, nonce, sig] = token.split(".");
  const redated = `${(parseInt(issued, 36) + 60_000).toString(36)}.${nonce}.${sig}`;
  const cancel = { action: "cancel", reason: "forged by another site", confirmed: "yes" };
  const form = (
    fields: Record<string, string>,
    headers: Record<string, string> = {},
    query = "",
  ) => postForm(app, cookie, `${path}${query}`, { ...cancel, ...fields }, headers);
  const json = (body: unknown, headers: Record<string, string> = {}) =>
    app.app.request(api, {
      method: "POST",
      headers: { "content-type": "application/json", cookie, ...headers },
      body: JSON.stringify(body),
    });
  const forgeries: [string, () => Response | Promise<Response>][] = [
    ["no token", () => form({})],
    ["a made-up token", () => form({ _token: `${issued}.${"0".repeat(32)}.${"f".repeat(64)}` })],
    ["another admin session's token", () => form({ _token: othersToken })],
    ["a token re-dated to look fresh", () => form({ _token: redated })],
    [
      "a valid token, foreign Origin",
      () => form({ _token: token }, { origin: "https://evil.example" }),
    ],
    ["a valid token, Origin: null", () => form({ _token: token }, { origin: "null" })],
    [
      "a valid token, a look-alike Origin",
      () => form({ _token: token }, { origin: "http://localhost.evil.example" }),
    ],
    [
      "a valid token, no Origin, Sec-Fetch-Site: cross-site",
      () => form({ _token: token }, { "sec-fetch-site": "cross-site" }),
    ],
    [
      "a valid token, Sec-Fetch-Site: same-site (a sibling subdomain)",
      () => form({ _token: token }, { "sec-fetch-site": "same-site" }),
    ],
    ["the token in the query string", () => form({}, {}, `?_token=${encodeURIComponent(token)}`)],
    [
      "the token in a text/plain body (enctype=text/plain)",
      () =>
        app.app.request(path, {
          method: "POST",
          headers: { "content-type": "text/plain", cookie },
          body: `_token=${token}&action=cancel&reason=forged`,
          redirect: "manual",
        }),
    ],
    ["JSON with the token in the body, not X-CSRF-Token", () => json({ ...cancel, _token: token })],
    [
      "JSON with a valid X-CSRF-Token from a foreign Origin",
      () => json(cancel, { "x-csrf-token": token, origin: "https://evil.example" }),
    ],
  ];
  const before = await snapshot(app.kv);
  for (const [kind, send] of forgeries) {
    const res = await send();
    const text = await res.text();
    assert.equal(res.status, 403, `${kind}: ${res.status} ${text.slice(0, 200)}`);
    assert.equal(res.headers.get("location"), null, kind);
  }
  const start = Date.now();
  app.deps.now = () => new Date(start + FORM_TOKEN_TTL_MS + 1000);
  const expired = await form({ _token: stale });
  app.deps.now = () => new Date();
  assert.equal(expired.status, 403, "an expired token");
  assert.match(await expired.text(), /expired/);
  await assertUnchanged(app.kv, before);
  assert.equal((await orderOf(app, order.id)).status, "pending");

  // The same token, sent properly, works: the refusals above were the forgery, not the token.
  const real = await form({ _token: token }, { origin: "http://localhost" });
  assert.equal(real.status, 303);
  assert.equal((await orderOf(app, order.id)).status, "cancelled");
  const replay = await form({ _token: token });
  assert.equal(replay.status, 409, "a replayed form");
  await replay.body?.cancel();
});

Deno.test("sign-in never adopts a session id the browser brought; sign-out ends the session for pages, forms and JSON", async () => {
  await using app = await adminApp();
  const [order] = await writeOrders(app.kv, 1);
  const path = `/admin/orders/${order.id}`;
  const ended = await signIn(app);
  const laterToken = await tokenFrom(app, ended, path);
  const out = await postForm(app, ended, "/admin/logout", { _token: await tokenFrom(app, ended) });
  assert.equal(out.status, 303);
  const endedId = decodeURIComponent(ended.split("=")[1]).split(".")[0];
  assert.equal((await app.kv.get(keys.adminSession(endedId))).value, null, "gone from KV");

  // After sign-out the old cookie opens nothing, and its form token does nothing.
  const page = await getPage(app, ended, "/admin");
  assert.equal(page.status, 303);
  const apiRead = await getPage(app, ended, `/api/admin/orders/${order.id}`);
  assert.equal(apiRead.status, 401);
  const before = await snapshot(app.kv);
  const formPost = await postForm(app, ended, path, {
    _token: laterToken,
    action: "cancel",
    reason: "after sign-out",
  });
  assert.equal(formPost.status, 401);
  const jsonPost = await app.app.request(`/api/admin/orders/${order.id}/actions`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie: ended, "x-csrf-token": laterToken },
    body: JSON.stringify({ action: "cancel", reason: "after sign-out" }),
  });
  assert.equal(jsonPost.status, 401);
  await assertUnchanged(app.kv, before);

  const chosen = "ab".repeat(24);
  const foreignSigned = await serializeSigned(
    ADMIN_COOKIE,
    chosen,
    "another-secret-another-secret!!",
  );
  const planted = [ended, `${ADMIN_COOKIE}=${chosen}`, foreignSigned.split(";")[0]];
  const issued = new Set<string>();
  for (const fixed of planted) {
    assert.equal((await getPage(app, fixed, "/admin")).status, 303, `${fixed} is signed out`);
    const res = await postLogin(app, ADMIN_PASSWORD, undefined, { cookie: fixed });
    assert.equal(res.status, 303);
    const fresh = res.headers.get("set-cookie")!.split(";")[0];
    assert.notEqual(fresh, fixed, "a new session, not the one brought");
    assert.notEqual(decodeURIComponent(fresh).split("=")[1].split(".")[0], chosen);
    issued.add(fresh);
    assert.equal((await getPage(app, fresh, "/admin")).status, 200);
    assert.equal((await getPage(app, fixed, "/admin")).status, 303, "the planted one still is not");
  }
  assert.equal(issued.size, planted.length, "every sign-in gets its own session");
  assert.equal((await app.kv.get(keys.adminSession(chosen))).value, null);
});

Deno.test("next= only ever leads to a path on this site, on sign-in and when already signed in", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const offsite = [
    "//evil.example/",
    "///evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "https://evil.example/admin",
    "http:evil.example",
    "javascript:alert(1)",
    "data:text/html,hi",
    "/\t/evil.example",
    "/\n/evil.example",
    "/admin\r\nSet-Cookie: planted=1",
    " //evil.example",
    "evil.example",
    "//localhost@evil.example",
    `/${"a".repeat(2001)}`,
  ];
  const origin = "http://localhost";
  const landing = async (res: Response) => {
    await res.body?.cancel();
    assert.equal(res.status, 303);
    return res.headers.get("location")!;
  };
  for (const next of offsite) {
    const what = JSON.stringify(next).slice(0, 40);
    const posted = await landing(await postLogin(app, ADMIN_PASSWORD, next));
    assert.equal(posted, "/admin", `sign-in with ${what}`);
    const got = await landing(
      await getPage(app, cookie, `/admin/login?next=${encodeURIComponent(next)}`),
    );
    assert.equal(got, "/admin", `signed in, ${what}`);
  }
  // Odd but on this site: kept, and still resolving to this origin.
  for (const next of ["/admin/orders/x?a=1&b=%2F%2Fevil", "/%2F%2Fevil.example", "/./admin"]) {
    for (
      const res of [
        await postLogin(app, ADMIN_PASSWORD, next),
        await getPage(app, cookie, `/admin/login?next=${encodeURIComponent(next)}`),
      ]
    ) {
      const location = await landing(res);
      assert.equal(location, next);
      assert.equal(new URL(location, origin).origin, origin, next);
    }
  }
});

Deno.test("static files and island bundles serve nothing outside their folders, however the path is spelled", async () => {
  await using app = await testApp();
  const html = await (await app.app.request("/")).text();
  const bundle = /\/_fresh\/js\/[\w.-]+\.js/.exec(html)?.[0];
  assert.ok(bundle, "the shop page loads an island bundle");
  const secrets = [/"imports"\s*:/, /root:x?:0:0/, /loadConfigOrExit/, /SESSION_SECRET/];
  const paths = [
    "/../deno.json",
    "/images/../../deno.json",
    "/%2e%2e/deno.json",
    "/%2E%2E/%2E%2E/etc/passwd",
    "/images/%2e%2e/%2e%2e/deno.json",
    "/images/..%2f..%2fdeno.json",
    "/images/..%5c..%5cdeno.json",
    "/images/%252e%252e/deno.json",
    "/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "//etc/passwd",
    "/static/favicon.svg",
    "/favicon.svg/../../main.ts",
    "/images/%00/../../deno.json",
    "/_fresh/js/../../deno.json",
    "/_fresh/js/..%2f..%2fdeno.json",
    "/_fresh/js/%2e%2e%2f%2e%2e%2fmain.ts",
    "/_fresh/js/....//....//deno.json",
    `${bundle}/../../../deno.json`,
    "/deno.json",
    "/main.ts",
    "/lib/config.ts",
    "/.env",
  ];
  for (const path of paths) {
    const viaApp = await app.app.request(path);
    const body = await viaApp.text();
    assert.equal(viaApp.status, 404, `app.request ${path}`);
    const viaSocket = await rawHttp(
      app,
      `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`,
    );
    assert.ok([400, 404].includes(viaSocket.status), `socket ${path}: ${viaSocket.status}`);
    for (const secret of secrets) {
      assert.ok(!secret.test(body) && !secret.test(viaSocket.text), `${path} served ${secret}`);
    }
  }
  // The same socket reads real files whole: the refusals above are not the helper's doing.
  const served = await rawHttp(
    app,
    `GET ${bundle} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`,
  );
  assert.equal(served.status, 200);
  assert.match(served.text, /import|export/);
  assert.equal(
    (await rawHttp(
      app,
      "GET /favicon.svg HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )).status,
    200,
  );
});

Deno.test("prices, currency, order references and quantities come from Settle, whatever the shopper sends", async () => {
  await using app = await testApp();
  const flat = await productBySlug(app, "flat-white-blend");
  const guji = await productBySlug(app, "ethiopia-guji");
  const theirs = await checkoutOk(app, { items: [{ productId: guji.id, quantity: 1 }] });
  const tampered = { unitAmount: 1, price: 1, currency: "usd", amount: 1, lineTotal: 1 };
  const res = await checkout(app, {
    items: [{ productId: flat.id, quantity: 2, ...tampered }],
    currency: "usd",
    amount: 1,
    amount_total: 1,
    total: 1,
    metadata: { order_id: theirs.orderId, order_number: theirs.orderNumber },
  });
  assert.equal(res.status, 200);
  const placed = await res.json();
  const order = await orderOf(app, placed.orderId);
  assert.deepEqual(
    [order.currency, order.total, order.items[0].unitAmount],
    ["nzd", 2 * flat.unitAmount, flat.unitAmount],
  );
  const session = await app.deps.provider.retrieveSession(placed.id);
  assert.deepEqual(
    [session.amountTotal, session.currency, session.metadata.order_id],
    [2 * flat.unitAmount, "nzd", placed.orderId],
    "the shopper's metadata cannot point the session at another order",
  );

  // The cart API and the cart form price from the catalog too.
  const added = await app.app.request("/api/cart/items", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ productId: flat.id, quantity: 1, ...tampered }),
  });
  const view = await added.json();
  assert.deepEqual(
    [view.currency, view.items[0].unitAmount, view.total],
    ["nzd", flat.unitAmount, flat.unitAmount],
  );
  const formAdd = await app.app.request("/cart", {
    method: "POST",
    headers: { "content-type": FORM },
    body: new URLSearchParams({
      action: "add",
      productId: guji.id,
      quantity: "3",
      unitAmount: "1",
      currency: "usd",
      total: "1",
    }),
  });
  assert.equal(formAdd.status, 303);
  const cookie = formAdd.headers.get("set-cookie")!.split(";")[0];
  const formCart = await (await app.app.request("/api/cart", { headers: { cookie } })).json();
  assert.deepEqual(
    [formCart.currency, formCart.items[0].unitAmount, formCart.total],
    ["nzd", guji.unitAmount, 3 * guji.unitAmount],
  );
  const pay = await app.app.request("/checkout", {
    method: "POST",
    headers: { "content-type": FORM, cookie },
    body: new URLSearchParams({ idempotencyKey: "k1", amount: "1", currency: "usd", total: "1" }),
  });
  assert.equal(pay.status, 303);
  const paySession = pay.headers.get("location")!.match(/cs_test_\w+/)![0];
  const payAt = await app.deps.provider.retrieveSession(paySession);
  assert.deepEqual([payAt.amountTotal, payAt.currency], [3 * guji.unitAmount, "nzd"]);

  // Quantities outside 1–99 are refused however they are spelled, and write nothing.
  const before = await snapshot(app.kv);
  for (const quantity of [-1, 0, -0, 100, 1.5, 1e308, "2", null, true]) {
    for (
      const [path, body] of [
        ["/api/cart/items", { productId: flat.id, quantity }],
        ["/api/payments/create-checkout-session", { items: [{ productId: flat.id, quantity }] }],
      ] as const
    ) {
      const refused = await app.app.request(path, {
        method: "POST",
        headers: { "content-type": "application/json", cookie },
        body: JSON.stringify(body),
      });
      assert.equal(refused.status, 400, `${path} quantity ${JSON.stringify(quantity)}`);
      await refused.body?.cancel();
    }
  }
  const spellings = ["-1", "0", "100", "1e2", "0x64", "1.5", "Infinity", "NaN", "", "  ", "1,5"];
  for (const quantity of [...spellings, "9".repeat(30)]) {
    for (const action of ["add", "set"]) {
      const refused = await app.app.request("/cart", {
        method: "POST",
        headers: { "content-type": FORM, cookie },
        body: new URLSearchParams({ action, productId: guji.id, quantity }),
      });
      assert.equal(refused.status, 400, `form ${action} quantity ${JSON.stringify(quantity)}`);
      await refused.body?.cancel();
    }
  }
  await assertUnchanged(app.kv, before);
});

Deno.test("oversized bodies are refused with 413 even when streamed, on every form route, the JSON API and the webhook", async () => {
  await using app = await adminApp();
  const before = await snapshot(app.kv);
  const form = `action=add&pad=${"x".repeat(5000)}`;
  for (const path of ["/cart", "/checkout", "/checkout/cancel", "/admin/login"]) {
    const declared = await app.app.request(path, {
      method: "POST",
      headers: { "content-type": FORM },
      body: form,
    });
    assert.equal(declared.status, 413, `${path} with Content-Length`);
    await declared.body?.cancel();
    const res = await app.app.request(streamed(path, FORM, form));
    assert.equal(res.status, 413, `${path} streamed`);
    await res.body?.cancel();
  }
  const json = JSON.stringify({ items: [], pad: "x".repeat(17 * 1024) });
  for (
    const path of [
      "/api/cart/items",
      "/api/payments/create-checkout-session",
      "/api/orders/01JZZZZZZZZZZZZZZZZZZZZZZZ/retry-session",
    ]
  ) {
    const res = await app.app.request(streamed(path, "application/json", json));
    assert.equal(res.status, 413, `${path} streamed`);
    assert.equal((await res.json()).error.code, "payload_too_large");
  }
  const hook = await app.app.request(
    streamed("/api/payments/webhook", "application/json", "x".repeat(1024 * 1024 + 1), {
      "stripe-signature": "t=1,v1=00",
    }),
  );
  assert.equal(hook.status, 413, "webhook streamed past 1 MiB");
  await hook.body?.cancel();
  await assertUnchanged(app.kv, before);
});

Deno.test("oversized headers are refused at the socket, a large cookie is no cart, and the server stays up", async () => {
  await using app = await testApp();
  const before = await snapshot(app.kv);
  const hugeCookie = await rawHttp(
    app,
    `GET /cart HTTP/1.1\r\nHost: localhost\r\nCookie: settle_cart=${"z".repeat(200_000)}\r\n` +
      "Connection: close\r\n\r\n",
  );
  assert.ok([400, 431].includes(hugeCookie.status), `200 KB header: ${hugeCookie.status}`);
  const many = Array.from({ length: 2000 }, (_, i) => `X-Pad-${i}: ${"a".repeat(60)}\r\n`).join("");
  const manyHeaders = await rawHttp(
    app,
    `GET /healthz HTTP/1.1\r\nHost: localhost\r\n${many}Connection: close\r\n\r\n`,
  );
  assert.ok([400, 431].includes(manyHeaders.status), `2,000 headers: ${manyHeaders.status}`);
  const cookie = `settle_cart=${"z".repeat(60_000)}; settle_admin=${"y".repeat(4000)}`;
  const cart = await app.app.request("/cart", { headers: { cookie } });
  assert.equal(cart.status, 200);
  assert.match(await cart.text(), /Your cart is empty/);
  const write = await app.app.request("/api/cart/items", {
    method: "POST",
    headers: { "content-type": "application/json", cookie, "idempotency-key": "k".repeat(8000) },
    body: JSON.stringify({ productId: "nope", quantity: 0 }),
  });
  assert.equal(write.status, 400);
  await write.body?.cancel();
  await assertUnchanged(app.kv, before);
  const alive = await fetch(`${app.url}/healthz`);
  assert.equal(alive.status, 200);
  await alive.body?.cancel();
});

Deno.test("without TRUST_PROXY a spoofed X-Forwarded-For changes neither the logged client nor the limit, over a real connection", async () => {
  await using app = await testApp({ RATE_LIMIT_CART_PER_MIN: "2" });
  const url = app.url.replace("localhost", "127.0.0.1");
  const statuses: number[] = [];
  const lines = await logsOf(async () => {
    for (const spoof of ["203.0.113.1", "203.0.113.2", "198.51.100.9, 10.0.0.1", "::1"]) {
      const res = await fetch(`${url}/api/cart/items`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": spoof },
        body: "{}",
      });
      await res.body?.cancel();
      statuses.push(res.status);
    }
  });
  assert.deepEqual(statuses, [400, 400, 429, 429], "one client, however it names itself");
  const access = lines.filter((l) => l.path === "/api/cart/items");
  assert.equal(access.length, 4);
  for (const line of access) assert.equal(line.client, "127.0.0.1");
  const text = JSON.stringify(lines);
  for (const spoof of ["203.0.113", "198.51.100.9"]) assert.ok(!text.includes(spoof), spoof);
  for await (const e of app.kv.list({ prefix: ["rate_limits"] })) {
    assert.ok(!JSON.stringify(e.key).includes("203.0.113"), JSON.stringify(e.key));
  }
});

Deno.test("passwords, secrets, cookies, tokens and raw bodies never reach the logs, even at debug level", async () => {
  const env = {
    ADMIN_PASSWORD,
    SESSION_SECRET: "held-session-secret-held-session-secret!",
    STRIPE_WEBHOOK_SECRET: "whsec_held_webhook_secret_value",
  };
  await using app = await testApp(env);
  const flat = await productBySlug(app, "flat-white-blend");
  const secrets = [
    ADMIN_PASSWORD,
    "wrong-password-typed-by-admin",
    env.SESSION_SECRET,
    env.STRIPE_WEBHOOK_SECRET,
    "4242424242424242",
    "ana.shopper@example.com",
    "body-only-marker",
  ];
  const lines = await logsOf(async () => {
    for (const password of ["wrong-password-typed-by-admin", ADMIN_PASSWORD]) {
      const res = await postLogin(app, password);
      const admin = res.headers.get("set-cookie");
      if (admin) secrets.push(admin.split(";")[0].split("=")[1]);
      await res.body?.cancel();
    }
    const added = await app.app.request("/api/cart/items", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ productId: flat.id, quantity: 1, note: "body-only-marker" }),
    });
    const cart = added.headers.get("set-cookie")!.split(";")[0];
    secrets.push(cart.split("=")[1]);
    await added.body?.cancel();
    const placed = await checkoutOk(app, { items: [{ productId: flat.id, quantity: 1 }] });
    const token = await signOrderToken(app.deps.secret, placed.orderId);
    secrets.push(token);
    const page = await app.app.request(`/orders/${placed.orderId}?token=${token}`, {
      headers: { cookie: cart },
    });
    await page.body?.cancel();
    const retry = await app.app.request(`/api/orders/${placed.orderId}/retry-session`, {
      method: "POST",
      headers: { "x-order-token": token, cookie: cart },
    });
    await retry.body?.cancel();
    const customer = { email: "ana.shopper@example.com", name: "Ana", phone: null };
    const events: [string, unknown][] = [
      [
        "checkout.session.completed",
        stripeSession({
          id: "cs_test_held_unknown",
          customer_details: customer,
          metadata: { note: "4242424242424242 body-only-marker" },
        }),
      ],
      [
        "payment_intent.payment_failed",
        stripePaymentIntent({
          id: "pi_held_unknown",
          metadata: {},
          last_payment_error: { message: "card 4242424242424242 declined body-only-marker" },
        }),
      ],
      // Signed but unreadable: kept as malformed, and logged as a warning.
      ["charge.refunded", { id: "ch_held", currency: 7, receipt_email: customer.email }],
    ];
    for (const [type, object] of events) {
      const res = await postEvent(app, type, object, { secret: env.STRIPE_WEBHOOK_SECRET });
      assert.equal(res.status, 200, `${type}: ${await res.clone().text()}`);
      await res.body?.cancel();
    }
  });
  assert.ok(lines.some((l) => l.level === "warn"), "the malformed event was logged");
  assert.ok(lines.filter((l) => l.message === "request").length >= 9, "access lines were written");
  const text = lines.map((l) => JSON.stringify(l)).join("\n");
  for (const secret of secrets) {
    assert.ok(secret.length >= 8, secret);
    assert.ok(!text.includes(secret), `${secret.slice(0, 12)}… reached the logs`);
    assert.ok(!text.includes(encodeURIComponent(secret)), `${secret.slice(0, 12)}… (encoded)`);
  }
  assert.ok(!text.includes(WEBHOOK_SECRET));
});

/** main.ts with exactly `env` (and what deno itself needs); its exit code and output. */
async function startMain(env: Record<string, string>, waitMs = 30_000) {
  const inherited = ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME", "TMPDIR"]
    .flatMap((name) => Deno.env.get(name) ? [[name, Deno.env.get(name)!]] : []);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts"],
    cwd: new URL("../../", import.meta.url).pathname,
    clearEnv: true,
    env: { ...Object.fromEntries(inherited), ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const err = new Response(child.stderr).text();
  const deadline = setTimeout(() => child.kill("SIGKILL"), waitMs);
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    out += value;
    if (/listening on/.test(out)) child.kill("SIGTERM");
  }
  const status = await child.status;
  clearTimeout(deadline);
  return { code: status.code, out, err: await err };
}

Deno.test("production refuses to start without each of its secrets: main.ts exits 1 naming it, and never listens", async () => {
  const dir = await Deno.makeTempDir({ prefix: "settle_held_" });
  try {
    const complete: Record<string, string> = {
      SETTLE_ENV: "production",
      PORT: "0",
      KV_PATH: `${dir}/settle.kv`,
      STRIPE_SECRET_KEY: "sk_live_51Hfakefakefake",
      STRIPE_WEBHOOK_SECRET: "whsec_fake_fake_fake",
      ADMIN_PASSWORD: "correct horse battery",
      SESSION_SECRET: "0123456789abcdef0123456789abcdef",
      PUBLIC_ORIGIN: "https://shop.example",
      RECONCILE_CRON: "off",
      LOG_LEVEL: "error",
    };
    const without = (name: string) =>
      Object.fromEntries(Object.entries(complete).filter(([k]) => k !== name));
    const cases: [string, Record<string, string>, RegExp][] = [
      ...["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "ADMIN_PASSWORD", "SESSION_SECRET"].map(
        (name) =>
          [`no ${name}`, without(name), new RegExp(name)] as [
            string,
            Record<string, string>,
            RegExp,
          ],
      ),
      ["no PUBLIC_ORIGIN", without("PUBLIC_ORIGIN"), /PUBLIC_ORIGIN/],
      [
        "a plain-http PUBLIC_ORIGIN",
        { ...complete, PUBLIC_ORIGIN: "http://shop.example" },
        /PUBLIC_ORIGIN/,
      ],
      ["a short SESSION_SECRET", { ...complete, SESSION_SECRET: "short" }, /SESSION_SECRET/],
      [
        "nothing at all",
        { SETTLE_ENV: "production", PORT: "0", KV_PATH: `${dir}/x.kv` },
        /STRIPE_SECRET_KEY.*SESSION_SECRET|SESSION_SECRET.*STRIPE_SECRET_KEY/s,
      ],
    ];
    const runs = await Promise.all(cases.map(([, env]) => startMain(env)));
    cases.forEach(([what, , named], i) => {
      const { code, out, err } = runs[i];
      assert.equal(code, 1, `${what}: exit ${code}\n${out}\n${err}`);
      assert.match(err, named, what);
      assert.ok(!/listening on/.test(out), `${what} listened`);
    });
    // The complete environment does start: the refusals above are the missing secret's.
    const started = await startMain(complete);
    assert.match(started.out, /Settle \(production\) listening on/, started.err);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

const SCRIPT = "</script><script>alert(1)</script>";
const ATTRIBUTE = `"><img src=x onerror=alert(1)>`;
/** For fields that refuse spaces (an Idempotency-Key, a `next` path). */
const TIGHT = `/"><svg/onload=alert(1)></script><script>alert(1)</script>`;

/** No live markup from `html`; and the text is shown (escaped, in HTML or in JSON props). */
function assertInert(html: string, where: string, shows?: RegExp) {
  for (const live of ["<script>alert(1)", "<img src=x", "<svg/onload"]) {
    assert.ok(!html.includes(live), `${where}: ${live} is live`);
  }
  if (shows) assert.match(html, shows, `${where} shows the text`);
}

Deno.test("strings set by admins, shoppers and the provider are escaped on every page that shows them", async () => {
  await using app = await adminApp();
  const admin = await signIn(app);
  // Admin-set: a product's title and description, on every shop page and in island props.
  const product = await createProduct(
    app.kv,
    randomProduct({ title: `Mug ${SCRIPT} ${ATTRIBUTE}`, description: `${SCRIPT}${ATTRIBUTE}` }),
    5,
  );
  const added = await app.app.request("/cart", {
    method: "POST",
    headers: { "content-type": FORM },
    body: new URLSearchParams({ action: "add", productId: product.id, quantity: "1" }),
  });
  const cookie = added.headers.get("set-cookie")!.split(";")[0];
  const escaped = /&lt;\/script>|\\u003c\/script|&lt;\/script&gt;/;
  for (const path of ["/", `/products/${product.slug}`, "/cart", "/checkout"]) {
    const html = await (await app.app.request(path, { headers: { cookie } })).text();
    assertInert(html, path, escaped);
  }

  // Shopper-set: a posted Idempotency-Key shown again on a refused Pay, a product id on a
  // refused cart form, metadata, a `next` path, and a made-up URL.
  await setStockLevel(app.kv, product.id, 0, { reason: "test", actor: "test" });
  const pay = await app.app.request("/checkout", {
    method: "POST",
    headers: { "content-type": FORM, cookie },
    body: new URLSearchParams({ idempotencyKey: TIGHT }),
  });
  assert.equal(pay.status, 422);
  assertInert(await pay.text(), "refused Pay", /svg\/onload/);
  const cartForm = await app.app.request("/cart", {
    method: "POST",
    headers: { "content-type": FORM, cookie },
    body: new URLSearchParams({ action: "add", productId: `${SCRIPT}${ATTRIBUTE}`, quantity: "1" }),
  });
  assert.equal(cartForm.status, 422);
  assertInert(await cartForm.text(), "refused cart form", escaped);
  const login = await app.app.request(`/admin/login?next=${encodeURIComponent(TIGHT)}`);
  assertInert(await login.text(), "login next", /svg\/onload/);
  const notFound = await app.app.request(`/${encodeURIComponent(SCRIPT)}`);
  assert.equal(notFound.status, 404);
  assertInert(await notFound.text(), "404 page");
  await setStockLevel(app.kv, product.id, 5, { reason: "test", actor: "test" });
  const placed = await checkoutOk(app, {
    items: [{ productId: product.id, quantity: 1 }],
    metadata: { [`k${ATTRIBUTE}`.slice(0, 40)]: `${SCRIPT}${ATTRIBUTE}` },
  });

  // Provider-set: a decline message on the order, ids and amounts on kept events.
  await postEvent(
    app,
    "payment_intent.payment_failed",
    stripePaymentIntent({
      id: `pi_test_${placed.orderId}`,
      metadata: { order_id: placed.orderId },
      last_payment_error: { code: "card_declined", message: `${SCRIPT}${ATTRIBUTE}` },
    }),
  );
  await postEvent(
    app,
    "charge.dispute.created",
    stripeDispute({ id: `dp_${ATTRIBUTE}`, payment_intent: `pi_${SCRIPT}`, reason: SCRIPT }),
  );
  await postEvent(app, "charge.refunded", { id: `ch_${SCRIPT}`, currency: 7, object: ATTRIBUTE });

  // Admin-set: reasons and notes in the order's history.
  const [flagged] = await writeOrders(app.kv, 1, (o) => {
    o.needsAttention = [{ reason: "task_dead", at: o.createdAt, detail: SCRIPT }];
  });
  const ack = await act(app, admin, flagged.id, {
    action: "acknowledge",
    flag: "task_dead",
    note: `${SCRIPT}${ATTRIBUTE}`,
  });
  assert.equal(ack.status, 303);
  const cancel = await act(app, admin, placed.orderId, {
    action: "cancel",
    reason: `${SCRIPT}${ATTRIBUTE}`,
    confirmed: "yes",
  });
  assert.equal(cancel.status, 303);
  for (
    const path of [
      "/admin",
      `/admin/orders/${placed.orderId}`,
      `/admin/orders/${flagged.id}`,
      "/admin/events",
      `/admin?q=${encodeURIComponent(SCRIPT)}`,
    ]
  ) {
    const res = await getPage(app, admin, path);
    assert.equal(res.status, 200, path);
    assertInert(await res.text(), path, /&lt;\/script>|&lt;\/script&gt;|&lt;img/);
  }
  const status = await app.app.request(
    `/orders/${placed.orderId}?token=${await signOrderToken(app.deps.secret, placed.orderId)}`,
  );
  assertInert(await status.text(), "order status page", escaped);
});
