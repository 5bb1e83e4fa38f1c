/**
 * Reserving an order's stock at placement, on every KV backend whatever the basket's size.
 *
 * - A basket whose stock-tracked lines fit one commit (ONE_COMMIT_LINES, with the order's
 *   own checks) is reserved in the order's commit: `stageReservation`.
 * - A bigger one is placed in steps: (1) the placement record, `["placements", orderId]`
 *   (state `placing`), and a compensation task (`return_unplaced_stock`, due when the
 *   placement window closes) in one commit; (2) the lines in chunks of LINES_PER_CHUNK, each
 *   chunk checking the record and every stock key it moves, writing each line's reservation
 *   marker, so a repeated chunk skips what it did; (3) the order's commit, which checks the
 *   record is still `placing` and marks it `placed`. Compensation marks the record
 *   `abandoned` first, so after that no chunk and no order commit can land, then gives back
 *   what the markers say is held, line by line, exactly once.
 *
 * Every later move of the order's stock (release, commit, retake) checks and rewrites the same
 * record, so the moves of one order take turns.
 */
import { boundedAtomic } from "../db/atomic.ts";
import { keys } from "../db/keys.ts";
import { assertInStock } from "../catalog/purchasable.ts";
import { enqueue } from "../tasks/outbox.ts";
import { PlacementAbandonedError } from "./errors.ts";
import {
  bumped,
  inState,
  LINES_PER_CHUNK,
  newRecord,
  type PlacementRecord,
  type StockLine,
} from "./lines.ts";
import {
  readLevels,
  readOrderStock,
  runSteps,
  stageLineMarks,
  stageMove,
  stageRecord,
} from "./moves.ts";

export { readLevels };

/** The outbox task that gives back what an unfinished placement or retake holds. */
export const COMPENSATION_TASK = "return_unplaced_stock";

/**
 * Stock-tracked lines the order's own commit can reserve: self-hosted denokv allows 10
 * checks, and placement checks its Idempotency-Key, its lapse task and the day's
 * order-number counter besides each stock key.
 */
export const ONE_COMMIT_LINES = 7;

export { PlacementAbandonedError };

/**
 * Adds a whole reservation to the order's commit: for each line a check on the level read,
 * the new level, the marker and the ledger entry; and the placement record. The caller has
 * made sure each level covers its line.
 */
export function stageReservation(
  op: Deno.AtomicOperation,
  orderId: string,
  lines: StockLine[],
  levels: Map<string, Deno.KvEntryMaybe<number>>,
  now: Date,
): void {
  stageReservations(op, [{ orderId, lines }], levels, now);
}

/**
 * Adds the reservations of several new orders to one commit (placements committed
 * together): one check and one new level per stock key, however many orders share it, and
 * each order's markers, ledger entries (each with the level its own move left) and record.
 * The caller has made sure the levels cover every line, taken in the given order.
 */
export function stageReservations(
  op: Deno.AtomicOperation,
  orders: { orderId: string; lines: StockLine[] }[],
  levels: Map<string, Deno.KvEntryMaybe<number>>,
  now: Date,
): void {
  const running = new Map<string, number>();
  for (const { orderId, lines } of orders) {
    for (const line of lines) {
      const level = levels.get(line.productId);
      if (!level) throw new Error(`the level of ${line.productId} was not read`);
      const after = (running.get(line.productId) ?? level.value ?? 0) - line.quantity;
      if (after < 0) throw new RangeError(`stock of ${line.productId} would go below zero`);
      running.set(line.productId, after);
      stageLineMarks(op, { orderId, now }, { kind: "reserve", line }, after);
    }
    // A new order id: nothing else can have written its record.
    op.set(keys.placement(orderId), newRecord(orderId, lines, now));
  }
  for (const [productId, after] of running) {
    op.check(levels.get(productId)!).set(keys.stock(productId), after);
  }
}

export interface PlacementStart {
  orderId: string;
  lines: StockLine[];
  /** The Idempotency-Key record written beside it, freed if the placement is abandoned. */
  requestKey: Deno.KvKey | null;
  /** Epoch ms when compensation may give the stock back. */
  dueAt: number;
  now: Date;
}

/**
 * Adds step (1) to `op`: the placement record (checked absent) and its compensation task.
 * Returns the task's id.
 */
export function stagePlacementStart(op: Deno.AtomicOperation, start: PlacementStart): string {
  const key = keys.placement(start.orderId);
  const task = enqueue(op, {
    kind: COMPENSATION_TASK,
    orderId: start.orderId,
    dueAt: start.dueAt,
  }, start.now);
  const record = newRecord(start.orderId, start.lines, start.now, {
    state: "placing",
    taskId: task.id,
    requestKey: start.requestKey,
  });
  op.check({ key, versionstamp: null }).set(key, record);
  return task.id;
}

