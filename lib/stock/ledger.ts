/**
 * The per-product stock ledger: every change of a product's stock key, by an admin or by
 * Settle itself, leaves one entry written in the same commit as the change. An entry says
 * how much moved, why, who or which order moved it, and (when known) the level after it.
 * Kept STOCK_LEDGER_TTL_MS (see lib/db/keys.ts for why).
 */
import { monotonicFactory } from "ulid";
import { keys, STOCK_LEDGER_TTL_MS } from "../db/keys.ts";

export const LEDGER_KINDS = [
  /** An admin, an import or the catalog set the level (reason and actor say who and why). */
  "adjusted",
  /** Taken off the shelf for an order (at placement, or again for an order revived or paid late). */
  "reserved",
  /** An order's units given back: it expired or was cancelled unpaid. */
  "released",
  /** An order's reserved units sold: it was paid (no change to the level). */
  "committed",
  /** Compensation: a placement that never became an order (or a retake never finished) gave back. */
  "returned",
] as const;
export type LedgerKind = typeof LEDGER_KINDS[number];

export interface LedgerEntry {
  /** Time-ordered (a ULID): the entry's place in the ledger. */
  id: string;
  /** ISO time of the commit that moved the stock. */
  at: string;
  productId: string;
  /** Units added to (+) or taken from (−) the shelf; 0 for `committed`. */
  delta: number;
  /** The stock level right after this entry, when the writer knew it. */
  after: number | null;
  kind: LedgerKind;
  reason?: string;
  /** Who made an adjustment, e.g. `admin:alice`, `import`, `system`. */
  actor?: string;
  orderId?: string;
  /** The order line's quantity, for entries about an order (a `committed` one moves 0). */
  quantity?: number;
}

export type NewLedgerEntry = Omit<LedgerEntry, "id" | "at">;

/** Monotonic within a process, so entries written in one millisecond keep their order. */
const nextId = monotonicFactory();

/** Adds one ledger entry to `op` and returns it. */
export function stageLedgerEntry(
  op: Deno.AtomicOperation,
  input: NewLedgerEntry,
  now: Date,
): LedgerEntry {
  const entry: LedgerEntry = { id: nextId(now.getTime()), at: now.toISOString(), ...input };
  op.set(keys.stockLedger(entry.productId, entry.id), entry, { expireIn: STOCK_LEDGER_TTL_MS });
  return entry;
}

export interface LedgerPage {
  /** Newest first. */
  entries: LedgerEntry[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  cursor: string | null;
}

export const MAX_LEDGER_PAGE = 500;

/** A product's ledger, newest first, a page at a time. */
export async function listLedger(
  kv: Deno.Kv,
  productId: string,
  { limit = 50, cursor }: { limit?: number; cursor?: string | null } = {},
): Promise<LedgerPage> {
  const size = Math.max(1, Math.min(MAX_LEDGER_PAGE, Math.floor(limit)));
  const iter = kv.list<LedgerEntry>({ prefix: keys.stockLedgerOf(productId) }, {
    reverse: true,
    // One more than the page shows tells whether another page follows.
    limit: size + 1,
    cursor: cursor ?? undefined,
  });
  const entries: LedgerEntry[] = [];
  let pageEnd: string | null = null;
  for await (const e of iter) {
    if (entries.length === size) return { entries, cursor: pageEnd };
    entries.push(e.value);
    pageEnd = iter.cursor;
  }
  return { entries, cursor: null };
}

export interface LedgerSummary {
  /** Sum of every delta: starting level + net = the level now (within the retention). */
  net: number;
  /** Units moved per kind (absolute; `committed` counts units sold). */
  units: Record<LedgerKind, number>;
  entries: number;
}

/** Totals over a product's whole ledger, optionally only one order's entries. */
export async function summarizeLedger(
  kv: Deno.Kv,
  productId: string,
  { orderId }: { orderId?: string } = {},
): Promise<LedgerSummary> {
  const units = Object.fromEntries(LEDGER_KINDS.map((k) => [k, 0])) as Record<LedgerKind, number>;
  let net = 0;
  let entries = 0;
  for await (const e of kv.list<LedgerEntry>({ prefix: keys.stockLedgerOf(productId) })) {
    const entry = e.value;
    if (orderId !== undefined && entry.orderId !== orderId) continue;
    entries++;
    net += entry.delta;
    units[entry.kind] += entry.kind === "committed" ? entry.quantity ?? 0 : Math.abs(entry.delta);
  }
  return { net, units, entries };
}
