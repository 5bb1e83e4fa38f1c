import assert from "node:assert/strict";
import { getCart, newCartId, updateCart } from "./carts.ts";
import { keys } from "./keys.ts";

Deno.test("updateCart creates, replaces and deletes an emptied cart", async () => {
  await using kv = await Deno.openKv(":memory:");
  const id = newCartId();
  const at = new Date("2026-11-22T10:00:00Z");
  await updateCart(kv, id, () => [{ productId: "p1", quantity: 2 }], at);
  assert.deepEqual(await getCart(kv, id), {
    id,
    items: [{ productId: "p1", quantity: 2 }],
    updatedAt: at.toISOString(),
  });
  await updateCart(kv, id, () => []);
  assert.equal(await getCart(kv, id), null);
});

Deno.test("updateCart writes nothing when the change returns null or throws", async () => {
  await using kv = await Deno.openKv(":memory:");
  const id = newCartId();
  await updateCart(kv, id, () => [{ productId: "p1", quantity: 1 }]);
  const before = await kv.get(keys.cart(id));
  const kept = await updateCart(kv, id, () => null);
  assert.deepEqual(kept.items, [{ productId: "p1", quantity: 1 }]);
  await assert.rejects(updateCart(kv, id, () => {
    throw new Error("no");
  }));
  assert.equal((await kv.get(keys.cart(id))).versionstamp, before.versionstamp);
});

Deno.test("updateCart re-applies the change when another write lands in between", async () => {
  await using kv = await Deno.openKv(":memory:");
  const id = newCartId();
  let calls = 0;
  await updateCart(kv, id, async ({ items }) => {
    calls++;
    // The first run is overtaken by a concurrent write; the second must see it.
    if (calls === 1) await updateCart(kv, id, () => [{ productId: "other", quantity: 1 }]);
    return [...items, { productId: "mine", quantity: 1 }];
  });
  assert.equal(calls, 2);
  assert.deepEqual((await getCart(kv, id))?.items.map((i) => i.productId), ["other", "mine"]);
});
