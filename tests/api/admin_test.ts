/**
 * The admin area over HTTP: every admin route refuses anonymous access (enumerated from
 * the route manifest, so a new one cannot slip through), sign-in and sign-out, sessions
 * that end, the form-token defences, no-store headers, paging and escaping.
 */
import { deepStrictEqual as assertEquals, equal, match, ok } from "node:assert/strict";
import manifest from "@/fresh.gen.ts";
import { hashPassword } from "@/lib/admin/auth.ts";
import { ADMIN_SESSION_TTL_MS, FORM_TOKEN_TTL_MS } from "@/lib/db/keys.ts";
import { createProduct, randomProduct } from "@/lib/db/products.ts";
import { stripePaymentIntent } from "@/lib/payments/stripe_fixtures.ts";
import { createTestApp, type TestApp } from "../support/app.ts";
import {
  ADMIN_PASSWORD,
  adminApp,
  API_TOKEN,
  getPage,
  postForm,
  postLogin,
  signIn,
  tokenFrom,
  writeOrders,
} from "../support/admin.ts";
import { checkoutOk, orderOf, postEvent } from "../support/shop.ts";

const HOSTILE = "<script>alert(1)</script>";
const ESCAPED = "&lt;script>alert(1)&lt;/script>";

/** Every route file under routes/admin/ and routes/api/admin/, as a concrete path. */
function adminRoutes(): { file: string; path: string; api: boolean }[] {
  return Object.keys(manifest.routes)
    .filter((f) => /^\.\/routes\/(api\/)?admin\//.test(f))
    .filter((f) => !/\/_[a-z]+\.tsx?$/.test(f))
    .map((file) => {
      const path = file.replace(/^\.\/routes/, "").replace(/\.tsx?$/, "")
        .replace(/\/index$/, "").replace(/\[[^\]]+\]/g, "x");
      return { file, path, api: path.startsWith("/api/") };
    });
}

const LOGIN = "/admin/login";

Deno.test("every admin route refuses anonymous requests; pages send people to sign in", async () => {
  await using app = await adminApp();
  const routes = adminRoutes();
  const files = routes.map((r) => r.file);
  for (
    const expected of [
      "./routes/admin/index.tsx",
      "./routes/admin/orders/[id].tsx",
      "./routes/admin/logout.ts",
      "./routes/api/admin/orders/[id].ts",
    ]
  ) ok(files.includes(expected), `${expected} is enumerated`);
  const unknown = [
    { file: "(none)", path: "/admin/no-such-page", api: false },
    { file: "(none)", path: "/api/admin/no-such-thing", api: true },
  ];
  for (const { path, api } of [...routes, ...unknown]) {
    const get = await app.app.request(`${path}?a=1`, { redirect: "manual" });
    await get.body?.cancel();
    equal(get.headers.get("cache-control"), "no-store", `GET ${path}`);
    if (path === LOGIN) {
      equal(get.status, 200);
      continue;
    }
    if (api) equal(get.status, 401, `GET ${path}`);
    else {
      equal(get.status, 303, `GET ${path}`);
      equal(get.headers.get("location"), `${LOGIN}?next=${encodeURIComponent(`${path}?a=1`)}`);
    }
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      const res = await app.app.request(path, {
        method,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "action=cancel&reason=anonymous",
        redirect: "manual",
      });
      await res.body?.cancel();
      equal(res.status, 401, `${method} ${path}`);
      equal(res.headers.get("cache-control"), "no-store", `${method} ${path}`);
    }
  }
  // Signed in, the same routes answer (a page, 404 for the made-up order, 405 for a GET
  // of a POST-only route) and none of them sends the admin back to sign in.
  const cookie = await signIn(app);
  for (const { path } of routes.filter((r) => r.path !== LOGIN)) {
    const res = await getPage(app, cookie, path);
    await res.body?.cancel();
    ok([200, 404, 405].includes(res.status), `${path} → ${res.status}`);
    ok(!res.headers.get("location")?.startsWith(LOGIN), path);
  }
});

Deno.test("sign-in: a wrong password is a 401 page; the right one returns to `next`", async () => {
  await using app = await adminApp();
  const wrong = await postLogin(app, "not-it");
  equal(wrong.status, 401);
  equal(wrong.headers.get("set-cookie"), null);
  match(await wrong.text(), /That password is not right/);

  const right = await postLogin(app, ADMIN_PASSWORD, "/admin/orders/abc?x=1");
  equal(right.status, 303);
  equal(right.headers.get("location"), "/admin/orders/abc?x=1");
  const cookie = right.headers.get("set-cookie")!;
  for (const part of ["HttpOnly", "SameSite=Strict", "Path=/"]) ok(cookie.includes(part), part);
  const list = await getPage(app, cookie.split(";")[0], "/admin");
  equal(list.status, 200);
  match(await list.text(), /<h1[^>]*>Orders<\/h1>/);

  for (const next of ["//evil.example/", "https://evil.example/", "/\\evil.example", "/\t/e"]) {
    const res = await postLogin(app, ADMIN_PASSWORD, next);
    equal(res.headers.get("location"), "/admin", JSON.stringify(next));
  }
  const already = await getPage(app, cookie.split(";")[0], `${LOGIN}?next=/admin?q=1`);
  assertEquals([already.status, already.headers.get("location")], [303, "/admin?q=1"]);
});

