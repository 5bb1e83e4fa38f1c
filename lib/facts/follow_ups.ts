/**
 * Which outbox tasks each follow-up of a transition becomes. The tasks are enqueued on the
 * same atomic operation as the transition itself.
 */
import type { AttentionReason, FollowUp, Order } from "../orders/types.ts";
import { enqueue } from "../tasks/outbox.ts";
import { COMPENSATION_TASK } from "../stock/reservations.ts";

/** Task kinds and the payload each carries. Handlers live in lib/facts/task_handlers.ts. */
export const TASK = {
  /** Remove the ordered quantities from the shopper's cart (items added since stay). */
  trimCart: "trim_cart",
  /** Turn the order's stock reservation into a sale (re-taking stock released meanwhile). */
  commitStock: "commit_stock",
  /** Give a reservation back to the shelf (expired or cancelled order). */
  releaseStock: "release_stock",
  /** Hand the paid order to the fulfilment adapter (lib/fulfilment/task.ts). */
  fulfil: "fulfil",
  /** E-mail the receipt of one payment, at most once (lib/notify/receipt_task.ts). */
  sendReceipt: "send_receipt",
  /** E-mail the shopper that the order shipped, at most once per order (receipt_task.ts). */
  sendShippedNotice: "send_shipped_notice",
  /** Tell people an order needs attention (lib/notify/alert_task.ts). */
  alert: "alert",
  /** Apply provider events kept until this order became known (lib/facts/kept_events.ts). */
  applyKeptEvents: "apply_kept_events",
  /** Close the order's checkout once its window has passed without a session. */
  lapseCheckout: "lapse_checkout",
  /**
   * Give back what a placement in steps (or a retake in steps) holds if it never finished
   * (lib/stock/compensation.ts); queued by lib/stock itself, with the placement record.
   */
  returnUnplacedStock: COMPENSATION_TASK,
} as const;

/** The payload of a `send_receipt` task. */
export interface ReceiptPayload {
  /** The payment the receipt is for: its intent, else its session, else "manual". */
  paymentKey: string;
}

/** The payload of an `alert` task: the flags the transition raised. */
export interface AlertPayload {
  alerts: { reason: AttentionReason; detail?: string }[];
}

export function enqueueFollowUps(
  op: Deno.AtomicOperation,
  order: Order,
  followUps: FollowUp[],
  now: Date,
): void {
  // One write of the wake key per commit is enough to wake the worker.
  let wakes = true;
  for (const followUp of followUps) {
    for (const kind of tasksFor(followUp, order)) {
      enqueue(op, { kind, orderId: order.id, payload: payloadFor(kind, order), wakes }, now);
      wakes = false;
    }
  }
}

function tasksFor(followUp: FollowUp, order: Order): string[] {
  switch (followUp) {
    case "on_paid":
      return order.cartId ? [TASK.trimCart, TASK.commitStock] : [TASK.commitStock];
    case "release_stock":
      return [TASK.releaseStock];
    case "fulfil":
      return [TASK.fulfil];
    case "send_receipt":
      return [TASK.sendReceipt];
    case "send_shipped_notice":
      return [TASK.sendShippedNotice];
    case "alert":
      return [TASK.alert];
  }
}

function payloadFor(kind: string, order: Order): Record<string, unknown> {
  switch (kind) {
    case TASK.trimCart:
      return {
        cartId: order.cartId,
        items: order.items.map(({ productId, quantity }) => ({ productId, quantity })),
      };
    case TASK.sendReceipt:
      return { paymentKey: paymentKey(order) } satisfies ReceiptPayload;
    case TASK.alert:
      return { alerts: raisedFlags(order) } satisfies AlertPayload;
    default:
      return {};
  }
}

function paymentKey(order: Order): string {
  return order.payment.paymentIntentId ?? order.payment.sessionId ?? "manual";
}

/**
 * The flags this transition raised: they carry its time, which is the order's `updatedAt`.
 * A flag that was already open is not added twice, so fall back to the newest one.
 */
function raisedFlags(order: Order): AlertPayload["alerts"] {
  const flags = order.needsAttention;
  const raised = flags.filter((a) => a.at === order.updatedAt);
  const chosen = raised.length ? raised : flags.slice(-1);
  return chosen.map((
    { reason, detail },
  ) => (detail === undefined ? { reason } : { reason, detail }));
}
