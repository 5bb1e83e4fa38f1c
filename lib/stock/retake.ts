/**
 * Taking stock again for an order that gave it back: an expired order whose owner pays again
 * through a new session. A few lines are taken in the commit that attaches the session
 * (`stageRetake`); more are taken first in chunks (`prepareRetake`), under a compensation
 * task that gives them back if the session is never attached (`abandonRetake`).
 */
import { boundedAtomic } from "../db/atomic.ts";
import { assertInStock } from "../catalog/purchasable.ts";
import { isPaid } from "../orders/order.ts";
import type { Order } from "../orders/types.ts";
import { enqueue } from "../tasks/outbox.ts";
import { RetakeNeededError } from "./errors.ts";
import { inState, LINES_PER_CHUNK, type LineView } from "./lines.ts";
import {
  type OrderStock,
  readLevels,
  readOrderStock,
  runSteps,
  stageMove,
  stageNextRecord,
} from "./moves.ts";
import { COMPENSATION_TASK } from "./reservations.ts";

/**
 * Lines the attach commit can take itself: 10 checks, less the order, the placement record,
 * a new session's waiting-events key, the kept-events task it may queue and the lapse task
 * it may retire.
 */
export const INLINE_RETAKE_LINES = 5;

export { RetakeNeededError };

/** An order whose lines may have gone back to the shelf. */
export const mayNeedRetake = (order: Order) =>
  order.status === "expired" || order.stock === "released";

export interface RetakeHandle {
  taskId: string;
  /** False when this request joined a retake another one started (it leaves it to that one). */
  started: boolean;
}

/**
 * Before a new session for `order`: a 422 naming the first line the shelf can no longer cover
 * (nothing written). A retake too big for the attach commit is done here, in chunks; the
 * handle lets the caller give it back (abandonRetake) if the attach never happens.
 */
export async function prepareRetake(
  kv: Deno.Kv,
  order: Order,
  { now, windowMs }: { now: () => Date; windowMs: number },
): Promise<RetakeHandle | null> {
  if (!mayNeedRetake(order)) return null;
  const first = await readOrderStock(kv, order.id);
  const released = inState(first.lines, "released");
  await assertCovered(kv, order, released);
  if (released.length <= INLINE_RETAKE_LINES) return null;
  let handle: RetakeHandle | null = null;
  let starting: RetakeHandle | null = null;
  const current = () => handle;
  const taking = runSteps<void>(async () => {
    const stock = await readOrderStock(kv, order.id);
    const current = stock.order.value;
    // Paid or cancelled meanwhile: the attach that follows says so.
    if (!current || isPaid(current) || !mayNeedRetake(current)) return done();
    const retake = stock.record.value?.retake ?? null;
    const at = now();
    if (retake === null || retake.taskId !== handle?.taskId) {
      if (retake && retake.deadline > at.getTime()) {
        // Another request's retake is under way: take part in it, leave its ending to it.
        handle = { taskId: retake.taskId, started: false };
      } else {
        const op = boundedAtomic(kv);
        const deadline = at.getTime() + windowMs;
        const task = enqueue(op, {
          kind: COMPENSATION_TASK,
          orderId: order.id,
          dueAt: deadline,
        }, at);
        stageNextRecord(op, stock, at, { retake: { taskId: task.id, deadline } });
        starting = { taskId: task.id, started: true };
        return { op, done: false };
      }
    }
    const todo = inState(stock.lines, "released").slice(0, LINES_PER_CHUNK);
    if (todo.length === 0) return done();
    const op = boundedAtomic(kv).check(stock.order);
    await stageTakes(kv, op, stock, todo, at);
    return { op, done: false };
  }, {
    onLanded: () => {
      if (starting) handle = starting;
      starting = null;
    },
  });
  try {
    await taking;
  } catch (err) {
    // A line sold out meanwhile (422): what this retake took goes back now, not at its deadline.
    const started = current();
    if (started?.started) {
      await abandonRetake(kv, order.id, started.taskId, { now }).catch(() => {});
    }
    throw err;
  }
  return handle;
}

const done = () => ({ op: null, done: true as const, result: undefined });

