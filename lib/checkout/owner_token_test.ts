import assert from "node:assert/strict";
import { signOrderToken, verifyOrderToken } from "./owner_token.ts";

const SECRET = "owner-token-test-secret-0123456789";

Deno.test("a token verifies for its own order only", async () => {
  const token = await signOrderToken(SECRET, "order-a");
  assert.equal(await verifyOrderToken(SECRET, "order-a", token), true);
  assert.equal(await verifyOrderToken(SECRET, "order-b", token), false);
  assert.equal(await verifyOrderToken("another-secret-0123456789abcdef", "order-a", token), false);
  for (const bad of [null, undefined, "", token.slice(1), `${token}A`, `${token.slice(0, 42)}!`]) {
    assert.equal(await verifyOrderToken(SECRET, "order-a", bad), false, String(bad));
  }
});

Deno.test("every changed character fails, the last one's spare bits included", async () => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (let i = 0; i < 40; i++) {
    const token = await signOrderToken(SECRET, `order-${i}`);
    for (const c of alphabet) {
      if (c === token[42]) continue;
      const other = token.slice(0, 42) + c;
      assert.equal(
        await verifyOrderToken(SECRET, `order-${i}`, other),
        false,
        `${token} → ${other}`,
      );
    }
  }
});
