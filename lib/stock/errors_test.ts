import assert from "node:assert/strict";
import { toAppError } from "../http/errors.ts";
import {
  PlacementAbandonedError,
  RetakeNeededError,
  StockBelowZeroError,
  StockInputError,
} from "./errors.ts";

Deno.test("stock errors map to statuses at the edge", () => {
  const below = toAppError(new StockBelowZeroError("p_a", 2, -3))!;
  assert.deepEqual([below.status, below.code, below.details], [409, "stock_below_zero", {
    productId: "p_a",
    stock: 2,
    delta: -3,
  }]);
  assert.deepEqual(
    [
      toAppError(new StockInputError("bad"))!.status,
      toAppError(new StockInputError("?", true))!.status,
    ],
    [400, 404],
  );
  assert.equal(toAppError(new PlacementAbandonedError("late"))!.code, "checkout_timed_out");
  assert.equal(toAppError(new RetakeNeededError("moved"))!.code, "stock_moved");
});