Deno.test("sign-in posts from other sites are refused before the password is looked at", async () => {
  await using app = await adminApp();
  const crossSite: Record<string, string>[] = [
    { origin: "https://evil.example" },
    { "sec-fetch-site": "cross-site" },
  ];
  for (const headers of crossSite) {
    const res = await postLogin(app, ADMIN_PASSWORD, undefined, headers);
    await res.body?.cancel();
    equal(res.status, 403);
    equal(res.headers.get("set-cookie"), null);
  }
  const same = await postLogin(app, ADMIN_PASSWORD, undefined, { origin: "http://localhost" });
  equal(same.status, 303);
});

Deno.test("ADMIN_PASSWORD_HASH signs in with the password it was made from", async () => {
  const app = await createTestApp({
    env: { ADMIN_PASSWORD_HASH: await hashPassword("from-a-hash-123") },
  });
  try {
    equal((await postLogin(app, "from-a-hash-123")).status, 303);
    const wrong = await postLogin(app, "from-a-hash-124");
    await wrong.body?.cancel();
    equal(wrong.status, 401);
  } finally {
    await app.close();
  }
});

Deno.test("signing out ends the session: the old cookie is refused afterwards", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const noToken = await postForm(app, cookie, "/admin/logout", {});
  await noToken.body?.cancel();
  equal(noToken.status, 403, "a link elsewhere cannot sign the admin out");
  const out = await postForm(app, cookie, "/admin/logout", {
    _token: await tokenFrom(app, cookie),
  });
  equal(out.status, 303);
  equal(out.headers.get("location"), LOGIN);
  match(out.headers.get("set-cookie")!, /Max-Age=0/);
  const after = await getPage(app, cookie, "/admin");
  equal(after.status, 303);
  match(after.headers.get("location")!, /^\/admin\/login/);
});

Deno.test("a session past its expiry is refused", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const start = Date.now();
  app.deps.now = () => new Date(start + ADMIN_SESSION_TTL_MS - 60_000);
  equal((await getPage(app, cookie, "/admin")).status, 200);
  app.deps.now = () => new Date(start + ADMIN_SESSION_TTL_MS + 1);
  equal((await getPage(app, cookie, "/admin")).status, 303);
});

async function pendingOrder(app: TestApp): Promise<string> {
  const [order] = await writeOrders(app.kv, 1);
  return order.id;
}

Deno.test("state-changing requests need this session's fresh, unused, same-origin token", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const other = await signIn(app);
  const orderId = await pendingOrder(app);
  const path = `/admin/orders/${orderId}`;
  const cancel = { action: "cancel", reason: "testing the defences", confirmed: "yes" };
  const attempt = async (fields: Record<string, string>, headers = {}) => {
    const res = await postForm(app, cookie, path, { ...cancel, ...fields }, headers);
    const text = await res.text();
    return { status: res.status, text };
  };
  equal((await attempt({})).status, 403, "no token");
  equal((await attempt({ _token: "garbage" })).status, 403, "forged token");
  equal(
    (await attempt({ _token: await tokenFrom(app, other, path) })).status,
    403,
    "other session",
  );
  const token = await tokenFrom(app, cookie, path);
  equal((await attempt({ _token: token }, { origin: "https://evil.example" })).status, 403);
  equal((await attempt({ _token: token }, { "sec-fetch-site": "cross-site" })).status, 403);
  equal((await orderOf(app, orderId)).status, "pending", "nothing happened yet");

  const stale = await tokenFrom(app, cookie, path);
  const start = Date.now();
  app.deps.now = () => new Date(start + FORM_TOKEN_TTL_MS + 1000);
  const expired = await attempt({ _token: stale });
  equal(expired.status, 403);
  match(expired.text, /expired/);
  app.deps.now = () => new Date();

  equal((await attempt({ _token: token })).status, 303, "the real form works");
  equal((await orderOf(app, orderId)).status, "cancelled");
  const replay = await attempt({ _token: token });
  equal(replay.status, 409);
  match(replay.text, /already submitted/);
});

Deno.test("the admin JSON actions: session + X-CSRF-Token, or the API token", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const orderId = await pendingOrder(app);
  const url = `/api/admin/orders/${orderId}/actions`;
  const send = (headers: Record<string, string>, body: unknown) =>
    app.app.request(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
  const markPaid = { action: "mark_paid", reason: "bank transfer 1234" };
  const bare = await send({ cookie }, markPaid);
  assertEquals([bare.status, (await bare.json()).error.code], [403, "forbidden"]);
  const csrf = await send({ cookie, "x-csrf-token": await tokenFrom(app, cookie) }, markPaid);
  equal(csrf.status, 200);
  const done = await csrf.json();
  assertEquals([done.action, done.order.status], ["mark_paid", "paid"]);
  const again = await send({ authorization: `Bearer ${API_TOKEN}` }, markPaid);
  equal(again.status, 409, "already paid");
  equal(again.headers.get("cache-control"), "no-store");
  const invalid = await send({ authorization: `Bearer ${API_TOKEN}` }, {
    action: "refund",
  });
  equal(invalid.status, 400);
});

