/**
 * Ties a provider session to its order: the `session_created` fact, and, when the order's
 * stock reservation had been released (an expired order paid again), the stock taken back
 * in the same commit, or a 422 when it is gone.
 */
import { commitWithRetry } from "../db/atomic.ts";
import { keys } from "../db/keys.ts";
import { getOrder } from "../db/orders.ts";
import { getStockEntries } from "../db/products.ts";
import { stageFact } from "../facts/record_fact.ts";
import { ConflictError, NotFoundError } from "../http/errors.ts";
import { stagePickups } from "../facts/pickups.ts";
import { assertInStock } from "../catalog/purchasable.ts";
import type { FactSource, Order } from "../orders/types.ts";
import type { AppDeps } from "../state.ts";

/**
 * Commits the `session_created` fact (with `alsoStage`'s writes beside it). Throws 409 when
 * the order can no longer take this session (paid or cancelled meanwhile): the caller
 * closes the session then.
 */
export async function attachSession(
  deps: AppDeps,
  orderId: string,
  sessionId: string,
  source: FactSource = { kind: "system" },
  alsoStage: (op: Deno.AtomicOperation) => Promise<void> | void = () => {},
): Promise<Order> {
  const { kv } = deps;
  return await commitWithRetry(async () => {
    const entry = await getOrder(kv, orderId);
    if (!entry.value) throw new NotFoundError("No such order", { orderId });
    const order = entry.value;
    if (order.payment.sessionId === sessionId) return { op: null, result: order };
    const op = kv.atomic();
    if (order.stock === "released") await retake(kv, order, op);
    const transition = stageFact(
      op,
      entry as Deno.KvEntry<Order>,
      { kind: "session_created", sessionId },
      source,
      deps.now(),
    );
    if (transition.outcome.kind !== "applied") {
      throw new ConflictError("order_not_payable", "This order can no longer be paid", {
        status: order.status,
      });
    }
    await stagePickups(kv, op, order, transition.order, deps.now());
    await alsoStage(op);
    return { op, result: transition.order };
  });
}

/** Throws a 422 naming the first item that is no longer in stock. */
export async function assertRetakeable(kv: Deno.Kv, order: Order): Promise<void> {
  if (order.stock === "released") await retake(kv, order, kv.atomic());
}

async function retake(kv: Deno.Kv, order: Order, op: Deno.AtomicOperation): Promise<void> {
  const stock = await getStockEntries(kv, order.items.map((i) => i.productId));
  for (const item of order.items) {
    const entry = stock.get(item.productId)!;
    const available = entry.value ?? 0;
    assertInStock(item.productId, item.title, item.quantity, available);
    op.check(entry).set(keys.stock(item.productId), available - item.quantity);
  }
}
