/**
 * The outbox handlers for order follow-ups. Each commits its effect together with the
 * task's completion, guarded by the worker's claim, so a run repeated after a lost lease
 * cannot apply the effect twice. Fulfilment, receipts and alerts talk to the outside world
 * and live beside their adapters (lib/fulfilment, lib/notify); they are put together here.
 */
import { commitWithRetry } from "../db/atomic.ts";
import { getOrder } from "../db/orders.ts";
import { removeOrderedItems } from "../cart/service.ts";
import { fulfilHandler, type FulfilTaskOptions } from "../fulfilment/task.ts";
import { alertHandler, type AlertTaskOptions } from "../notify/alert_task.ts";
import {
  receiptHandler,
  type ReceiptTaskOptions,
  shippedNoticeHandler,
} from "../notify/receipt_task.ts";
import type { Order } from "../orders/types.ts";
import { guardClaim, markDone, type Task } from "../tasks/outbox.ts";
import { compensate } from "../stock/compensation.ts";
import { commitOrderStock, releaseOrderStock } from "../stock/settle.ts";
import { LeaseLostError, type TaskHandler, type TaskRun } from "../tasks/worker.ts";
import { stageFact } from "./record_fact.ts";
import { TASK } from "./follow_ups.ts";
import { applyKeptEvent } from "./kept_events.ts";

const SYSTEM = { kind: "system" } as const;

/** Fails the step when another worker has claimed the task since this run did. */
async function assertClaim(run: TaskRun): Promise<void> {
  const current = await run.kv.get<Task>(run.claimed.key);
  if (current.versionstamp !== run.claimed.versionstamp) throw new LeaseLostError();
}

const trimCart: TaskHandler = async (task, run) => {
  const { cartId, items } = task.payload as {
    cartId: string;
    items: { productId: string; quantity: number }[];
  };
  await assertClaim(run);
  await removeOrderedItems(run.kv, cartId, items, {
    guard: (op) => markDone(op, run.claimed, "cart trimmed", run.now()),
  });
  return "cart trimmed";
};

/**
 * Sells what a paid order holds (lib/stock/settle.ts), taking again what it gave back if the
 * shelf still has it; the last commit records `stock_committed` and finishes the task.
 */
const commitStock: TaskHandler = async (task, run) => {
  await assertClaim(run);
  return await commitOrderStock(run.kv, task.orderId!, {
    now: run.now,
    guard: (op) => guardClaim(op, run.claimed),
    finish: (op, order, { available }) => {
      markDone(op, run.claimed, "stock_committed", run.now());
      stageFact(op, order, { kind: "stock_committed", available }, SYSTEM, run.now());
    },
  });
};

/**
 * Gives back what an expired or cancelled, unpaid order holds; a payment that landed after
 * the task was queued keeps it. The last commit records `stock_released`.
 */
const releaseStock: TaskHandler = async (task, run) => {
  await assertClaim(run);
  return await releaseOrderStock(run.kv, task.orderId!, {
    now: run.now,
    guard: (op) => guardClaim(op, run.claimed),
    finish: (op, order) => {
      markDone(op, run.claimed, "stock_released", run.now());
      stageFact(op, order, { kind: "stock_released" }, SYSTEM, run.now());
    },
  });
};

/**
 * A placement in steps that never became an order, or a retake that never got its session:
 * gives back what it holds, line by line, exactly once (lib/stock/compensation.ts).
 */
const returnUnplacedStock: TaskHandler = async (task, run) => {
  await assertClaim(run);
  return await compensate(run.kv, task.orderId!, task.id, {
    now: run.now,
    guard: (op) => guardClaim(op, run.claimed),
  });
};

/**
 * The checkout window has passed: an order that never got a session (the provider failed
 * at every try) closes and gives its stock back. One with a session waits for that
 * session's own expiry instead.
 */
const lapseCheckout: TaskHandler = (task, run) =>
  commitWithRetry(async () => {
    await assertClaim(run);
    const entry = await getOrder(run.kv, task.orderId!);
    const order = entry.value;
    const waiting = order?.status === "pending" || order?.status === "failed";
    if (!order || !waiting || order.payment.sessionId !== null) {
      return { op: null, result: "nothing to do" };
    }
    const op = run.kv.atomic();
    markDone(op, run.claimed, "checkout_lapsed", run.now());
    stageFact(op, entry as Deno.KvEntry<Order>, { kind: "checkout_lapsed" }, SYSTEM, run.now());
    return { op, result: "checkout_lapsed" };
  });

/** Events kept until this order was known: each applied through the fact path. */
const applyKeptEvents: TaskHandler = async (task, run) => {
  const { provider, eventIds } = task.payload as { provider: string; eventIds: string[] };
  const results: string[] = [];
  for (const eventId of eventIds) {
    await assertClaim(run);
    results.push(`${eventId}: ${await applyKeptEvent(run.kv, run.now, provider, eventId)}`);
  }
  return results.join(", ");
};

/** The handlers that need nothing beyond KV. */
export const orderTaskHandlers: Record<string, TaskHandler> = {
  [TASK.trimCart]: trimCart,
  [TASK.commitStock]: commitStock,
  [TASK.releaseStock]: releaseStock,
  [TASK.lapseCheckout]: lapseCheckout,
  [TASK.applyKeptEvents]: applyKeptEvents,
  [TASK.returnUnplacedStock]: returnUnplacedStock,
};

/** What the handlers that reach outside need: adapters and settings from the config. */
export interface OperationsDeps {
  fulfil: FulfilTaskOptions;
  /** Receipts and shipped notices: the mail transport and how to link the order. */
  receipt: ReceiptTaskOptions;
  alert: AlertTaskOptions;
}

/** Every follow-up handler, for the worker of a Settle process. */
export function createOrderTaskHandlers(ops: OperationsDeps): Record<string, TaskHandler> {
  return {
    ...orderTaskHandlers,
    [TASK.fulfil]: fulfilHandler(ops.fulfil),
    [TASK.sendReceipt]: receiptHandler(ops.receipt),
    [TASK.sendShippedNotice]: shippedNoticeHandler(ops.receipt),
    [TASK.alert]: alertHandler(ops.alert),
  };
}

/** Dead-lettering a task flags its order in the same commit. */
export async function flagOrderOnDead(
  kv: Deno.Kv,
  task: Task,
  error: string,
  op: Deno.AtomicOperation,
  now: Date,
): Promise<void> {
  if (!task.orderId) return;
  const entry = await getOrder(kv, task.orderId);
  if (!entry.value) return;
  stageFact(
    op,
    entry as Deno.KvEntry<Order>,
    { kind: "task_dead", taskKind: task.kind, error },
    SYSTEM,
    now,
  );
}
