import assert from "node:assert/strict";
import { logsOf } from "../log_capture.ts";
import { Hono } from "hono";
import { requestIdOf, requestLog } from "./request_log.ts";

function appWith(trustProxy: boolean): Hono {
  const app = new Hono();
  app.use(
    "*",
    requestLog({ trustProxy, clientOf: () => "198.51.100.4", quietPaths: ["/healthz"] }),
  );
  app.get("/id", (c) => c.text(requestIdOf(c)));
  app.get("/healthz", (c) => c.text("ok"));
  app.get("/boom", () => {
    throw new Error("boom");
  });
  app.get("/moved", () => Response.redirect("https://example.com/", 303));
  app.onError((_err, c) => c.text("failed", 500));
  return app;
}

Deno.test("every response carries the id the handler saw, fresh per request", async () => {
  const app = appWith(false);
  const [a, b] = [await app.request("/id"), await app.request("/id")];
  const id = a.headers.get("x-request-id")!;
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.equal(await a.text(), id);
  assert.notEqual(b.headers.get("x-request-id"), id);
});

Deno.test("an incoming id is reused only behind a trusted proxy, and only when valid", async () => {
  const headers = { "x-request-id": "edge-7f3a9c21" };
  const direct = await appWith(false).request("/id", { headers });
  assert.notEqual(direct.headers.get("x-request-id"), "edge-7f3a9c21");
  const proxied = await appWith(true).request("/id", { headers });
  assert.equal(proxied.headers.get("x-request-id"), "edge-7f3a9c21");
  assert.equal(await proxied.text(), "edge-7f3a9c21");
  const hostile = await appWith(true).request("/id", {
    headers: { "x-request-id": '<img src=x>"; level=error' },
  });
  assert.match(hostile.headers.get("x-request-id")!, /^[0-9a-f-]{36}$/);
});

Deno.test("one access line per request, without the query string", async () => {
  const app = appWith(false);
  const lines = await logsOf(() => app.request("/id?token=s3cret&session_id=cs_1"));
  assert.equal(lines.length, 1);
  const { time, ms, requestId, ...rest } = lines[0];
  assert.ok(typeof time === "string" && typeof ms === "number" && typeof requestId === "string");
  assert.deepEqual(rest, {
    level: "info",
    message: "request",
    method: "GET",
    path: "/id",
    status: 200,
    client: "198.51.100.4",
  });
  assert.ok(!JSON.stringify(lines).includes("s3cret"));
});

Deno.test("errors log at error level with their status; probes at debug", async () => {
  const app = appWith(false);
  const lines = await logsOf(async () => {
    const res = await app.request("/boom");
    assert.ok(res.headers.get("x-request-id"));
    await app.request("/healthz");
  });
  assert.deepEqual(lines.map((l) => [l.level, l.path, l.status]), [
    ["error", "/boom", 500],
    ["debug", "/healthz", 200],
  ]);
});

Deno.test("a redirect's immutable headers still get the id", async () => {
  const res = await appWith(false).request("/moved");
  assert.equal(res.status, 303);
  assert.ok(res.headers.get("x-request-id"));
  assert.equal(res.headers.get("location"), "https://example.com/");
});
