import { deepStrictEqual, equal, match, ok, rejects } from "node:assert/strict";
import type { Order } from "@/lib/orders/types.ts";
import { createTestApp, type TestApp } from "../../support/app.ts";
import { checkoutOk, orderOf, stockedProducts, WEBHOOK_SECRET } from "../../support/shop.ts";
import { paidEventBody, signAll } from "./events.ts";
import { checkPaidOnce, copyKv, readOrders } from "./store.ts";

async function placeOne(app: TestApp): Promise<Order> {
  const [product] = await stockedProducts(app);
  const placed = await checkoutOk(app, { items: [{ productId: product.id, quantity: 1 }] });
  return await orderOf(app, placed.orderId);
}

/** Posts a paid completion of the order's session (a fresh event id and payment intent). */
async function pay(app: TestApp, order: Order): Promise<void> {
  const [request] = await signAll([paidEventBody(order, "http://shop.test")], WEBHOOK_SECRET);
  const res = await app.app.request("/api/payments/webhook", {
    method: "POST",
    headers: request.headers,
    body: request.body,
  });
  equal(res.status, 200, await res.text());
}

Deno.test("checkPaidOnce passes orders paid once and names the unpaid and the twice paid", async () => {
  const app = await createTestApp();
  try {
    // Shipping would move paid orders on to fulfilled; only the webhook's effect is checked.
    await app.worker.stop();
    const [a, b, c] = [await placeOne(app), await placeOne(app), await placeOne(app)];
    await pay(app, a);
    await pay(app, b);
    deepStrictEqual(await checkPaidOnce(app.kv, [a.id, b.id]), {
      paidIndexed: 2,
      paidRecords: 2,
      paidOnce: 2,
      problems: [],
    });

    const unpaid = await checkPaidOnce(app.kv, [a.id, b.id, c.id]);
    ok(unpaid.problems.some((p) => p.startsWith(`${c.id} is pending`)), String(unpaid.problems));

    // A second, distinct payment of the same session: a different intent, not a duplicate.
    await pay(app, a);
    const twice = await checkPaidOnce(app.kv, [a.id, b.id]);
    equal(twice.paidOnce, 1);
    match(twice.problems.join("\n"), new RegExp(`${a.id}: payment_succeeded outcomes`));
  } finally {
    await app.close();
  }
});

Deno.test("readOrders keeps the order of ids and throws on a missing one; copyKv copies all", async () => {
  const app = await createTestApp();
  try {
    await app.worker.stop();
    const orders = [await placeOne(app), await placeOne(app)];
    const ids = orders.map((o) => o.id).reverse();
    deepStrictEqual((await readOrders(app.kv, ids)).map((o) => o.id), ids);
    await rejects(readOrders(app.kv, [...ids, "01NOSUCHORDER0000000000000"]), /missing/);

    const copy = await Deno.openKv(":memory:");
    try {
      const copied = await copyKv(app.kv, copy);
      const values = async (kv: Deno.Kv) => {
        const rows: string[] = [];
        for await (const e of kv.list({ prefix: [] })) rows.push(JSON.stringify([e.key, e.value]));
        return rows;
      };
      const original = await values(app.kv);
      equal(copied, original.length);
      deepStrictEqual(await values(copy), original);
    } finally {
      copy.close();
    }
  } finally {
    await app.close();
  }
});
