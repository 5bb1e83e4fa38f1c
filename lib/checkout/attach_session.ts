/**
 * Ties a provider session to its order: the `session_created` fact, and, when the order had
 * given its stock back (an expired order paid again), the stock taken back in the same commit
 * (lib/stock/retake.ts), or a 422 when it is gone.
 */
import { boundedAtomic, commitWithRetry } from "../db/atomic.ts";
import { getOrder } from "../db/orders.ts";
import { stageFact } from "../facts/record_fact.ts";
import { ConflictError, NotFoundError } from "../http/errors.ts";
import { stagePickups } from "../facts/pickups.ts";
import type { FactSource, Order } from "../orders/types.ts";
import type { AppDeps } from "../state.ts";
import { stageRetake } from "../stock/retake.ts";

/**
 * Commits the `session_created` fact (with `alsoStage`'s writes beside it). Throws 409 when
 * the order can no longer take this session (paid or cancelled meanwhile): the caller
 * closes the session then.
 */
export async function attachSession(
  deps: AppDeps,
  orderId: string,
  /** `provider` issued the session: an order paid by card after a Razorpay try moves over. */
  { sessionId, provider }: { sessionId: string; provider: string },
  source: FactSource = { kind: "system" },
  alsoStage: (op: Deno.AtomicOperation) => Promise<void> | void = () => {},
  /** The order as the caller just committed it: the first try checks it instead of reading. */
  known?: Deno.KvEntry<Order>,
): Promise<Order> {
  const { kv } = deps;
  let first = known;
  return await commitWithRetry(async () => {
    // A try that has to go again reads the order afresh.
    const entry = first ?? await getOrder(kv, orderId);
    first = undefined;
    if (!entry.value) throw new NotFoundError("No such order", { orderId });
    const order = entry.value;
    if (order.payment.sessionId === sessionId) return { op: null, result: order };
    const op = boundedAtomic(kv);
    await stageRetake(kv, op, order, deps.now());
    const transition = stageFact(
      op,
      entry as Deno.KvEntry<Order>,
      { kind: "session_created", sessionId, provider },
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
