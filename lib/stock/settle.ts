/**
 * Settling an order's stock once its fate is known: released when it expires or is cancelled
 * unpaid, committed when it is paid. Both go line by line through the reservation markers, in
 * chunks when the order is big, each commit checking the placement record (so no other move
 * of the order slips in), the order (so a change of heart stops the move) and the caller's
 * guard (a task's claim). The last commit carries the caller's `finish` (its fact and the
 * task's completion), so `order.stock` changes exactly when the last line has moved.
 */
import { boundedAtomic } from "../db/atomic.ts";
import { isPaid } from "../orders/order.ts";
import type { Order } from "../orders/types.ts";
import { StockMoveBusyError } from "./errors.ts";
import { inState, LINES_PER_CHUNK, MARKER_MOVES_PER_COMMIT } from "./lines.ts";
import {
  type LineMove,
  type OrderStock,
  readLevels,
  readOrderStock,
  runSteps,
  stageMove,
  stageNextRecord,
} from "./moves.ts";

export interface SettleHooks<Outcome> {
  now: () => Date;
  /** Adds the caller's guard (e.g. its task's claim) to every commit but the last: one check. */
  guard?: (op: Deno.AtomicOperation) => void;
  /**
   * Adds the last commit's own writes: the fact about the order (which checks the order as
   * read) and the guard, e.g. the task's completion. At most 5 checks (see below).
   */
  finish: (op: Deno.AtomicOperation, order: Deno.KvEntry<Order>, outcome: Outcome) => void;
}

/**
 * Stock-moving lines the last commit can carry: 10 checks, less the record, the order, the
 * task's claim and (committing) the two follow-up tasks the fact may queue.
 */
const LAST_RELEASE_LINES = 7;
const LAST_COMMIT_LINES = 5;

/** An order that can no longer be paid, still holding its stock: the stock goes back. */
export function wantsRelease(order: Order): boolean {
  if (order.stock !== "reserved" || isPaid(order)) return false;
  return order.payment.status === "expired" || order.status === "cancelled" ||
    order.status === "expired";
}

export { StockMoveBusyError };

/** Gives back every line an unpayable order holds. */
export async function releaseOrderStock(
  kv: Deno.Kv,
  orderId: string,
  hooks: SettleHooks<void>,
): Promise<string> {
  return await runSteps<string>(async () => {
    const stock = await readOrderStock(kv, orderId);
    const order = requireOrder(stock);
    if (!wantsRelease(order.value)) return { op: null, done: true, result: "nothing to do" };
    if (stock.record.value?.retake) {
      // Its compensation gives back what it took if it never finishes; then this runs again.
      throw new StockMoveBusyError(`a retake of order ${orderId}'s stock is under way`);
    }
    const held = inState(stock.lines, "held");
    const last = held.length <= LAST_RELEASE_LINES;
    const moves: LineMove[] = held.slice(0, last ? held.length : LINES_PER_CHUNK)
      .map((line) => ({ kind: "release", line }));
    const { op } = await stageMoves(kv, stock, moves, hooks.now(), last ? null : hooks.guard);
    if (!last) return { op, done: false };
    hooks.finish(op, order, undefined);
    return { op, done: true, result: "stock_released" };
  });
}

/** What committing found: false when a line given back meanwhile could not be taken again. */
export interface CommitOutcome {
  available: boolean;
}

/**
 * Sells what a paid order holds: held lines are committed as they are; lines given back
 * meanwhile (paid after expiry) are taken again where the shelf still has them. A line that
 * cannot be taken stays given back and the outcome says so (the order is flagged).
 */
export async function commitOrderStock(
  kv: Deno.Kv,
  orderId: string,
  hooks: SettleHooks<CommitOutcome>,
): Promise<string> {
  return await runSteps<string>(async () => {
    const stock = await readOrderStock(kv, orderId);
    const order = requireOrder(stock);
    if (order.value.stock === "committed" || !isPaid(order.value)) {
      return { op: null, done: true, result: "nothing to do" };
    }
    const held = inState(stock.lines, "held");
    const released = inState(stock.lines, "released");
    const levels = await readLevels(kv, released.map((l) => l.productId));
    const takeable = released.filter((l) => (levels.get(l.productId)?.value ?? 0) >= l.quantity);
    const short = released.length - takeable.length;
    const last = takeable.length <= LAST_COMMIT_LINES && held.length <= MARKER_MOVES_PER_COMMIT;
    const moves: LineMove[] = [
      ...held.slice(0, MARKER_MOVES_PER_COMMIT).map((line) => ({ kind: "commit", line }) as const),
      ...takeable.slice(0, last ? takeable.length : LINES_PER_CHUNK)
        .map((line) => ({ kind: "take", line }) as const),
    ];
    const { op } = await stageMoves(
      kv,
      stock,
      moves,
      hooks.now(),
      last ? null : hooks.guard,
      levels,
    );
    if (!last) return { op, done: false };
    const available = short === 0;
    hooks.finish(op, order, { available });
    return { op, done: true, result: available ? "stock_committed" : "stock_unavailable" };
  });
}

function requireOrder(stock: OrderStock): Deno.KvEntry<Order> {
  if (!stock.order.value) throw new Error(`order ${String(stock.record.key[1])} not found`);
  return stock.order as Deno.KvEntry<Order>;
}

/**
 * One commit of moves: the record's next version, each line's move, and (for a commit that is
 * not the last) the caller's guard and a check on the order as read. (Wrapped: an
 * AtomicOperation refuses to be awaited, so an async function cannot return one bare.)
 */
async function stageMoves(
  kv: Deno.Kv,
  stock: OrderStock,
  moves: LineMove[],
  at: Date,
  guard: ((op: Deno.AtomicOperation) => void) | null | undefined,
  known: Map<string, Deno.KvEntryMaybe<number>> = new Map(),
): Promise<{ op: Deno.AtomicOperation }> {
  const order = requireOrder(stock);
  const op = boundedAtomic(kv);
  if (guard !== null) {
    guard?.(op);
    op.check(order);
  }
  const missing = moves.filter((m) => m.kind !== "commit" && !known.has(m.line.productId));
  const levels = new Map([
    ...known,
    ...await readLevels(kv, missing.map((m) => m.line.productId)),
  ]);
  stageNextRecord(op, stock, at, {}, new Set(moves.map((m) => m.line.productId)));
  const ctx = { orderId: order.value.id, now: at };
  for (const move of moves) stageMove(op, ctx, move, levels.get(move.line.productId));
  return { op };
}
