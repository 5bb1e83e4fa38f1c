/**
 * The stock an order holds, line by line (pure: no I/O). Each stock-tracked line of an order
 * has a reservation marker, `["stock_reservations", orderId, productId]`, saying what the
 * line holds: `held` (off the shelf, unpaid), `committed` (sold) or `released` (back on the
 * shelf). The markers are the truth about an order's stock; `order.stock` summarises them for
 * the state machine. A move changes a line's state, the product's stock key and the ledger
 * in one commit, so a chunk repeated after a crash skips the lines it already moved.
 */
import type { Order, StockState } from "../orders/types.ts";

export type LineState = "held" | "committed" | "released";

/** What `["stock_reservations", orderId, productId]` holds. */
export interface ReservationMarker {
  quantity: number;
  state: LineState;
  /** ISO time of the move that set this state. */
  at: string;
}

export interface StockLine {
  productId: string;
  quantity: number;
}

/** A line as it stands: `none` while a placement has not reserved it yet. */
export interface LineView extends StockLine {
  state: LineState | "none";
  /** False for an order placed before markers existed, whose state `order.stock` tells. */
  marked: boolean;
}

/** What `["placements", orderId]` holds (see reservations.ts). */
export interface PlacementRecord {
  orderId: string;
  /** The stock-tracked lines; products without tracking hold nothing and are not here. */
  lines: StockLine[];
  /**
   * placing: lines are being reserved and there is no order yet; placed: the order exists;
   * abandoned: it never will, and what was reserved goes back.
   */
  state: "placing" | "placed" | "abandoned";
  /** The compensation task of a placement made in several commits. */
  taskId: string | null;
  /** The placement's Idempotency-Key record, freed when the placement is abandoned. */
  requestKey: Deno.KvKey | null;
  /** A retake in several commits (an expired order paid again), and its compensation task. */
  retake: { taskId: string; deadline: number } | null;
  /** Bumped by every move: every move checks it, so one order's moves take turns. */
  seq: number;
  createdAt: string;
  updatedAt: string;
}

/**
 * Stock-moving lines per chunk: with a guard or three (the placement record, the order, a
 * task's claim) a chunk stays within the 10 checks self-hosted denokv allows in a commit. A
 * placement's chunks carry at most 8 checks (the record and 7 stock keys).
 */
export const LINES_PER_CHUNK = 7;

/** Marker-only moves (held → committed need no stock check) per commit: a whole cart. */
export const MARKER_MOVES_PER_COMMIT = 50;

/** The state of a line that has no marker, from the order's summary (orders made before markers). */
export function legacyState(stock: StockState): LineState {
  return stock === "reserved" ? "held" : stock;
}

/**
 * The lines of an order, or of a placement that has none yet. With a record, its lines are
 * the tracked ones; without (an order placed before markers), every item counts as tracked
 * and its state is the order's summary.
 */
export function lineViews(
  record: PlacementRecord | null,
  order: Order | null,
  markers: Map<string, ReservationMarker>,
): LineView[] {
  const lines = record?.lines ?? merged(order?.items ?? []);
  return lines.map(({ productId, quantity }) => {
    const marker = markers.get(productId);
    if (marker) return { productId, quantity, state: marker.state, marked: true };
    if (!record && order) {
      return { productId, quantity, state: legacyState(order.stock), marked: false };
    }
    return { productId, quantity, state: "none", marked: false };
  });
}

/** Sums repeated product ids (an order's items are merged already; old ones may not be). */
export function merged(items: StockLine[]): StockLine[] {
  const sums = new Map<string, number>();
  for (const { productId, quantity } of items) {
    sums.set(productId, (sums.get(productId) ?? 0) + quantity);
  }
  return [...sums].map(([productId, quantity]) => ({ productId, quantity }));
}

/** The lines in `state`. */
export const inState = (lines: LineView[], ...states: LineView["state"][]) =>
  lines.filter((l) => states.includes(l.state));

/** A new placement record. */
export function newRecord(
  orderId: string,
  lines: StockLine[],
  now: Date,
  fields: Partial<Pick<PlacementRecord, "state" | "taskId" | "requestKey">> = {},
): PlacementRecord {
  const at = now.toISOString();
  return {
    orderId,
    lines,
    state: fields.state ?? "placed",
    taskId: fields.taskId ?? null,
    requestKey: fields.requestKey ?? null,
    retake: null,
    seq: 0,
    createdAt: at,
    updatedAt: at,
  };
}

/** The record after one more move (`changes` applied). */
export function bumped(
  record: PlacementRecord,
  now: Date,
  changes: Partial<Pick<PlacementRecord, "state" | "retake">> = {},
): PlacementRecord {
  return { ...record, ...changes, seq: record.seq + 1, updatedAt: now.toISOString() };
}

/** True while a retake in several commits may still be running. */
export function retakeUnderWay(record: PlacementRecord | null, nowMs: number): boolean {
  return record?.retake !== null && record?.retake !== undefined &&
    record.retake.deadline > nowMs;
}