export interface ChunkOptions {
  now: () => Date;
  /** Product titles, for the out-of-stock message. */
  titles: Map<string, string>;
  /** Called after each chunk lands (a test hook: see SETTLE_TEST_PAUSE_PLACEMENT). */
  afterChunk?: (chunk: number) => Promise<void>;
}

/**
 * Step (2): reserves the placement's lines in chunks. Throws a 422 `out_of_stock` when a line
 * no longer fits, and PlacementAbandonedError once compensation has begun; the caller then
 * abandons the placement (what was reserved goes back).
 */
export async function reserveInChunks(
  kv: Deno.Kv,
  orderId: string,
  { now, titles, afterChunk }: ChunkOptions,
): Promise<void> {
  let landed = 0;
  await runSteps<void>(async () => {
    const { record, lines } = await readOrderStock(kv, orderId);
    if (record.value?.state !== "placing") {
      throw new PlacementAbandonedError(`placement ${orderId} is ${record.value?.state}`);
    }
    const todo = inState(lines, "none").slice(0, LINES_PER_CHUNK);
    if (todo.length === 0) return { op: null, done: true, result: undefined };
    const levels = await readLevels(kv, todo.map((l) => l.productId));
    const op = boundedAtomic(kv);
    const at = now();
    stageRecord(op, record, bumped(record.value, at));
    for (const line of todo) {
      const level = levels.get(line.productId)!;
      const title = titles.get(line.productId) ?? line.productId;
      assertInStock(line.productId, title, line.quantity, level.value ?? 0);
      stageMove(op, { orderId, now: at }, { kind: "reserve", line }, level);
    }
    return { op, done: false };
  }, { onLanded: () => afterChunk?.(++landed) });
}

/**
 * Step (3), in the order's commit: checks the record is still `placing` (compensation has
 * not begun) and marks it `placed`.
 */
export function stagePlaced(
  op: Deno.AtomicOperation,
  record: Deno.KvEntryMaybe<PlacementRecord>,
  now: Date,
): void {
  if (record.value?.state !== "placing") {
    throw new PlacementAbandonedError(
      `placement ${String(record.key[1])} is ${record.value?.state}`,
    );
  }
  stageRecord(op, record, bumped(record.value, now, { state: "placed" }));
}

export interface AbandonOptions {
  now: () => Date;
  /** Adds the caller's guard (a task's claim) to each commit: one check. */
  guard?: (op: Deno.AtomicOperation) => void;
}

/**
 * Gives back what a placement that never became an order holds: marks it `abandoned` (and
 * frees its Idempotency-Key), then returns its held lines in chunks. Safe to run any number
 * of times, also concurrently: returns the units it gave back itself.
 */
export async function abandonPlacement(
  kv: Deno.Kv,
  orderId: string,
  { now, guard }: AbandonOptions,
): Promise<number> {
  let returned = 0;
  let returning = 0;
  return await runSteps<number>(async () => {
    returning = 0;
    const { record, lines } = await readOrderStock(kv, orderId);
    const state = record.value?.state;
    if (!record.value || state === "placed") return { op: null, done: true, result: returned };
    const at = now();
    const op = boundedAtomic(kv);
    guard?.(op);
    if (state === "placing") {
      stageRecord(op, record, bumped(record.value, at, { state: "abandoned" }));
      await freeRequestKey(kv, op, record.value);
      return { op, done: false };
    }
    const held = inState(lines, "held").slice(0, LINES_PER_CHUNK);
    if (held.length === 0) return { op: null, done: true, result: returned };
    const levels = await readLevels(kv, held.map((l) => l.productId));
    stageRecord(op, record, bumped(record.value, at));
    for (const line of held) {
      const move = { kind: "release", line, releaseAs: "returned" } as const;
      stageMove(op, { orderId, now: at, expiring: true }, move, levels.get(line.productId));
    }
    returning = held.reduce((sum, l) => sum + l.quantity, 0);
    return { op, done: false };
  }, { onLanded: () => void (returned += returning) });
}

/** Deletes the placement's Idempotency-Key record while it still names this placement. */
async function freeRequestKey(
  kv: Deno.Kv,
  op: Deno.AtomicOperation,
  record: PlacementRecord,
): Promise<void> {
  if (!record.requestKey) return;
  const entry = await kv.get<{ orderId: string }>(record.requestKey);
  if (entry.value?.orderId !== record.orderId) return;
  op.check(entry).delete(record.requestKey);
}

/** Where a placement stands: null when there is no record (an order placed in one commit). */
export async function placementState(
  kv: Deno.Kv,
  orderId: string,
): Promise<PlacementRecord["state"] | null> {
  return (await kv.get<PlacementRecord>(keys.placement(orderId))).value?.state ?? null;
}
