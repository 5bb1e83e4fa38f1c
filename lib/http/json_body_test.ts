import assert from "node:assert/strict";
import { z } from "zod";
import { ValidationError } from "./errors.ts";
import { parseInput, readJson } from "./json_body.ts";

const Schema = z.object({ productId: z.string(), quantity: z.number().int().min(1) });

const post = (body: string) =>
  new Request("http://shop.test/api", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });

async function validationError(promise: Promise<unknown>): Promise<ValidationError> {
  const err = await promise.then(() => null, (e) => e);
  assert.ok(err instanceof ValidationError);
  assert.equal(err.status, 400);
  return err;
}

Deno.test("readJson returns the parsed body", async () => {
  assert.deepEqual(await readJson(post('{"productId":"p","quantity":2,"x":1}'), Schema), {
    productId: "p",
    quantity: 2,
  });
});

Deno.test("readJson turns malformed JSON into a 400 with an issue", async () => {
  const err = await validationError(readJson(post('{"productId":'), Schema));
  assert.deepEqual(err.details, [{ path: "", message: "Malformed JSON" }]);
  await validationError(readJson(post(""), Schema));
});

Deno.test("readJson lists every wrong field by path", async () => {
  const err = await validationError(readJson(post('{"productId":7,"quantity":1.5}'), Schema));
  const paths = (err.details as { path: string }[]).map((i) => i.path).sort();
  assert.deepEqual(paths, ["productId", "quantity"]);
  await validationError(readJson(post("[1,2]"), Schema));
});

Deno.test("parseInput names nested paths and uses the given message", () => {
  const Nested = z.object({ items: z.array(z.object({ quantity: z.number() })) });
  try {
    parseInput(Nested, { items: [{ quantity: "2" }] }, "Bad items");
    assert.fail("should throw");
  } catch (err) {
    assert.ok(err instanceof ValidationError);
    assert.equal(err.message, "Bad items");
    assert.equal((err.details as { path: string }[])[0].path, "items.0.quantity");
  }
});
