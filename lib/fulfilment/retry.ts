/**
 * The admin's "retry fulfilment": for a paid order whose fulfilment failed for good, a new
 * `fulfil` task is queued in the same commit as the admin's history entry (an acknowledgement
 * of the fulfillment_failed flag: the person has taken it over). If the retry fails too, the
 * order is flagged and alerted again.
 */
import { commitWithRetry } from "../db/atomic.ts";
import { getOrder } from "../db/orders.ts";
import { TASK } from "../facts/follow_ups.ts";
import { stageFact } from "../facts/record_fact.ts";
import { ConflictError, NotFoundError } from "../http/errors.ts";
import { fulfillmentHold } from "../orders/attention.ts";
import type { Order } from "../orders/types.ts";
import type { AppDeps } from "../state.ts";
import { enqueue, listOrderTasks } from "../tasks/outbox.ts";

export type RetryRefusal =
  | "already_fulfilled"
  | "not_paid"
  | "not_failed"
  | "on_hold"
  | "already_queued";

/** 409: the order is not in a state where fulfilment can be retried. */
export class FulfilmentRetryRefused extends ConflictError {
  constructor(readonly refusal: RetryRefusal, message: string, details: Record<string, unknown>) {
    super(`fulfilment_retry_${refusal}`, message, details);
  }
}

export interface RetryResult {
  order: Order;
  /** The queued `fulfil` task. */
  taskId: string;
}

function refusal(order: Order, queued: boolean): FulfilmentRetryRefused | null {
  const details = {
    orderId: order.id,
    status: order.status,
    payment: order.payment.status,
    fulfillment: order.fulfillment.status,
  };
  if (order.status === "fulfilled") {
    return new FulfilmentRetryRefused(
      "already_fulfilled",
      `Order ${order.number} is already fulfilled`,
      details,
    );
  }
  if (order.status !== "paid") {
    return new FulfilmentRetryRefused(
      "not_paid",
      `Order ${order.number} is ${order.status}; only paid orders are fulfilled`,
      details,
    );
  }
  if (order.fulfillment.status !== "failed") {
    return new FulfilmentRetryRefused(
      "not_failed",
      `Fulfilment of order ${order.number} has not failed (it is ${order.fulfillment.status})`,
      details,
    );
  }
  const hold = fulfillmentHold(order);
  if (hold) {
    // A full refund is no flag to acknowledge: nothing is owed that could be shipped.
    const next = hold === "refunded"
      ? "its payment was refunded in full"
      : "acknowledge that first";
    return new FulfilmentRetryRefused(
      "on_hold",
      `Order ${order.number} is held (${hold}); ${next}`,
      { ...details, hold },
    );
  }
  if (queued) {
    return new FulfilmentRetryRefused(
      "already_queued",
      `A fulfilment of order ${order.number} is already queued`,
      details,
    );
  }
  return null;
}

/** Queues a new fulfilment of `orderId` on behalf of `actor` (the admin's name). */
export async function retryFulfilment(
  deps: Pick<AppDeps, "kv" | "now">,
  orderId: string,
  actor: string,
): Promise<RetryResult> {
  const { kv } = deps;
  return await commitWithRetry(async () => {
    const entry = await getOrder(kv, orderId);
    if (!entry.value) throw new NotFoundError("No such order", { orderId });
    const tasks = await listOrderTasks(kv, orderId);
    const queued = tasks.some((t) => t.kind === TASK.fulfil && t.status === "pending");
    const refused = refusal(entry.value, queued);
    if (refused) throw refused;
    const now = deps.now();
    const op = kv.atomic();
    const transition = stageFact(
      op,
      entry as Deno.KvEntry<Order>,
      {
        kind: "attention_acknowledged",
        reason: "fulfillment_failed",
        note: "fulfilment retried",
      },
      { kind: "admin", actor, reason: "retry fulfilment" },
      now,
    );
    const task = enqueue(op, { kind: TASK.fulfil, orderId }, now);
    return { op, result: { order: transition.order, taskId: task.id } };
  });
}
