/**
 * The `fulfil` outbox task: `fulfillment_started` → the adapter → `fulfillment_succeeded`,
 * each step recorded through the fact path. A refusal is recorded and thrown so the worker
 * retries with backoff; on the last attempt it is recorded as final instead, which flags the
 * order and queues an alert while the shopper's status stays paid.
 */
import { recordTaskFact } from "../facts/task_fact.ts";
import { fulfillmentHold } from "../orders/attention.ts";
import { canFulfill } from "../orders/order.ts";
import type { Fact, Order } from "../orders/types.ts";
import type { TaskHandler } from "../tasks/worker.ts";
import type { FulfilmentAdapter } from "./adapter.ts";

export interface FulfilTaskOptions {
  /** null: fulfilment is manual, the task only notes that nothing was sent. */
  adapter: FulfilmentAdapter | null;
  /** Attempts before a failure is final (capped by the task's own maxAttempts). */
  maxAttempts: number;
  /** Per adapter call. */
  timeoutMs: number;
}

const STARTED: Fact = { kind: "fulfillment_started" };

/** Why there is nothing to ship, for the task's result. */
function skipped(order: Order): string {
  if (order.status === "fulfilled") return "already fulfilled";
  const hold = fulfillmentHold(order);
  return `nothing to ship (${hold ? `held: ${hold}` : order.status})`;
}

export function fulfilHandler(options: FulfilTaskOptions): TaskHandler {
  const { adapter, maxAttempts, timeoutMs } = options;
  return async (task, run) => {
    const orderId = task.orderId!;
    if (!adapter) {
      await recordTaskFact(run, orderId, () => null, () => "manual fulfilment: nothing sent");
      return;
    }
    // The state check and the attempt's record are one commit, so a paid order that was
    // fully refunded, held or already shipped in the meantime is never sent to the supplier.
    const started = await recordTaskFact(
      run,
      orderId,
      (order) => canFulfill(order) ? STARTED : null,
      (order, fact) => fact ? null : skipped(order),
    );
    if (started.outcome?.kind !== "applied") return;
    let externalId: string;
    try {
      ({ externalId } = await adapter.fulfil(started.order, {
        idempotencyKey: orderId,
        signal: AbortSignal.timeout(timeoutMs),
      }));
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      const final = task.attempts >= Math.min(task.maxAttempts, maxAttempts);
      const failed: Fact = { kind: "fulfillment_failed", error, final };
      if (!final) {
        await recordTaskFact(run, orderId, () => failed);
        throw err;
      }
      await recordTaskFact(run, orderId, () => failed, () => `failed for good: ${error}`);
      return;
    }
    await recordTaskFact(
      run,
      orderId,
      () => ({ kind: "fulfillment_succeeded", externalId }),
      () => `fulfilled: ${externalId}`,
    );
  };
}
