/**
 * The outbox handlers for order follow-ups. Each commits its effect together with the
 * task's completion, guarded by the worker's claim, so a run repeated after a lost lease
 * cannot apply the effect twice. Fulfilment, receipts and alerts talk to the outside world
 * and live beside their adapters (lib/fulfilment, lib/notify); they are put together here.
 */
import { commitWithRetry } from "../db/atomic.ts";
import { keys } from "../db/keys.ts";
import { getOrder } from "../db/orders.ts";
import { getStockEntries } from "../db/products.ts";
import { removeOrderedItems } from "../cart/service.ts";
import { fulfilHandler, type FulfilTaskOptions } from "../fulfilment/task.ts";
import { alertHandler, type AlertTaskOptions } from "../notify/alert_task.ts";
import { receiptHandler, type ReceiptTaskOptions } from "../notify/receipt_task.ts";
import type { Fact, Order } from "../orders/types.ts";
import { markDone, type Task } from "../tasks/outbox.ts";
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

/** Moves stock by `sign × quantity` for each item and stages `fact`, in one commit. */
async function moveStock(
  run: TaskRun,
  orderId: string,
  decide: (order: Order, stock: Map<string, number>) => { sign: 1 | -1 | 0; fact: Fact } | null,
): Promise<string> {
  return await commitWithRetry(async () => {
    await assertClaim(run);
    const entry = await getOrder(run.kv, orderId);
    if (!entry.value) throw new Error(`order ${orderId} not found`);
    const order = entry.value;
    const stockEntries = await getStockEntries(run.kv, order.items.map((i) => i.productId));
    const stock = new Map([...stockEntries].map(([id, e]) => [id, e.value ?? 0]));
    const decision = decide(order, stock);
    const op = run.kv.atomic();
    markDone(op, run.claimed, decision ? decision.fact.kind : "nothing to do", run.now());
    if (!decision) return { op, result: "nothing to do" };
    if (decision.sign !== 0) {
      for (const item of order.items) {
        const e = stockEntries.get(item.productId)!;
        op.check(e).set(
          keys.stock(item.productId),
          (e.value ?? 0) + decision.sign * item.quantity,
        );
      }
    }
    stageFact(op, entry as Deno.KvEntry<Order>, decision.fact, SYSTEM, run.now());
    return { op, result: decision.fact.kind };
  });
}

const commitStock: TaskHandler = (task, run) =>
  moveStock(run, task.orderId!, (order, stock) => {
    if (order.stock === "committed") return null;
    if (order.stock === "reserved") {
      return { sign: 0, fact: { kind: "stock_committed", available: true } };
    }
    // Paid after the reservation was released: take the stock again if it is still there;
    // if not, the payment stands and the order is flagged for a person.
    const available = order.items.every((i) => (stock.get(i.productId) ?? 0) >= i.quantity);
    return { sign: available ? -1 : 0, fact: { kind: "stock_committed", available } };
  });

const releaseStock: TaskHandler = (task, run) =>
  moveStock(run, task.orderId!, (order) => {
    if (order.stock !== "reserved") return null;
    // A payment may have landed after this task was queued; paid orders keep their stock.
    if (
      order.payment.status !== "expired" && order.status !== "cancelled" &&
      order.status !== "expired"
    ) {
      return null;
    }
    return { sign: 1, fact: { kind: "stock_released" } };
  });

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
};

/** What the handlers that reach outside need: adapters and settings from the config. */
export interface OperationsDeps {
  fulfil: FulfilTaskOptions;
  receipt: ReceiptTaskOptions;
  alert: AlertTaskOptions;
}

/** Every follow-up handler, for the worker of a Settle process. */
export function createOrderTaskHandlers(ops: OperationsDeps): Record<string, TaskHandler> {
  return {
    ...orderTaskHandlers,
    [TASK.fulfil]: fulfilHandler(ops.fulfil),
    [TASK.sendReceipt]: receiptHandler(ops.receipt),
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
