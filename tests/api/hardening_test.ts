/**
 * Abuse and hardening through the whole app: rate limits per client, security headers and
 * CORS on every kind of response, request ids, redacted access logs, health probes.
 */
import assert from "node:assert/strict";
import { logsOf } from "@/lib/log_capture.ts";
import { createTestApp, eventually, type TestApp } from "../support/app.ts";

const PUBLIC_ORIGIN = "https://shop.example";

async function withApp(env: Record<string, string>, fn: (app: TestApp) => Promise<void>) {
  const app = await createTestApp({ env: { PUBLIC_ORIGIN, ...env } });
  try {
    await fn(app);
  } finally {
    await app.close();
  }
}

function send(app: TestApp, method: string, path: string, headers: Record<string, string> = {}) {
  return app.app.request(path, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: method === "GET" || method === "OPTIONS" ? undefined : "{}",
  });
}

Deno.test("the third cart write of a client is refused; another client is not", async () => {
  await withApp({ RATE_LIMIT_CART_PER_MIN: "2", TRUST_PROXY: "1" }, async (app) => {
    const a = { "x-forwarded-for": "198.51.100.1, 10.0.0.1" };
    const b = { "x-forwarded-for": "198.51.100.2, 10.0.0.1" };
    for (const [method, path] of [["POST", "/api/cart/items"], ["PATCH", "/api/cart/items/p1"]]) {
      const res = await send(app, method, path, a);
      await res.body?.cancel();
      assert.notEqual(res.status, 429, `${method} ${path}`);
    }
    const third = await send(app, "DELETE", "/api/cart", a);
    assert.equal(third.status, 429);
    assert.match(third.headers.get("retry-after") ?? "", /^\d+$/);
    assert.ok(Number(third.headers.get("retry-after")) >= 1);
    assert.equal((await third.json()).error.code, "rate_limited");
    assert.ok(third.headers.get("x-request-id"));
    assert.ok(third.headers.get("content-security-policy"));

    const other = await send(app, "POST", "/api/cart/items", b);
    await other.body?.cancel();
    assert.notEqual(other.status, 429);
    const read = await send(app, "GET", "/api/cart", a);
    await read.body?.cancel();
    assert.notEqual(read.status, 429, "reads are not cart writes");
  });
});

Deno.test("without TRUST_PROXY a forged X-Forwarded-For does not buy a fresh limit", async () => {
  await withApp({ RATE_LIMIT_CART_PER_MIN: "2" }, async (app) => {
    const statuses = [];
    for (const ip of ["203.0.113.1", "203.0.113.2", "203.0.113.3"]) {
      const res = await send(app, "POST", "/api/cart/items", { "x-forwarded-for": ip });
      await res.body?.cancel();
      statuses.push(res.status);
    }
    assert.equal(statuses[2], 429);
  });
});

Deno.test("a limit of 0 is off", async () => {
  await withApp({ RATE_LIMIT_CART_PER_MIN: "0" }, async (app) => {
    for (let i = 0; i < 8; i++) {
      const res = await send(app, "POST", "/api/cart/items");
      await res.body?.cancel();
      assert.notEqual(res.status, 429);
    }
  });
});

Deno.test("checkout, retry-session and admin login each have their own limit", async () => {
  const env = {
    RATE_LIMIT_CHECKOUT_PER_MIN: "1",
    RATE_LIMIT_RETRY_PER_MIN: "1",
    RATE_LIMIT_LOGIN_PER_MIN: "1",
  };
  await withApp(env, async (app) => {
    for (
      const path of [
        "/api/payments/create-checkout-session",
        "/api/orders/o1/retry-session",
        "/admin/login",
      ]
    ) {
      const first = await send(app, "POST", path);
      await first.body?.cancel();
      assert.notEqual(first.status, 429, path);
      const second = await send(app, "POST", path);
      await second.body?.cancel();
      assert.equal(second.status, 429, path);
    }
  });
});

Deno.test("security headers and a request id on JSON, static files, 404s and errors", async () => {
  await withApp({ RATE_LIMIT_LOGIN_PER_MIN: "1" }, async (app) => {
    await (await send(app, "POST", "/admin/login")).body?.cancel();
    const requests: [string, string, number][] = [
      ["GET", "/healthz", 200],
      ["GET", "/favicon.svg", 200],
      ["GET", "/no-such-page", 404],
      ["GET", "/api/orders/by-session/cs_unknown", 404],
      ["PUT", "/api/payments/create-checkout-session", 405],
      ["POST", "/admin/login", 429],
    ];
    const ids = new Set<string>();
    for (const [method, path, status] of requests) {
      const res = await send(app, method, path);
      await res.body?.cancel();
      const what = `${method} ${path}`;
      assert.equal(res.status, status, what);
      assert.match(
        res.headers.get("content-security-policy") ?? "",
        /default-src 'self'.*frame-ancestors 'none'/,
        what,
      );
      assert.equal(res.headers.get("x-content-type-options"), "nosniff", what);
      assert.equal(res.headers.get("x-frame-options"), "DENY", what);
      assert.equal(res.headers.get("referrer-policy"), "strict-origin-when-cross-origin", what);
      assert.equal(res.headers.get("strict-transport-security"), null, what);
      ids.add(res.headers.get("x-request-id") ?? "");
    }
    assert.equal(ids.size, requests.length);
    assert.ok(!ids.has(""));
  });
});

