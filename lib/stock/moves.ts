/**
 * The I/O under every stock move of an order: reading its placement record, markers and
 * stock levels, staging one line's move (stock key, marker, ledger entry) and running a
 * move that takes several commits.
 */
import { CommitConflictError, commitRetryingLocks } from "../db/atomic.ts";
import { ABANDONED_PLACEMENT_TTL_MS, keys } from "../db/keys.ts";
import { getManyBatched } from "../db/kv.ts";
import type { Order } from "../orders/types.ts";
import { type LedgerKind, stageLedgerEntry } from "./ledger.ts";
import {
  bumped,
  type LineState,
  type LineView,
  lineViews,
  merged,
  newRecord,
  type PlacementRecord,
  type ReservationMarker,
  type StockLine,
} from "./lines.ts";

/** Stock entries (versionstamps included) by product id. */
export async function readLevels(
  kv: Deno.Kv,
  productIds: string[],
): Promise<Map<string, Deno.KvEntryMaybe<number>>> {
  const unique = [...new Set(productIds)];
  const entries = await getManyBatched<number>(kv, unique.map((id) => keys.stock(id)));
  return new Map(unique.map((id, i) => [id, entries[i]]));
}

/** An order's (or placement's) stock as it stands. */
export interface OrderStock {
  order: Deno.KvEntryMaybe<Order>;
  record: Deno.KvEntryMaybe<PlacementRecord>;
  lines: LineView[];
}

export async function readOrderStock(kv: Deno.Kv, orderId: string): Promise<OrderStock> {
  const [order, record] = await kv.getMany<[Order, PlacementRecord]>([
    keys.order(orderId),
    keys.placement(orderId),
  ]);
  const lines = record.value?.lines ?? merged(order.value?.items ?? []);
  const entries = await getManyBatched<ReservationMarker>(
    kv,
    lines.map((l) => keys.stockReservation(orderId, l.productId)),
  );
  const markers = new Map<string, ReservationMarker>();
  entries.forEach((e, i) => e.value && markers.set(lines[i].productId, e.value));
  return { order, record, lines: lineViews(record.value, order.value, markers) };
}

/**
 * What a move does to one line: `reserve` takes units off the shelf (none or released →
 * held), `release` puts them back (held → released), `commit` sells held units (no change
 * to the level) and `take` sells units that had been put back (released → committed).
 */
export type MoveKind = "reserve" | "release" | "commit" | "take";

const TARGET: Record<MoveKind, LineState> = {
  reserve: "held",
  release: "released",
  commit: "committed",
  take: "committed",
};

export interface LineMove {
  kind: MoveKind;
  line: StockLine;
  /** The ledger kind of a release: `released`, or `returned` for compensation. */
  releaseAs?: Extract<LedgerKind, "released" | "returned">;
}

/** True when the move changes the stock level (and so needs a check on it). */
export const movesLevel = (kind: MoveKind) => kind !== "commit";

export interface MoveContext {
  orderId: string;
  now: Date;
  /** Markers of a placement that never became an order are housekeeping, kept a while. */
  expiring?: boolean;
}

/**
 * Adds one line's move to `op`: a check on the level read and its new value, the marker, and
 * the ledger entries. Returns the level after the move (null when it did not read it).
 */
export function stageMove(
  op: Deno.AtomicOperation,
  ctx: MoveContext,
  move: LineMove,
  level: Deno.KvEntryMaybe<number> | undefined,
): number | null {
  const { productId, quantity } = move.line;
  const delta = move.kind === "release" ? quantity : move.kind === "commit" ? 0 : -quantity;
  let after: number | null = null;
  if (delta !== 0) {
    if (!level) throw new Error(`the level of ${productId} was not read`);
    after = (level.value ?? 0) + delta;
    if (after < 0) throw new RangeError(`stock of ${productId} would go below zero`);
    op.check(level).set(keys.stock(productId), after);
  }
  stageLineMarks(op, ctx, move, after);
  return after;
}

/**
 * The per-order half of a move: the line's marker and ledger entries, `after` being the
 * level the move leaves (null when it does not change it). The caller stages the level.
 */
