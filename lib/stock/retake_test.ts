import assert from "node:assert/strict";
import { boundedAtomic } from "../db/atomic.ts";
import { keys } from "../db/keys.ts";
import { getStock } from "../db/products.ts";
import { BusinessRuleError } from "../http/errors.ts";
import type { Order } from "../orders/types.ts";
import type { Task } from "../tasks/outbox.ts";
import type { PlacementRecord } from "./lines.ts";
import { COMPENSATION_TASK } from "./reservations.ts";
import {
  abandonRetake,
  INLINE_RETAKE_LINES,
  prepareRetake,
  RetakeNeededError,
  stageRetake,
} from "./retake.ts";
import { releaseOrderStock } from "./settle.ts";
import {
  checkLedger,
  clock,
  commitOk,
  linesOf,
  placeOrder,
  saveOrder,
  stockedProducts,
} from "./stock_fixtures.ts";

const options = { now: clock, windowMs: 60_000 };

/** An order placed, expired and given back, as the release task leaves it. */
async function releasedOrder(kv: Deno.Kv, lines: number, level = 2): Promise<Order> {
  const products = await stockedProducts(kv, lines, level);
  const placed = await placeOrder(kv, linesOf(products));
  const expired: Order = {
    ...placed,
    status: "expired",
    payment: { ...placed.payment, status: "expired" },
  };
  await saveOrder(kv, expired);
  await releaseOrderStock(kv, placed.id, {
    now: clock,
    finish: (op, order) =>
      op.check(order).set(keys.order(placed.id), { ...order.value, stock: "released" }),
  });
  return (await kv.get<Order>(keys.order(placed.id))).value!;
}

const record = async (kv: Deno.Kv, id: string) =>
  (await kv.get<PlacementRecord>(keys.placement(id))).value!;

/** The attach's commit, reduced to its stock part and the summary's change. */
async function attach(kv: Deno.Kv, order: Order): Promise<void> {
  const op = boundedAtomic(kv);
  await stageRetake(kv, op, order, new Date());
  op.set(keys.order(order.id), { ...order, status: "pending", stock: "reserved" });
  await commitOk(op);
}

Deno.test("a few lines are taken back in the attach's own commit", async () => {
  await using kv = await Deno.openKv(":memory:");
  const order = await releasedOrder(kv, INLINE_RETAKE_LINES);
  assert.equal(await prepareRetake(kv, order, options), null);
  await attach(kv, order);
  const levels = await getStock(kv, order.items.map((i) => i.productId));
  assert.ok([...levels.values()].every((l) => l === 1));
  assert.equal((await record(kv, order.id)).retake, null);
});

Deno.test("a big retake runs in chunks under a compensation task; the attach finishes it", async () => {
  await using kv = await Deno.openKv(":memory:");
  const order = await releasedOrder(kv, 20);
  const handle = await prepareRetake(kv, order, options);
  assert.ok(handle?.started);
  const task = (await kv.get<Task>(keys.task(handle.taskId))).value!;
  assert.equal(task.kind, COMPENSATION_TASK);
  assert.equal((await record(kv, order.id)).retake?.taskId, handle.taskId);
  // A second request finds every line held already: nothing for it to take.
  assert.equal(await prepareRetake(kv, order, options), null);
  await attach(kv, order);
  assert.equal((await record(kv, order.id)).retake, null);
  assert.equal(await abandonRetake(kv, order.id, handle.taskId, { now: clock }), 0);
  const levels = await getStock(kv, order.items.map((i) => i.productId));
  assert.ok([...levels.values()].every((l) => l === 1));
});

Deno.test("lines released after the retake looked make the attach start over", async () => {
  await using kv = await Deno.openKv(":memory:");
  const order = await releasedOrder(kv, 12);
  const op = boundedAtomic(kv);
  await assert.rejects(stageRetake(kv, op, order, new Date()), RetakeNeededError);
});

Deno.test("a retake the shelf cannot cover is a 422 that writes nothing", async () => {
  await using kv = await Deno.openKv(":memory:");
  const order = await releasedOrder(kv, 10, 1);
  await kv.set(keys.stock(order.items[6].productId), 0);
  const before: unknown[] = [];
  for await (const e of kv.list({ prefix: [] })) before.push([e.key, e.versionstamp]);
  const err = await prepareRetake(kv, order, options).catch((e) => e);
  assert.ok(err instanceof BusinessRuleError && err.code === "out_of_stock");
  const after: unknown[] = [];
  for await (const e of kv.list({ prefix: [] })) after.push([e.key, e.versionstamp]);
  assert.deepEqual(after, before);
});

Deno.test("a retake that never got its session is given back, once, however many runs", async () => {
  await using kv = await Deno.openKv(":memory:");
  const order = await releasedOrder(kv, 15);
  const ids = order.items.map((i) => i.productId);
  const handle = (await prepareRetake(kv, order, options))!;
  assert.ok([...(await getStock(kv, ids)).values()].every((l) => l === 1));
  const runs = await Promise.all([
    abandonRetake(kv, order.id, handle.taskId, { now: clock }),
    abandonRetake(kv, order.id, handle.taskId, { now: clock }),
  ]);
  assert.equal(runs[0] + runs[1], 15);
  assert.ok([...(await getStock(kv, ids)).values()].every((l) => l === 2));
  const { imbalance, units } = await checkLedger(kv, ids);
  assert.ok([...imbalance.values()].every((n) => n === 0));
  assert.deepEqual([units.reserved, units.released, units.returned], [30, 15, 15]);
});
