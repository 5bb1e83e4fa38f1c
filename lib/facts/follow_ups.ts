/**
 * Which outbox tasks each follow-up of a transition becomes. The tasks are enqueued on the
 * same atomic operation as the transition itself.
 */
import type { FollowUp, Order } from "../orders/types.ts";
import { enqueue } from "../tasks/outbox.ts";

/** Task kinds and the payload each carries. Handlers live in lib/facts/task_handlers.ts. */
export const TASK = {
  /** Remove the ordered quantities from the shopper's cart (items added since stay). */
  trimCart: "trim_cart",
  /** Turn the order's stock reservation into a sale (re-taking stock released meanwhile). */
  commitStock: "commit_stock",
  /** Give a reservation back to the shelf (expired or cancelled order). */
  releaseStock: "release_stock",
} as const;

export function enqueueFollowUps(
  op: Deno.AtomicOperation,
  order: Order,
  followUps: FollowUp[],
  now: Date,
): void {
  for (const followUp of followUps) {
    for (const kind of tasksFor(followUp, order)) {
      enqueue(op, { kind, orderId: order.id, payload: payloadFor(kind, order) }, now);
    }
  }
}

function tasksFor(followUp: FollowUp, order: Order): string[] {
  switch (followUp) {
    case "on_paid":
      return order.cartId ? [TASK.trimCart, TASK.commitStock] : [TASK.commitStock];
    case "release_stock":
      return [TASK.releaseStock];
    default:
      // Fulfilment, receipts and alerts arrive with the operations work.
      return [];
  }
}

function payloadFor(kind: string, order: Order): Record<string, unknown> {
  if (kind === TASK.trimCart) {
    return {
      cartId: order.cartId,
      items: order.items.map(({ productId, quantity }) => ({ productId, quantity })),
    };
  }
  return {};
}
