import assert from "node:assert/strict";
import { Hono } from "hono";
import { fixtureApp } from "../fresh/testdata/app.ts";
import { securityHeaders, type SecurityHeadersOptions } from "./security_headers.ts";

const ORIGIN = "https://shop.example";
const options: SecurityHeadersOptions = { env: "development", publicOrigin: ORIGIN };
const app = await fixtureApp((a) => a.use("*", securityHeaders(options)));

function assertSecured(res: Response, what: string): void {
  const csp = res.headers.get("content-security-policy") ?? "";
  assert.match(csp, /default-src 'self'/, what);
  assert.match(csp, /script-src 'self' 'nonce-[^']+'/, what);
  assert.match(csp, /frame-ancestors 'none'/, what);
  assert.equal(res.headers.get("x-content-type-options"), "nosniff", what);
  assert.equal(res.headers.get("x-frame-options"), "DENY", what);
  assert.equal(res.headers.get("referrer-policy"), "strict-origin-when-cross-origin", what);
}

Deno.test("the policy: self only, nonced scripts, styles from self only, no framing, no base, no plugins", async () => {
  const res = await app.request("/");
  const nonce = res.headers.get("content-security-policy")!.match(/'nonce-([^']+)'/)![1];
  assert.equal(
    res.headers.get("content-security-policy"),
    [
      "default-src 'self'",
      `script-src 'self' 'nonce-${nonce}'`,
      "style-src 'self'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "form-action 'self' https://checkout.stripe.com",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "object-src 'none'",
    ].join("; "),
  );
});

Deno.test("the nonce is fresh per response and is the one on the page's island scripts", async () => {
  const [a, b] = [await app.request("/islands"), await app.request("/islands")];
  const nonceOf = (res: Response) =>
    res.headers.get("content-security-policy")!.match(/'nonce-([^']+)'/)![1];
  assert.notEqual(nonceOf(a), nonceOf(b));
  const html = await a.text();
  const nonce = nonceOf(a);
  assert.match(html, /<link rel="stylesheet" href="\/_fresh\/styles\.[0-9a-f]+\.css">/);
  assert.match(html, new RegExp(`<script type="module" src="[^"]+" nonce="${escape(nonce)}">`));
  assert.match(
    html,
    new RegExp(`<script type="application/json" id="[^"]+" nonce="${escape(nonce)}">`),
  );
  // No inline script or style without the nonce.
  assert.equal(html.match(/<(script|style)(?![^>]*nonce=)/g), null);
});

Deno.test("pages, JSON, static files, 404s and 500s are all covered", async () => {
  for (const path of ["/", "/api/echo", "/hello.txt", "/no-such-page", "/api/nope", "/boom"]) {
    const original = console.error;
    console.error = () => {}; // /boom logs its error on purpose
    try {
      const res = await app.request(path);
      await res.body?.cancel();
      assertSecured(res, path);
    } finally {
      console.error = original;
    }
  }
});

Deno.test("HSTS is sent in production only", async () => {
  const dev = await app.request("/hello.txt");
  assert.equal(dev.headers.get("strict-transport-security"), null);
  const prod = await fixtureApp((a) =>
    a.use("*", securityHeaders({ ...options, env: "production" }))
  );
  const res = await prod.request("/hello.txt");
  assert.match(
    res.headers.get("strict-transport-security") ?? "",
    /^max-age=\d{8,}; includeSubDomains$/,
  );
});

Deno.test("extra form-action origins (the emulator's page) join the policy", async () => {
  const withEmulator = await fixtureApp((a) =>
    a.use("*", securityHeaders({ ...options, formActionOrigins: ["http://127.0.0.1:4242"] }))
  );
  const csp = (await withEmulator.request("/")).headers.get("content-security-policy")!;
  assert.match(
    csp,
    /form-action 'self' https:\/\/checkout\.stripe\.com http:\/\/127\.0\.0\.1:4242;/,
  );
});

Deno.test("CORS answers the public origin and nobody else", async () => {
  const preflight = (origin: string) =>
    app.request("/api/echo", {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, x-evil",
      },
    });
  const ours = await preflight(ORIGIN);
  assert.equal(ours.status, 204);
  assert.equal(ours.headers.get("access-control-allow-origin"), ORIGIN);
  assert.equal(ours.headers.get("access-control-allow-headers"), "content-type,idempotency-key");
  assertSecured(ours, "preflight");

  const theirs = await preflight("https://evil.example");
  assert.equal(theirs.status, 204);
  const allows = [...theirs.headers.keys()].filter((k) => k.startsWith("access-control-"));
  assert.deepEqual(allows, []);
  assertSecured(theirs, "foreign preflight");

  const simple = await app.request("/api/echo", { headers: { origin: "https://evil.example" } });
  assert.equal(simple.status, 200);
  assert.equal(simple.headers.get("access-control-allow-origin"), null);
  const same = await app.request("/api/echo", { headers: { origin: ORIGIN } });
  assert.equal(same.headers.get("access-control-allow-origin"), ORIGIN);
  assert.equal(same.headers.get("access-control-allow-credentials"), "true");
});

Deno.test("a redirect with immutable headers is secured too", async () => {
  const hono = new Hono();
  hono.use("*", securityHeaders(options));
  hono.post("/go", () => Response.redirect("https://checkout.stripe.com/c/pay/cs_1", 303));
  const res = await hono.request("/go", { method: "POST" });
  assert.equal(res.status, 303);
  assertSecured(res, "redirect");
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