Deno.test("the checkout origin of the embedded emulator may receive forms", async () => {
  await withApp({}, async (app) => {
    const res = await send(app, "GET", "/healthz");
    await res.body?.cancel();
    const origin = new URL(app.emulator!.url).origin;
    assert.ok(res.headers.get("content-security-policy")!.includes(
      `form-action 'self' https://checkout.stripe.com ${origin}`,
    ));
  });
});

Deno.test("HSTS in production only", async () => {
  const production = {
    SETTLE_ENV: "production",
    STRIPE_SECRET_KEY: "sk_live_51Hfakefakefake",
    ADMIN_PASSWORD: "correct horse battery",
    LOG_LEVEL: "error",
  };
  await withApp(production, async (app) => {
    const res = await send(app, "GET", "/healthz");
    await res.body?.cancel();
    assert.match(
      res.headers.get("strict-transport-security") ?? "",
      /^max-age=\d+; includeSubDomains$/,
    );
    assert.equal(app.emulator, null);
  });
});

Deno.test("CORS lets the public origin in and no other", async () => {
  await withApp({}, async (app) => {
    const preflight = (origin: string) =>
      send(app, "OPTIONS", "/api/payments/create-checkout-session", {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      });
    const ours = await preflight(PUBLIC_ORIGIN);
    assert.equal(ours.headers.get("access-control-allow-origin"), PUBLIC_ORIGIN);
    assert.match(ours.headers.get("access-control-allow-methods") ?? "", /POST/);
    const theirs = await preflight("https://evil.example");
    assert.deepEqual([...theirs.headers.keys()].filter((k) => k.startsWith("access-control-")), []);
    const get = await send(app, "GET", "/healthz", { origin: "https://evil.example" });
    await get.body?.cancel();
    assert.equal(get.headers.get("access-control-allow-origin"), null);
  });
});

Deno.test("an incoming request id is kept only behind a trusted proxy", async () => {
  const headers = { "x-request-id": "lb-1a2b3c4d5e" };
  await withApp({}, async (app) => {
    const res = await send(app, "GET", "/healthz", headers);
    await res.body?.cancel();
    assert.notEqual(res.headers.get("x-request-id"), "lb-1a2b3c4d5e");
  });
  await withApp({ TRUST_PROXY: "1" }, async (app) => {
    const res = await send(app, "GET", "/healthz", headers);
    await res.body?.cancel();
    assert.equal(res.headers.get("x-request-id"), "lb-1a2b3c4d5e");
  });
});

Deno.test("access logs carry no bodies, signatures, cookies, tokens or query strings", async () => {
  await withApp({}, async (app) => {
    const body = JSON.stringify({
      id: "evt_1",
      type: "checkout.session.completed",
      data: { object: { card: "4242424242424242", customer_email: "ana@example.com" } },
    });
    const lines = await logsOf(async () => {
      const webhook = await app.app.request("/api/payments/webhook", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "stripe-signature": "t=1,v1=f00dfacef00dface",
          cookie: "settle_cart=cart-cookie-value",
          authorization: "Bearer api-token-value",
        },
        body,
      });
      assert.equal(webhook.status, 400);
      await webhook.body?.cancel();
      const view = await send(app, "GET", "/api/orders/by-session/cs_nope?token=order-token-value");
      await view.body?.cancel();
    });
    const access = lines.filter((l) => l.message === "request");
    assert.deepEqual(access.map((l) => [l.method, l.path, l.status]), [
      ["POST", "/api/payments/webhook", 400],
      ["GET", "/api/orders/by-session/cs_nope", 404],
    ]);
    for (const l of access) assert.match(String(l.requestId), /^[0-9a-f-]{36}$/);
    const text = lines.map((l) => JSON.stringify(l)).join("\n");
    for (
      const secret of [
        "4242424242424242",
        "ana@example.com",
        "f00dface",
        "cart-cookie-value",
        "api-token-value",
        "order-token-value",
        "checkout.session.completed",
      ]
    ) {
      assert.ok(!text.includes(secret), `${secret} reached the logs`);
    }
  });
});

Deno.test("a real connection is logged with its address", async () => {
  await withApp({}, async (app) => {
    const lines = await logsOf(async () => {
      const res = await fetch(app.url.replace("localhost", "127.0.0.1") + "/healthz");
      await res.body?.cancel();
    });
    const line = lines.find((l) => l.path === "/healthz");
    assert.equal(line?.client, "127.0.0.1");
    assert.equal(line?.level, "debug", "probes are logged at debug level only");
  });
});

Deno.test("healthz answers without KV; readyz reports KV, the worker and the backlog", async () => {
  await withApp({}, async (app) => {
    const live = await send(app, "GET", "/healthz");
    assert.deepEqual([live.status, await live.json()], [200, { status: "ok" }]);
    assert.equal(live.headers.get("cache-control"), "no-store");
    const ready = await eventually(async () => {
      const res = await send(app, "GET", "/readyz");
      return res.status === 200 ? await res.json() : (await res.body?.cancel(), null);
    });
    assert.equal(ready.status, "ok");
    assert.equal(ready.kv, "ok");
    assert.equal(ready.worker.alive, true);
    assert.ok(Date.now() - Date.parse(ready.worker.lastTickAt) < 15_000);
    assert.equal(typeof ready.backlog, "number");
  });
});
