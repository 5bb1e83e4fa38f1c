import assert from "node:assert/strict";
import { NONCE, secureHeaders } from "hono/secure-headers";
import { type LogLine, logsOf } from "../log_capture.ts";
import { fixtureApp, fixtureAssets } from "./testdata/app.ts";

const app = await fixtureApp((hono) =>
  hono.use("*", async (c, next) => {
    c.set("requestId" as never, (c.req.header("x-request-id") ?? "req-test") as never);
    await next();
  })
);

async function get(path: string, init?: RequestInit) {
  const res = await app.request(path, init);
  return { res, text: await res.text() };
}

/** Runs `fn` with the log captured, so expected error logs do not clutter output. */
async function capturingErrors<T>(fn: () => Promise<T>): Promise<[T, LogLine[]]> {
  let result: T | undefined;
  const lines = await logsOf(async () => result = await fn());
  return [result as T, lines];
}

Deno.test("static segments beat [param], which beats [...rest]", async () => {
  assert.match((await get("/products/new")).text, /<p>static new<\/p>/);
  const param = await get("/products/abc");
  assert.match(param.text, /<p>param abc via /);
  assert.equal(param.res.headers.get("x-route"), "/products/:slug");
  assert.match(
    (await get("/products/a/b")).text,
    /rest \[a\/b\] \/products\/:rest\*/,
  );
  assert.match((await get("/products")).text, /rest \[\] \/products\/:rest\*/);
});

Deno.test("params are decoded", async () => {
  assert.match((await get("/products/h%C3%A9")).text, /param hé via/);
});

Deno.test("(group) folders are not part of the URL but keep their layout", async () => {
  const { res, text } = await get("/pricing");
  assert.equal(res.status, 200);
  assert.match(
    text,
    /<main data-layout="marketing"><p class="text-blue-700">pricing/,
  );
  assert.equal((await get("/(marketing)/pricing")).res.status, 404);
});

Deno.test("_app wraps the root layout, which wraps the folder layout and the page", async () => {
  const { res, text } = await get("/products/abc");
  assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
  assert.ok(
    text.startsWith(
      '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"/>',
    ),
  );
  assert.match(
    text,
    /<body class="bg-gray-50"><div data-layout="root" class="p-4"><section data-layout="products"><p>param abc/,
  );
});

Deno.test("middleware runs root to leaf, shares state and sees the response on the way out", async () => {
  const { res, text } = await get("/products/abc");
  assert.match(text, /via root>products-a>products-b</);
  assert.equal(res.headers.get("x-trail"), "products-b, root");
  const denied = await get("/products/abc?deny");
  assert.equal(denied.res.status, 401);
  assert.equal(denied.text, "denied");
});

Deno.test("a page-only route answers GET and HEAD, and 405 otherwise", async () => {
  const head = await get("/pricing", { method: "HEAD" });
  assert.equal(head.res.status, 200);
  assert.equal(head.text, "");
  const post = await get("/pricing", { method: "POST" });
  assert.equal(post.res.status, 405);
  assert.equal(post.res.headers.get("allow"), "GET, HEAD");
  assert.equal(JSON.parse(post.text).error.code, "method_not_allowed");
});

Deno.test("handler objects dispatch per method; HEAD falls back to GET", async () => {
  const head = await get("/api/echo", { method: "HEAD" });
  assert.equal(head.res.status, 200);
  assert.equal(head.res.headers.get("x-echo"), "1");
  assert.equal(head.text, "");
  const post = await get("/api/echo", { method: "POST", body: '{"a":1}' });
  assert.equal(post.res.status, 201);
  assert.deepEqual(JSON.parse(post.text), { a: 1 });
  const put = await get("/api/echo", { method: "PUT" });
  assert.equal(put.res.status, 405);
  assert.equal(put.res.headers.get("allow"), "GET, POST, HEAD");
  const posted = await get("/products/abc", { method: "POST" });
  assert.deepEqual(JSON.parse(posted.text), { posted: "abc" });
});

Deno.test("unmatched paths render _404 for pages and JSON for /api", async () => {
  const page = await get("/nope");
  assert.equal(page.res.status, 404);
  assert.match(
    page.text,
    /<div data-layout="root" class="p-4"><h1>Nothing at \/nope<\/h1>/,
  );
  assert.equal(page.res.headers.get("x-trail"), "root");
  const api = await get("/api/nope");
  assert.equal(api.res.status, 404);
  assert.deepEqual(JSON.parse(api.text), {
    error: { code: "not_found", message: "Not found" },
  });
});

Deno.test("a NotFoundError thrown by a page route renders _404", async () => {
  const { res, text } = await get("/products/missing");
  assert.equal(res.status, 404);
  assert.match(text, /Nothing at \/products\/missing/);
});

