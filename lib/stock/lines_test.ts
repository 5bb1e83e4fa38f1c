import assert from "node:assert/strict";
import { pendingOrder } from "../orders/order_fixtures.ts";
import {
  bumped,
  inState,
  legacyState,
  lineViews,
  merged,
  newRecord,
  type ReservationMarker,
  retakeUnderWay,
} from "./lines.ts";

const T = new Date("2026-05-01T00:00:00.000Z");
const marker = (quantity: number, state: ReservationMarker["state"]): ReservationMarker => ({
  quantity,
  state,
  at: T.toISOString(),
});

Deno.test("with a record, its lines are the tracked ones and markers say their state", () => {
  const record = newRecord(
    "o1",
    [{ productId: "p_a", quantity: 2 }, {
      productId: "p_b",
      quantity: 1,
    }],
    T,
    { state: "placing" },
  );
  const views = lineViews(record, null, new Map([["p_a", marker(2, "held")]]));
  assert.deepEqual(views, [
    { productId: "p_a", quantity: 2, state: "held", marked: true },
    { productId: "p_b", quantity: 1, state: "none", marked: false },
  ]);
  assert.deepEqual(inState(views, "none").map((l) => l.productId), ["p_b"]);
});

Deno.test("an order from before markers: every item is tracked, in the state of order.stock", () => {
  const order = pendingOrder();
  assert.deepEqual(
    lineViews(null, order, new Map()).map((l) => [l.productId, l.state, l.marked]),
    [["p_tee", "held", false], ["p_mug", "held", false]],
  );
  order.stock = "released";
  assert.equal(lineViews(null, order, new Map())[0].state, "released");
  assert.equal(legacyState("committed"), "committed");
});

Deno.test("merged sums repeated products; bumped counts moves and applies changes", () => {
  assert.deepEqual(merged([{ productId: "a", quantity: 1 }, { productId: "a", quantity: 2 }]), [
    { productId: "a", quantity: 3 },
  ]);
  const record = newRecord("o1", [], T);
  assert.equal(record.state, "placed");
  const later = new Date(T.getTime() + 1000);
  const next = bumped(record, later, { retake: { taskId: "t1", deadline: 5 } });
  assert.deepEqual([next.seq, next.updatedAt, next.retake?.taskId], [1, later.toISOString(), "t1"]);
  assert.equal(record.seq, 0, "the record read is left as it was");
  assert.equal(retakeUnderWay(next, 4), true);
  assert.equal(retakeUnderWay(next, 5), false);
  assert.equal(retakeUnderWay(record, 0), false);
});
