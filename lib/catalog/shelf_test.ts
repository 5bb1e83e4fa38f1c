import assert from "node:assert/strict";
import { setStockLevel } from "../stock/stock.ts";
import { seedDemoCatalog } from "./demo.ts";
import { listShelf } from "./shelf.ts";

const ADMIN = { reason: "count", actor: "admin:test" };

async function demoShelf() {
  const kv = await Deno.openKv(":memory:");
  await seedDemoCatalog(kv);
  const [first] = await listShelf(kv);
  return { kv, product: first };
}

Deno.test("callers arriving together share one read of the shelf", async () => {
  const { kv } = await demoShelf();
  using _ = kv;
  const lists = await Promise.all(Array.from({ length: 10 }, () => listShelf(kv)));
  assert.ok(lists.every((list) => list === lists[0]));
  assert.ok(lists[0].length > 0);
});

Deno.test("a caller arriving during a read gets a later read that sees what was committed before it came", async () => {
  const { kv, product } = await demoShelf();
  using _ = kv;
  const running = listShelf(kv);
  await setStockLevel(kv, product.id, 3, ADMIN);
  const after = await listShelf(kv);
  assert.notEqual(after, await running);
  assert.equal(after.find((p) => p.id === product.id)?.stock, 3);
});