Deno.test("errors in pages render _500 and are logged unless they are AppErrors", async () => {
  const [boom, logged] = await capturingErrors(() => get("/boom"));
  assert.equal(boom.res.status, 500);
  assert.match(boom.text, /<h1>Failed: kaboom<\/h1>/);
  assert.equal((logged[0].error as Error).message, "kaboom");
  const [conflict, quiet] = await capturingErrors(() => get("/boom?conflict"));
  assert.equal(conflict.res.status, 409);
  assert.match(conflict.text, /Failed: Order already paid/);
  assert.equal(quiet.length, 0);
});

Deno.test("an unexpected error is one JSON log entry: level error, request id, stack", async () => {
  const [, logged] = await capturingErrors(() =>
    get("/boom", { headers: { "x-request-id": "req-42" } })
  );
  assert.equal(logged.length, 1);
  const [entry] = logged;
  assert.equal(entry.level, "error");
  assert.equal(entry.requestId, "req-42");
  assert.equal(entry.path, "/boom");
  const error = entry.error as { message: string; stack: string };
  assert.equal(error.message, "kaboom");
  assert.match(error.stack, /kaboom\n\s+at /);
});

Deno.test("errors in routes without a page answer JSON", async () => {
  const [fail, logged] = await capturingErrors(() => get("/api/fail"));
  assert.equal(fail.res.status, 500);
  assert.equal(JSON.parse(fail.text).error.code, "internal_error");
  assert.doesNotMatch(fail.text, /database on fire/);
  assert.equal(logged.length, 1);
  const conflict = await get("/api/fail?conflict");
  assert.equal(conflict.res.status, 409);
  assert.deepEqual(JSON.parse(conflict.text), {
    error: { code: "already_paid", message: "Order already paid" },
  });
});

Deno.test("static files and island bundles are served", async () => {
  const txt = await get("/hello.txt");
  assert.equal(txt.text, "hello static\n");
  assert.match(txt.res.headers.get("content-type")!, /^text\/plain/);
  const svg = (await get("/img/dot.svg")).res.headers.get("content-type");
  assert.match(svg!, /^image\/svg\+xml/);
  const boot = await get((await fixtureAssets()).boot);
  assert.equal(boot.res.status, 200);
  assert.equal(
    boot.res.headers.get("content-type"),
    "text/javascript; charset=utf-8",
  );
  assert.equal(
    boot.res.headers.get("cache-control"),
    "public, max-age=31536000, immutable",
  );
  assert.equal((await get("/_fresh/js/nope.js")).res.status, 404);
});

Deno.test("a page without islands ships no JavaScript", async () => {
  const { text } = await get("/pricing");
  assert.doesNotMatch(text, /<script|modulepreload|fresh-island/);
});

Deno.test("a page with islands loads the boot script and preloads only its islands", async () => {
  const { text } = await get("/islands");
  const assets = await fixtureAssets();
  assert.equal(text.match(/<script/g)?.length, 2);
  assert.ok(
    text.includes(
      `<script type="module" src="${assets.boot}"></script></body>`,
    ),
  );
  for (
    const url of [assets.boot, assets.islands.Counter, assets.islands.Echo]
  ) {
    assert.ok(text.includes(`<link rel="modulepreload" href="${url}">`));
  }
});

Deno.test("one stylesheet, linked in <head>, is served immutable with every page's classes", async () => {
  const { text } = await get("/");
  const links = [...text.matchAll(/<link rel="stylesheet" href="([^"]+)">/g)];
  assert.equal(links.length, 1);
  assert.ok(links[0].index! < text.indexOf("</head>"));
  assert.doesNotMatch(text, /<style/);
  const href = links[0][1];
  assert.match(href, /^\/_fresh\/styles\.[0-9a-f]{16}\.css$/);
  const { res, text: css } = await get(href);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/css; charset=utf-8");
  assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
  assert.match(css, /\.text-red-500\{/);
  assert.match(css, /\.font-bold\{/);
  assert.match(css, /\.p-4\{/);
  // Used by /pricing only: the sheet covers pages that were never rendered.
  assert.match(css, /\.text-blue-700\{/);
  assert.equal(
    (await get((await get("/pricing")).text.match(/href="([^"]+\.css)"/)![1])).text,
    css,
  );
});

Deno.test("the nonce of hono/secure-headers is put on both inline scripts", async () => {
  const secured = await fixtureApp((app) =>
    app.use(
      "*",
      secureHeaders({
        contentSecurityPolicy: { scriptSrc: [NONCE], styleSrc: ["'self'"] },
      }),
    )
  );
  const res = await secured.request("/islands");
  const nonce = res.headers.get("content-security-policy")?.match(
    /'nonce-([^']+)'/,
  )?.[1];
  assert.ok(nonce);
  const text = await res.text();
  assert.equal(text.split(` nonce="${nonce}"`).length - 1, 2);
});
