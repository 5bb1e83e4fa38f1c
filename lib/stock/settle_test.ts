import assert from "node:assert/strict";
import { keys } from "../db/keys.ts";
import { getStock } from "../db/products.ts";
import type { Order } from "../orders/types.ts";
import type { PlacementRecord, ReservationMarker } from "./lines.ts";
import { commitOrderStock, releaseOrderStock, StockMoveBusyError } from "./settle.ts";
import {
  checkLedger,
  clock,
  linesOf,
  placeOrder,
  saveOrder,
  stockedProducts,
} from "./stock_fixtures.ts";

/** A finish that records the summary the way the fact path would, checking the order read. */
const finishWith = (stock: Order["stock"], seen: unknown[] = []) =>
(
  op: Deno.AtomicOperation,
  order: Deno.KvEntry<Order>,
  outcome?: unknown,
) => {
  seen.push(outcome);
  op.check(order).set(keys.order(order.value.id), { ...order.value, stock });
};

const expired = (order: Order): Order => ({
  ...order,
  status: "expired",
  payment: { ...order.payment, status: "expired" },
});
const paid = (order: Order): Order => ({
  ...order,
  status: "paid",
  payment: { ...order.payment, status: "paid" },
});

async function states(kv: Deno.Kv, orderId: string): Promise<Record<string, number>> {
  const count: Record<string, number> = {};
  for await (
    const e of kv.list<ReservationMarker>({ prefix: keys.stockReservationsOf(orderId) })
  ) count[e.value.state] = (count[e.value.state] ?? 0) + 1;
  return count;
}

Deno.test("a 40-line order is released in chunks, once, even when a run dies between chunks", async () => {
  await using kv = await Deno.openKv(":memory:");
  const products = await stockedProducts(kv, 40, 3);
  const ids = products.map((p) => p.id);
  const order = await placeOrder(kv, linesOf(products, 2));
  await saveOrder(kv, expired(order));
  // The first run dies before its third commit (a crash: nothing more of it lands).
  let commits = 0;
  const dying = releaseOrderStock(kv, order.id, {
    now: clock,
    guard: () => {
      if (++commits === 3) throw new Error("killed");
    },
    finish: finishWith("released"),
  });
  await assert.rejects(dying, /killed/);
  assert.deepEqual(await states(kv, order.id), { released: 14, held: 26 });
  const result = await releaseOrderStock(kv, order.id, {
    now: clock,
    finish: finishWith("released"),
  });
  assert.equal(result, "stock_released");
  assert.deepEqual(await states(kv, order.id), { released: 40 });
  assert.ok([...(await getStock(kv, ids)).values()].every((l) => l === 3));
  const again = await releaseOrderStock(kv, order.id, {
    now: clock,
    finish: finishWith("released"),
  });
  assert.equal(again, "nothing to do");
  const { imbalance, units } = await checkLedger(kv, ids);
  assert.ok([...imbalance.values()].every((n) => n === 0));
  assert.deepEqual([units.reserved, units.released], [80, 80], "every unit given back once");
});

Deno.test("a paid order's held lines are committed without moving the level", async () => {
  await using kv = await Deno.openKv(":memory:");
  const products = await stockedProducts(kv, 12, 2);
  const ids = products.map((p) => p.id);
  const order = await placeOrder(kv, linesOf(products));
  await saveOrder(kv, paid(order));
  const outcomes: unknown[] = [];
  const result = await commitOrderStock(kv, order.id, {
    now: clock,
    finish: finishWith("committed", outcomes),
  });
  assert.equal(result, "stock_committed");
  assert.deepEqual(outcomes, [{ available: true }]);
  assert.deepEqual(await states(kv, order.id), { committed: 12 });
  assert.ok([...(await getStock(kv, ids)).values()].every((l) => l === 1));
  const { units } = await checkLedger(kv, ids);
  assert.deepEqual([units.reserved, units.committed], [12, 12]);
  assert.equal(
    await commitOrderStock(kv, order.id, { now: clock, finish: finishWith("committed") }),
    "nothing to do",
  );
});

Deno.test("paid after its stock went back: lines are taken again where the shelf has them", async () => {
  await using kv = await Deno.openKv(":memory:");
  const products = await stockedProducts(kv, 9, 1);
  const ids = products.map((p) => p.id);
  const order = await placeOrder(kv, linesOf(products));
  await saveOrder(kv, expired(order));
  await releaseOrderStock(kv, order.id, { now: clock, finish: finishWith("released") });
  // Someone else bought the last of one product meanwhile.
  await kv.set(keys.stock(ids[4]), 0);
  await saveOrder(kv, paid({ ...order, stock: "released" }));
  const outcomes: unknown[] = [];
  await commitOrderStock(kv, order.id, {
    now: clock,
    finish: finishWith("committed", outcomes),
  });
  assert.deepEqual(outcomes, [{ available: false }]);
  assert.deepEqual(await states(kv, order.id), { committed: 8, released: 1 });
  const levels = await getStock(kv, ids);
  assert.ok(ids.every((id) => levels.get(id) === 0));
});

Deno.test("an order from before markers is adopted: its record and markers are written on its first move", async () => {
  await using kv = await Deno.openKv(":memory:");
  const products = await stockedProducts(kv, 3, 4);
  const order = await placeOrder(kv, linesOf(products));
  // Strip what the stock module wrote, as for an order placed before it existed.
  await kv.delete(keys.placement(order.id));
  for (const p of products) await kv.delete(keys.stockReservation(order.id, p.id));
  await saveOrder(kv, expired(order));
  await releaseOrderStock(kv, order.id, { now: clock, finish: finishWith("released") });
  assert.deepEqual(await states(kv, order.id), { released: 3 });
  assert.ok((await kv.get(keys.placement(order.id))).value);
  assert.ok([...(await getStock(kv, products.map((p) => p.id))).values()].every((l) => l === 4));
});

Deno.test("a release waits while a retake of the same order is under way", async () => {
  await using kv = await Deno.openKv(":memory:");
  const products = await stockedProducts(kv, 2, 4);
  const order = await placeOrder(kv, linesOf(products));
  await saveOrder(kv, expired(order));
  const record = (await kv.get<PlacementRecord>(keys.placement(order.id))).value!;
  await kv.set(keys.placement(order.id), { ...record, retake: { taskId: "t", deadline: 1 } });
  await assert.rejects(
    releaseOrderStock(kv, order.id, { now: clock, finish: finishWith("released") }),
    StockMoveBusyError,
  );
});
