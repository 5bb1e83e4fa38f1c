import assert from "node:assert/strict";
import { PayloadTooLargeError, ValidationError } from "./errors.ts";
import { FORM_BODY_LIMIT, readForm } from "./form_body.ts";

const FORM = "application/x-www-form-urlencoded";

const post = (body: BodyInit, headers: Record<string, string> = { "content-type": FORM }) =>
  new Request("http://shop.test/cart", { method: "POST", headers, body });

/** A body with no Content-Length, as a chunked upload arrives. */
function chunked(parts: string[]): ReadableStream<Uint8Array> {
  const bytes = parts.map((p) => new TextEncoder().encode(p));
  return new ReadableStream({
    pull(controller) {
      const next = bytes.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
}

Deno.test("readForm returns the posted fields", async () => {
  const fields = await readForm(post("action=set&productId=p%201&quantity=2"));
  assert.deepEqual(Object.fromEntries(fields), { action: "set", productId: "p 1", quantity: "2" });
  assert.equal((await readForm(post(chunked(["a=1&", "b=2"])))).get("b"), "2");
});

Deno.test("readForm refuses bodies past the limit, declared or streamed", async () => {
  const big = "x=" + "y".repeat(FORM_BODY_LIMIT);
  await assert.rejects(readForm(post(big)), PayloadTooLargeError);
  const stream = chunked(Array.from({ length: 10 }, () => "z".repeat(1024)));
  await assert.rejects(readForm(post(stream)), PayloadTooLargeError);
  assert.equal((await readForm(post("a=1"), 3)).get("a"), "1", "exactly the limit is fine");
  await assert.rejects(readForm(post("a=12"), 3), PayloadTooLargeError);
});

Deno.test("readForm refuses anything but a URL-encoded form", async () => {
  await assert.rejects(
    readForm(post('{"a":1}', { "content-type": "application/json" })),
    ValidationError,
  );
  await assert.rejects(readForm(post("a=1", {})), ValidationError);
});
