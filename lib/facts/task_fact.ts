/**
 * A follow-up task's own facts about its order (fulfilment started, succeeded, failed …),
 * committed through stageFact under the task's claim: a run whose lease was taken over
 * writes nothing. With `done`, the task's completion lands in the same commit.
 */
import { commitWithRetry } from "../db/atomic.ts";
import { getOrder } from "../db/orders.ts";
import type { Fact, Order, Outcome } from "../orders/types.ts";
import { guardClaim, markDone, type Task } from "../tasks/outbox.ts";
import { LeaseLostError, type TaskRun } from "../tasks/worker.ts";
import { stageFact } from "./record_fact.ts";

export interface TaskFactResult {
  /** The order after the fact (as read when `decide` chose none). */
  order: Order;
  /** null when `decide` returned no fact. */
  outcome: Outcome | null;
}

/**
 * Reads the order, asks `decide` for the fact to record (null: none) and commits it with a
 * check on the claim. When `done` returns a result, the task is marked done in that commit.
 */
export async function recordTaskFact(
  run: TaskRun,
  orderId: string,
  decide: (order: Order) => Fact | null,
  done: (order: Order, fact: Fact | null) => string | null = () => null,
): Promise<TaskFactResult> {
  return await commitWithRetry<TaskFactResult>(async () => {
    const claim = await run.kv.get<Task>(run.claimed.key);
    if (claim.versionstamp !== run.claimed.versionstamp) throw new LeaseLostError();
    const entry = await getOrder(run.kv, orderId);
    if (!entry.value) throw new Error(`order ${orderId} not found`);
    const fact = decide(entry.value);
    const op = run.kv.atomic();
    const result = done(entry.value, fact);
    if (result !== null) markDone(op, run.claimed, result, run.now());
    else guardClaim(op, run.claimed);
    if (!fact) {
      return { op: result !== null ? op : null, result: { order: entry.value, outcome: null } };
    }
    const t = stageFact(op, entry as Deno.KvEntry<Order>, fact, { kind: "system" }, run.now());
    return { op, result: { order: t.order, outcome: t.outcome } };
  });
}
