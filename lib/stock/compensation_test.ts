import assert from "node:assert/strict";
import { boundedAtomic } from "../db/atomic.ts";
import { keys } from "../db/keys.ts";
import { getStock } from "../db/products.ts";
import type { Order } from "../orders/types.ts";
import { compensate } from "./compensation.ts";
import type { PlacementRecord } from "./lines.ts";
import { reserveInChunks, stagePlacementStart } from "./reservations.ts";
import {
  checkLedger,
  clock,
  commitOk,
  linesOf,
  placeOrder,
  saveOrder,
  stockedProducts,
} from "./stock_fixtures.ts";

Deno.test("compensation gives back a placement that never became an order, once", async () => {
  await using kv = await Deno.openKv(":memory:");
  const products = await stockedProducts(kv, 30, 1);
  const ids = products.map((p) => p.id);
  const op = boundedAtomic(kv);
  const taskId = stagePlacementStart(op, {
    orderId: "o_dead",
    lines: linesOf(products),
    requestKey: null,
    dueAt: 0,
    now: new Date(),
  });
  await commitOk(op);
  await reserveInChunks(kv, "o_dead", { now: clock, titles: new Map() });
  assert.ok([...(await getStock(kv, ids)).values()].every((l) => l === 0));
  assert.equal(
    await compensate(kv, "o_dead", taskId, { now: clock }),
    "placement abandoned: 30 units returned",
  );
  assert.equal(
    await compensate(kv, "o_dead", taskId, { now: clock }),
    "placement abandoned: 0 units returned",
  );
  assert.ok([...(await getStock(kv, ids)).values()].every((l) => l === 1));
  const { units } = await checkLedger(kv, ids);
  assert.deepEqual([units.reserved, units.returned], [30, 30]);
});

Deno.test("compensation leaves a placed order, and another task's retake, alone", async () => {
  await using kv = await Deno.openKv(":memory:");
  const products = await stockedProducts(kv, 10, 1);
  const order = await placeOrder(kv, linesOf(products), { steps: true });
  const record = (await kv.get<PlacementRecord>(keys.placement(order.id))).value!;
  assert.equal(
    await compensate(kv, order.id, record.taskId!, { now: clock }),
    "nothing to return: the order was placed",
  );
  await saveOrder(kv, { ...order, status: "expired" } as Order);
  await kv.set(keys.placement(order.id), { ...record, retake: { taskId: "t_other", deadline: 0 } });
  assert.equal(await compensate(kv, order.id, "t_mine", { now: clock }), "nothing to return");
  assert.equal(
    await compensate(kv, order.id, "t_other", { now: clock }),
    "retake abandoned: 10 units returned",
  );
});
