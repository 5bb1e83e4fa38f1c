/**
 * A client that trickles its body over a real socket is answered 408 (with `connection:
 * close`) once the body timeout runs out, on the API and the webhook alike, and the handler
 * stops waiting for it; a prompt body is unaffected.
 */
import assert from "node:assert/strict";
import { createTestApp } from "../support/app.ts";

const TIMEOUT_MS = 300;

/** Sends the head and part of a body, then nothing: returns all the server said. */
async function trickle(url: string, path: string): Promise<string> {
  const { hostname, port } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  const head = [
    `POST ${path} HTTP/1.1`,
    `host: ${hostname}:${port}`,
    "content-type: application/json",
    "content-length: 200",
    "",
    "",
  ].join("\r\n");
  await conn.write(new TextEncoder().encode(`${head}{"items": [`));
  // Read until the whole answer is in (head, then content-length bytes): the answer is the
  // signal, not a timer. The rest of the body never comes.
  // Without a body timeout no answer ever comes: a safety net turns that hang into a failure.
  let closed = false;
  const close = () => {
    if (!closed) conn.close();
    closed = true;
  };
  const safetyNet = setTimeout(close, 20_000);
  let text = "";
  const buffer = new Uint8Array(4096);
  const decoder = new TextDecoder();
  try {
    while (!complete(text)) {
      const n = await conn.read(buffer).catch(() => null);
      if (n === null) break;
      text += decoder.decode(buffer.subarray(0, n));
    }
  } finally {
    clearTimeout(safetyNet);
    close();
  }
  return text;
}

function complete(text: string): boolean {
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return false;
  const length = Number(text.slice(0, end).match(/content-length: (\d+)/i)?.[1] ?? 0);
  return new TextEncoder().encode(text.slice(end + 4)).length >= length;
}

Deno.test("a trickled API or webhook body is answered 408 with connection: close", async () => {
  const app = await createTestApp({ bodyTimeoutMs: TIMEOUT_MS });
  try {
    for (const path of ["/api/payments/create-checkout-session", "/api/payments/webhook"]) {
      const answer = await trickle(app.url, path);
      assert.match(answer, /^HTTP\/1\.1 408 /, path);
      assert.match(answer, /"code":"request_timeout"/, path);
      assert.match(answer, /\r\nconnection: close\r\n/i, path);
    }
  } finally {
    await app.close();
  }
});

Deno.test("a body that arrives in time is read as usual under the same timeout", async () => {
  const app = await createTestApp({ bodyTimeoutMs: TIMEOUT_MS });
  try {
    const res = await fetch(`${app.url}/api/cart/items`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ productId: "no-such-product", quantity: 1 }),
    });
    assert.equal(res.status, 422, "parsed and refused on its merits, not timed out");
    await res.body?.cancel();
  } finally {
    await app.close();
  }
});
