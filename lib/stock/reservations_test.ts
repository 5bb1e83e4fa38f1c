import assert from "node:assert/strict";
import { boundedAtomic } from "../db/atomic.ts";
import { keys } from "../db/keys.ts";
import { getStock } from "../db/products.ts";
import { BusinessRuleError } from "../http/errors.ts";
import type { Task } from "../tasks/outbox.ts";
import { listLedger } from "./ledger.ts";
import type { PlacementRecord, ReservationMarker } from "./lines.ts";
import {
  abandonPlacement,
  COMPENSATION_TASK,
  PlacementAbandonedError,
  placementState,
  reserveInChunks,
  stagePlaced,
  stagePlacementStart,
} from "./reservations.ts";
import {
  checkLedger,
  clock,
  commitOk,
  linesOf,
  placeOrder,
  stockedProducts,
} from "./stock_fixtures.ts";

async function markers(kv: Deno.Kv, orderId: string) {
  const out: [string, string][] = [];
  for await (
    const e of kv.list<ReservationMarker>({ prefix: keys.stockReservationsOf(orderId) })
  ) out.push([String(e.key[2]), e.value.state]);
  return out;
}

async function begin(
  kv: Deno.Kv,
  orderId: string,
  lines: { productId: string; quantity: number }[],
) {
  const requestKey = keys.checkoutRequest("cart:c1", "k1");
  const op = boundedAtomic(kv);
  const taskId = stagePlacementStart(op, {
    orderId,
    lines,
    requestKey,
    dueAt: Date.now() + 60_000,
    now: new Date(),
  });
  op.set(requestKey, { orderId, fingerprint: "f" });
  await commitOk(op);
  return { taskId, requestKey };
}

Deno.test("a small order reserves in its own commit: level, marker, ledger and record", async () => {
  await using kv = await Deno.openKv(":memory:");
  const products = await stockedProducts(kv, 3, 5);
  const order = await placeOrder(kv, linesOf(products, 2));
  assert.deepEqual([...(await getStock(kv, products.map((p) => p.id))).values()], [3, 3, 3]);
  assert.deepEqual((await markers(kv, order.id)).map(([, s]) => s), ["held", "held", "held"]);
  const record = (await kv.get<PlacementRecord>(keys.placement(order.id))).value!;
  assert.deepEqual([record.state, record.taskId, record.lines.length], ["placed", null, 3]);
  const [entry] = (await listLedger(kv, products[0].id)).entries;
  assert.deepEqual([entry.kind, entry.delta, entry.after, entry.orderId], [
    "reserved",
    -2,
    3,
    order.id,
  ]);
});

Deno.test("a 50-line placement in steps: record and compensation task first, chunks, then placed", async () => {
  await using kv = await Deno.openKv(":memory:");
  const products = await stockedProducts(kv, 50, 1);
  let chunks = 0;
  const orderId = "o_big";
  const { taskId } = await begin(kv, orderId, linesOf(products));
  const task = (await kv.get<Task>(keys.task(taskId))).value!;
  assert.deepEqual([task.kind, task.orderId, task.status], [COMPENSATION_TASK, orderId, "pending"]);
  assert.equal(await placementState(kv, orderId), "placing");
  await reserveInChunks(kv, orderId, {
    now: clock,
    titles: new Map(),
    afterChunk: (n) => {
      chunks = n;
      return Promise.resolve();
    },
  });
  assert.equal(chunks, Math.ceil(50 / 7));
  assert.ok([...(await getStock(kv, products.map((p) => p.id))).values()].every((l) => l === 0));
  const op = boundedAtomic(kv);
  stagePlaced(op, await kv.get(keys.placement(orderId)), new Date());
  await commitOk(op);
  assert.equal(await placementState(kv, orderId), "placed");
  assert.equal(await abandonPlacement(kv, orderId, { now: clock }), 0, "a placed order keeps all");
});

Deno.test("a line gone mid-placement: 422, and abandoning gives back every reserved unit once", async () => {
  await using kv = await Deno.openKv(":memory:");
  const products = await stockedProducts(kv, 20, 2);
  const ids = products.map((p) => p.id);
  // The 12th line is sold out by the time its chunk comes.
  await kv.set(keys.stock(ids[11]), 0);
  const { requestKey } = await begin(kv, "o_short", linesOf(products, 2));
  const err = await reserveInChunks(kv, "o_short", { now: clock, titles: new Map() })
    .catch((e) => e);
  assert.ok(err instanceof BusinessRuleError && err.code === "out_of_stock", String(err));
  const held = (await markers(kv, "o_short")).length;
  assert.equal(held, 7, "the first chunk landed, the second did not");
  const [a, b] = await Promise.all([
    abandonPlacement(kv, "o_short", { now: clock }),
    abandonPlacement(kv, "o_short", { now: clock }),
  ]);
  assert.equal(a + b, 14, "both runs together gave back what was reserved, once");
  assert.equal(await abandonPlacement(kv, "o_short", { now: clock }), 0);
  const levels = await getStock(kv, ids);
  assert.ok(ids.every((id, i) => levels.get(id) === (i === 11 ? 0 : 2)));
  assert.equal((await kv.get(requestKey)).value, null, "the Idempotency-Key is free again");
  assert.equal(await placementState(kv, "o_short"), "abandoned");
  const { units } = await checkLedger(kv, ids);
  assert.deepEqual([units.reserved, units.returned], [14, 14]);
});

Deno.test("once abandoned, no chunk and no order commit can land", async () => {
  await using kv = await Deno.openKv(":memory:");
  const products = await stockedProducts(kv, 10, 1);
  await begin(kv, "o_late", linesOf(products));
  const record = await kv.get<PlacementRecord>(keys.placement("o_late"));
  await abandonPlacement(kv, "o_late", { now: clock });
  await assert.rejects(
    reserveInChunks(kv, "o_late", { now: clock, titles: new Map() }),
    PlacementAbandonedError,
  );
  // The order commit as built before the abandonment: its check on the record fails.
  const op = boundedAtomic(kv);
  stagePlaced(op, record, new Date());
  assert.equal((await op.commit()).ok, false);
  assert.throws(
    () =>
      stagePlaced(
        boundedAtomic(kv),
        { key: record.key, value: null, versionstamp: null },
        new Date(),
      ),
    PlacementAbandonedError,
  );
  assert.ok([...(await getStock(kv, products.map((p) => p.id))).values()].every((l) => l === 1));
});
