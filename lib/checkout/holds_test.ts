import assert from "node:assert/strict";
import { createTestApp } from "../../tests/support/app.ts";
import { checkout, stockedProducts } from "../../tests/support/shop.ts";

Deno.test("one client's checkouts racing at once still stop at the cap on unpaid orders", async () => {
  const app = await createTestApp({
    env: { HOLD_LIMIT_UNITS_PER_CLIENT: "0", HOLD_LIMIT_ORDERS_PER_CLIENT: "2" },
  });
  try {
    const [a] = await stockedProducts(app, 10);
    const body = { items: [{ productId: a.id, quantity: 1 }] };
    const answers = await Promise.all(Array.from({ length: 6 }, () => checkout(app, body)));
    const statuses = answers.map((r) => r.status).sort();
    for (const r of answers) await r.body?.cancel();
    assert.deepEqual(statuses, [200, 200, 422, 422, 422, 422]);
  } finally {
    await app.close();
  }
});
