import assert from "node:assert/strict";
import { gunzipSync, inflateSync } from "node:zlib";
import { Hono } from "hono";
import { compressResponses, selectEncoding } from "./compress.ts";

const PAGE = `<!DOCTYPE html><p>${"a shelf of coffee ".repeat(200)}</p>`;

function app(): Hono {
  const app = new Hono();
  app.use("*", compressResponses());
  app.get("/page", (c) => c.html(PAGE, 200, { etag: '"v1"' }));
  app.get("/small", (c) => c.json({ ok: true }));
  app.get("/no-transform", (c) => c.html(PAGE, 200, { "cache-control": "no-transform" }));
  app.get("/csv", (c) => {
    const rows = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 100; i++) controller.enqueue(new TextEncoder().encode(`row,${i}\n`));
        controller.close();
      },
    });
    return c.body(rows, 200, { "content-type": "text/csv; charset=utf-8" });
  });
  return app;
}

const get = (path: string, acceptEncoding?: string, method = "GET") =>
  app().request(path, {
    method,
    headers: acceptEncoding ? { "accept-encoding": acceptEncoding } : {},
  });

Deno.test("a page is gzipped whole, with its compressed length, Vary and a weakened ETag", async () => {
  const res = await get("/page", "gzip, deflate, br");
  assert.equal(res.headers.get("content-encoding"), "gzip");
  assert.equal(res.headers.get("vary"), "Accept-Encoding");
  assert.equal(res.headers.get("etag"), 'W/"v1"');
  const body = new Uint8Array(await res.arrayBuffer());
  assert.equal(Number(res.headers.get("content-length")), body.byteLength);
  assert.equal(new TextDecoder().decode(gunzipSync(body)), PAGE);
});

Deno.test("deflate is used when it is the only encoding accepted", async () => {
  const res = await get("/page", "deflate");
  assert.equal(res.headers.get("content-encoding"), "deflate");
  const body = new Uint8Array(await res.arrayBuffer());
  assert.equal(new TextDecoder().decode(inflateSync(body)), PAGE);
});

Deno.test("identity, no header, HEAD and no-transform leave the page as it is", async () => {
  for (
    const [path, encoding, method] of [
      ["/page", "identity", "GET"],
      ["/page", undefined, "GET"],
      ["/page", "gzip", "HEAD"],
      ["/no-transform", "gzip", "GET"],
    ] as const
  ) {
    const res = await get(path, encoding, method);
    assert.equal(res.headers.get("content-encoding"), null, `${method} ${path} ${encoding}`);
    if (method === "GET") assert.equal(await res.text(), PAGE);
    else await res.body?.cancel();
  }
});

Deno.test("a body under 1 KiB is sent plain even when gzip is accepted", async () => {
  const res = await get("/small", "gzip");
  assert.equal(res.headers.get("content-encoding"), null);
  assert.deepEqual(await res.json(), { ok: true });
});

Deno.test("a streamed body is still compressed as it streams", async () => {
  const res = await get("/csv", "gzip");
  assert.equal(res.headers.get("content-encoding"), "gzip");
  const text = new TextDecoder().decode(gunzipSync(new Uint8Array(await res.arrayBuffer())));
  assert.ok(text.startsWith("row,0\n") && text.endsWith("row,99\n"));
});

Deno.test("encoding choice follows quality values, gzip first on a tie, `*` for the unnamed", () => {
  assert.equal(selectEncoding("gzip, deflate"), "gzip");
  assert.equal(selectEncoding("deflate;q=1, gzip;q=0.5"), "deflate");
  assert.equal(selectEncoding("gzip;q=0, *"), "deflate");
  assert.equal(selectEncoding("br"), undefined);
  assert.equal(selectEncoding("identity"), undefined);
  assert.equal(selectEncoding(undefined), undefined);
});
