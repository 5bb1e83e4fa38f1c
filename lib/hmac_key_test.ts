import assert from "node:assert/strict";
import { hmacKey } from "./hmac_key.ts";

Deno.test("one key per secret, imported once, signing and verifying", async () => {
  assert.equal(hmacKey("s1"), hmacKey("s1"));
  assert.notEqual(hmacKey("s1"), hmacKey("s2"));
  const data = new TextEncoder().encode("order_1|pay_1");
  const mac = await crypto.subtle.sign("HMAC", await hmacKey("s1"), data);
  assert.ok(await crypto.subtle.verify("HMAC", await hmacKey("s1"), mac, data));
  assert.ok(!(await crypto.subtle.verify("HMAC", await hmacKey("s2"), mac, data)));
});