/**
 * In the commit that attaches a session to `order`: takes back what it gave back (or checks
 * that a retake in chunks has), checking the placement record so no release lands between.
 * Throws RetakeNeededError when more went back than this commit can take.
 */
export async function stageRetake(
  kv: Deno.Kv,
  op: Deno.AtomicOperation,
  order: Order,
  now: Date,
): Promise<void> {
  if (!mayNeedRetake(order)) return;
  const stock = await readOrderStock(kv, order.id);
  const released = inState(stock.lines, "released");
  if (released.length > INLINE_RETAKE_LINES) {
    throw new RetakeNeededError(`order ${order.id} gave back ${released.length} lines meanwhile`);
  }
  await stageTakes(kv, op, stock, released, now, { retake: null });
}

/** Adds the takes of `lines` (each must fit the shelf: else a 422) and the record's next version. */
async function stageTakes(
  kv: Deno.Kv,
  op: Deno.AtomicOperation,
  stock: OrderStock,
  lines: LineView[],
  at: Date,
  changes: { retake?: null } = {},
): Promise<void> {
  const order = stock.order.value!;
  const levels = await readLevels(kv, lines.map((l) => l.productId));
  stageNextRecord(op, stock, at, changes, new Set(lines.map((l) => l.productId)));
  for (const line of lines) {
    const level = levels.get(line.productId)!;
    assertInStock(line.productId, titleOf(order, line.productId), line.quantity, level.value ?? 0);
    stageMove(op, { orderId: order.id, now: at }, { kind: "reserve", line }, level);
  }
}

async function assertCovered(kv: Deno.Kv, order: Order, lines: LineView[]): Promise<void> {
  const levels = await readLevels(kv, lines.map((l) => l.productId));
  for (const line of lines) {
    const available = levels.get(line.productId)?.value ?? 0;
    assertInStock(line.productId, titleOf(order, line.productId), line.quantity, available);
  }
}

const titleOf = (order: Order, productId: string) =>
  order.items.find((i) => i.productId === productId)?.title ?? productId;

/**
 * Ends the retake `taskId` if it is still the order's: clears it, then, unless the order was
 * paid or revived meanwhile, gives back every line the order holds (a retake's leftovers, and
 * anything a release deferred to it). Safe to repeat; returns the units it gave back.
 */
export async function abandonRetake(
  kv: Deno.Kv,
  orderId: string,
  taskId: string,
  { now, guard }: { now: () => Date; guard?: (op: Deno.AtomicOperation) => void },
): Promise<number> {
  let cleared = false;
  let returned = 0;
  let returning = 0;
  return await runSteps<number>(async () => {
    returning = 0;
    const stock = await readOrderStock(kv, orderId);
    const retake = stock.record.value?.retake ?? null;
    const order = stock.order.value;
    const at = now();
    if (!cleared) {
      if (retake?.taskId !== taskId) return { op: null, done: true, result: 0 };
      const op = boundedAtomic(kv);
      guard?.(op);
      stageNextRecord(op, stock, at, { retake: null });
      cleared = true;
      return { op, done: false };
    }
    // Another retake began since: the lines are its business now.
    if (retake || !order || !givesBack(order)) return { op: null, done: true, result: returned };
    const held = inState(stock.lines, "held").slice(0, LINES_PER_CHUNK);
    if (held.length === 0) return { op: null, done: true, result: returned };
    const op = boundedAtomic(kv).check(stock.order);
    guard?.(op);
    const levels = await readLevels(kv, held.map((l) => l.productId));
    stageNextRecord(op, stock, at, {}, new Set(held.map((l) => l.productId)));
    for (const line of held) {
      const move = { kind: "release", line, releaseAs: "returned" } as const;
      stageMove(op, { orderId, now: at }, move, levels.get(line.productId));
    }
    returning = held.reduce((sum, l) => sum + l.quantity, 0);
    return { op, done: false };
  }, { onLanded: () => void (returned += returning) });
}

/** An unpaid order that is closed or has given its stock back wants none held. */
const givesBack = (order: Order) =>
  !isPaid(order) &&
  (order.stock === "released" || order.status === "expired" || order.status === "cancelled");
