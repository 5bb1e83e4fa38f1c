/**
 * What stock moves throw. A leaf module (no imports), so lib/http/errors.ts can map these to
 * statuses without importing the stock services.
 */

/** An adjustment would take the level below zero (409 `stock_below_zero`); nothing written. */
export class StockBelowZeroError extends Error {
  override name = "StockBelowZeroError";
  readonly details: { productId: string; stock: number; delta: number };
  constructor(productId: string, stock: number, delta: number) {
    super(`Stock of ${productId} cannot go below zero: ${stock} on hand, change of ${delta}`);
    this.details = { productId, stock, delta };
  }
}

/** A stock change that makes no sense (400), or one for an unknown product (404). */
export class StockInputError extends Error {
  override name = "StockInputError";
  constructor(message: string, readonly notFound = false) {
    super(message);
  }
}

/** A placement was abandoned (its window closed) before its order was made (409). */
export class PlacementAbandonedError extends Error {
  override name = "PlacementAbandonedError";
}

/**
 * The attach found lines gone back to the shelf after the retake looked (a release slipped
 * in between); paying again starts afresh (409).
 */
export class RetakeNeededError extends Error {
  override name = "RetakeNeededError";
}

/** A retake of the order's stock is under way: a release waits for it (its task retries). */
export class StockMoveBusyError extends Error {
  override name = "StockMoveBusyError";
}
