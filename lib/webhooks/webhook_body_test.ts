import assert from "node:assert/strict";
import { Hono } from "hono";
import { webhookBody } from "./webhook_body.ts";
import { webhookHeaders } from "./webhook_headers.ts";

function appWith(maxSize: number) {
  const app = new Hono();
  app.use("*", webhookHeaders({ env: "test" }));
  app.use("*", webhookBody({ maxSize, timeoutMs: 5_000 }));
  app.post("/hook", async (c) => c.json({ got: await c.req.raw.text() }));
  return app;
}

/** A body of `chunks` sent as a stream: no content-length, as a chunked upload. */
function streamed(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

Deno.test("the route reads the whole body, its bytes unchanged, across chunks", async () => {
  const res = await appWith(64).request("/hook", {
    method: "POST",
    body: streamed(['{"a":', '"é"}']),
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { got: '{"a":"é"}' });
});

Deno.test("a body over the limit is refused 413, by its declared length or its bytes", async () => {
  const app = appWith(8);
  const declared = await app.request("/hook", {
    method: "POST",
    headers: { "content-length": "10" },
    body: "0123456789",
  });
  assert.equal(declared.status, 413);
  assert.equal((await declared.json()).error.code, "payload_too_large");
  const undeclared = await app.request("/hook", {
    method: "POST",
    body: streamed(["01234", "56789"]),
  });
  assert.equal(undeclared.status, 413);
  await undeclared.body?.cancel();
});

Deno.test("webhook answers carry the fixed deny-all headers and no HSTS outside production", async () => {
  const res = await appWith(64).request("/hook", { method: "POST", body: "{}" });
  await res.body?.cancel();
  assert.equal(
    res.headers.get("content-security-policy"),
    "default-src 'none'; frame-ancestors 'none'",
  );
  assert.equal(res.headers.get("x-content-type-options"), "nosniff");
  assert.equal(res.headers.get("x-frame-options"), "DENY");
  assert.equal(res.headers.get("strict-transport-security"), null);
});