Deno.test("the list pages through every order once, newest first, in each view", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const orders = await writeOrders(app.kv, 60, (order, i) => {
    if (i % 3 === 0) order.status = "expired";
    if (i % 5 === 0) order.needsAttention = [{ reason: "task_dead", at: order.createdAt }];
    if (i % 7 === 1) {
      order.status = "paid";
      order.payment.status = "refunded";
    }
  });
  const idsOn = (html: string) =>
    [...html.matchAll(/<tr[^>]*data-order="([^"]+)"/g)].map((m) => m[1]);
  const link = (html: string, rel: string) => {
    const href = new RegExp(`<a href="([^"]+)"[^>]*rel="${rel}"`).exec(html)?.[1];
    return href?.replaceAll("&amp;", "&") ?? null;
  };
  const views: [string, typeof orders][] = [
    ["/admin", orders],
    ["/admin?status=expired", orders.filter((o) => o.status === "expired")],
    ["/admin?attention=1", orders.filter((o) => o.needsAttention.length)],
    // Refunds are a payment status: the order stays paid, and shows under both.
    ["/admin?payment=refunded", orders.filter((o) => o.payment.status === "refunded")],
    ["/admin?status=paid", orders.filter((o) => o.status === "paid")],
  ];
  for (const [start, expected] of views) {
    const seen: string[] = [];
    const pages: string[] = [];
    let path: string | null = start;
    while (path) {
      pages.push(path);
      const html = await (await getPage(app, cookie, path)).text();
      seen.push(...idsOn(html));
      path = link(html, "next");
    }
    assertEquals(seen, expected.map((o) => o.id).reverse(), start);
    // And back: each "Newer" link leads to the page before.
    let html = await (await getPage(app, cookie, pages.at(-1)!)).text();
    for (let i = pages.length - 2; i >= 0; i--) {
      const prev = link(html, "prev");
      ok(prev, `${start}: a Newer link on page ${i + 2}`);
      html = await (await getPage(app, cookie, prev)).text();
      const want = await (await getPage(app, cookie, pages[i])).text();
      assertEquals(idsOn(html), idsOn(want));
    }
    equal(link(html, "prev"), null, "none on the first page");
  }
  for (const query of ["status=shipped", "status=refunded", "payment=shipped"]) {
    equal((await getPage(app, cookie, `/admin?${query}`)).status, 400, query);
  }
});

Deno.test("provider, product and shopper strings are escaped on the list and the order", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  const product = await createProduct(app.kv, randomProduct({ title: `Mug ${HOSTILE}` }), 5);
  const s = await checkoutOk(app, {
    items: [{ productId: product.id, quantity: 1 }],
    metadata: { note: HOSTILE },
  });
  await postEvent(
    app,
    "payment_intent.payment_failed",
    stripePaymentIntent({
      id: `pi_test_${s.orderId}`,
      status: "requires_payment_method",
      amount_received: 0,
      metadata: { order_id: s.orderId },
      last_payment_error: { code: "card_declined", message: `Declined ${HOSTILE}` },
    }),
  );
  equal((await orderOf(app, s.orderId)).payment.failureReason, `Declined ${HOSTILE}`);
  await writeOrders(app.kv, 1, (o) => {
    o.needsAttention = [{ reason: "task_dead", at: o.createdAt, detail: HOSTILE }];
  });
  for (const path of ["/admin", `/admin/orders/${s.orderId}`, `/admin?q=${HOSTILE}`]) {
    const html = await (await getPage(app, cookie, path)).text();
    ok(!html.includes("<script>alert"), `${path} has no live script`);
    ok(html.includes(ESCAPED), `${path} shows the text`);
  }
  const list = await (await getPage(app, cookie, "/admin")).text();
  ok(list.includes(`Mug ${ESCAPED}`) && list.includes(`Declined ${ESCAPED}`));
});

Deno.test("admin pages have their own header, a no-store policy and the attention count", async () => {
  await using app = await adminApp();
  const cookie = await signIn(app);
  await writeOrders(app.kv, 3, (o, i) => {
    if (i > 0) o.needsAttention = [{ reason: "dispute", at: o.createdAt }];
  });
  const res = await getPage(app, cookie, "/admin");
  equal(res.headers.get("cache-control"), "no-store");
  const html = await res.text();
  match(html, /data-attention-count="2"/);
  ok(!html.includes("data-cart-count"), "no shop cart badge");
  match(html, /action="\/admin\/logout"/);
  const login = await app.app.request(LOGIN);
  equal(login.headers.get("cache-control"), "no-store");
  ok(!(await login.text()).includes("/admin/logout"), "no sign-out before sign-in");
});