export function stageLineMarks(
  op: Deno.AtomicOperation,
  ctx: MoveContext,
  move: LineMove,
  after: number | null,
): void {
  const { productId, quantity } = move.line;
  const delta = move.kind === "release" ? quantity : move.kind === "commit" ? 0 : -quantity;
  const marker: ReservationMarker = {
    quantity,
    state: TARGET[move.kind],
    at: ctx.now.toISOString(),
  };
  op.set(
    keys.stockReservation(ctx.orderId, productId),
    marker,
    ctx.expiring ? { expireIn: ABANDONED_PLACEMENT_TTL_MS } : undefined,
  );
  const base = { productId, orderId: ctx.orderId, quantity, after };
  if (move.kind === "reserve" || move.kind === "take") {
    stageLedgerEntry(op, { ...base, delta, kind: "reserved" }, ctx.now);
  }
  if (move.kind === "release") {
    stageLedgerEntry(op, { ...base, delta, kind: move.releaseAs ?? "released" }, ctx.now);
  }
  if (move.kind === "commit" || move.kind === "take") {
    stageLedgerEntry(op, { ...base, delta: 0, after: null, kind: "committed" }, ctx.now);
  }
}

/** Checks the record as read and writes `next` in its place (the turn-taking of moves). */
export function stageRecord(
  op: Deno.AtomicOperation,
  read: Deno.KvEntryMaybe<PlacementRecord>,
  next: PlacementRecord,
): void {
  op.check(read).set(
    keys.placement(next.orderId),
    next,
    next.state === "abandoned" ? { expireIn: ABANDONED_PLACEMENT_TTL_MS } : undefined,
  );
}

/** One commit of a move in several: `done` with its result ends it (op null: nothing to write). */
export type Step<T> =
  | { op: Deno.AtomicOperation; done: false }
  | { op: Deno.AtomicOperation | null; done: true; result: T };

/**
 * Runs `step` until it is done. Each step reads afresh and builds one commit guarded by
 * checks on what it read; a commit that lands moves the work on, a failed check runs the
 * step again (at most `conflicts` times in all), and a locked store is waited out.
 */
export async function runSteps<T>(
  step: () => Promise<Step<T>>,
  { conflicts = 30, onLanded }: {
    conflicts?: number;
    /** Called after each commit that lands and is not the last. */
    onLanded?: () => Promise<void> | void;
  } = {},
): Promise<T> {
  for (let failed = 0; failed <= conflicts;) {
    const next = await step();
    if (!next.op) {
      if (next.done) return next.result;
      throw new Error("a step that is not done must commit something");
    }
    let ok: boolean;
    try {
      ok = (await commitRetryingLocks(next.op)).ok;
    } catch (err) {
      if (!(err instanceof Error && /database is locked|busy|timed? ?out/i.test(err.message))) {
        throw err;
      }
      throw new CommitConflictError(`the store stayed locked: ${err.message}`);
    }
    if (ok && next.done) return next.result;
    if (ok) await onLanded?.();
    else {
      failed++;
      const ms = Math.min(200, 2 ** failed) * (0.5 + Math.random());
      await new Promise((r) => setTimeout(r, ms));
    }
  }
  throw new CommitConflictError(`a stock move gave up after ${conflicts} conflicting commits`);
}

/** Splits `items` into runs of at most `size`. */
export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Adds the record's next version for a move of `stock`'s order: bumped, or created for an
 * order placed before records and markers existed, with markers for the lines this move does
 * not touch (their state is the order's summary).
 */
export function stageNextRecord(
  op: Deno.AtomicOperation,
  stock: OrderStock,
  at: Date,
  changes: Partial<Pick<PlacementRecord, "retake">> = {},
  moved: Set<string> = new Set(),
): void {
  if (stock.record.value) {
    stageRecord(op, stock.record, bumped(stock.record.value, at, changes));
    return;
  }
  const order = stock.order.value;
  if (!order) throw new Error(`order ${String(stock.record.key[1])} not found`);
  const lines = stock.lines.map(({ productId, quantity }) => ({ productId, quantity }));
  stageRecord(op, stock.record, { ...newRecord(order.id, lines, at), ...changes, seq: 1 });
  for (const line of stock.lines) {
    if (line.marked || moved.has(line.productId) || line.state === "none") continue;
    const marker: ReservationMarker = {
      quantity: line.quantity,
      state: line.state,
      at: at.toISOString(),
    };
    op.set(keys.stockReservation(order.id, line.productId), marker);
  }
}
