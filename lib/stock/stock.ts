/**
 * Stock levels as people change them: adjustments (+/− with a reason, by someone) and
 * setting a level outright. Each is one atomic commit that checks the level it read, writes
 * the new one and one ledger entry, and is retried on conflict, so it races safely with
 * checkouts and never takes the level below zero. Also: what a shopper may buy of a product,
 * whose stock may not be tracked at all.
 */
import { boundedAtomic, commitWithRetry } from "../db/atomic.ts";
import { keys } from "../db/keys.ts";
import type { Product } from "../db/products.ts";
import { StockBelowZeroError, StockInputError } from "./errors.ts";
import { type LedgerEntry, stageLedgerEntry } from "./ledger.ts";
import { readLevels } from "./moves.ts";

export { StockBelowZeroError, StockInputError };

export interface AdjustInput {
  /** Units to add (+) or take away (−); a whole number, not 0. */
  delta: number;
  /** Why, in a few words ("stock-take", "damaged in transit"). */
  reason: string;
  /** Who: e.g. `admin:alice`, `import`. */
  actor: string;
  /** The adjustment's time; now by default. */
  at?: Date;
}

export interface Adjusted {
  stock: number;
  entry: LedgerEntry;
}

const MAX_REASON = 500;

/**
 * Adds `delta` to the product's stock, with its ledger entry, in one commit. Throws
 * StockBelowZeroError (nothing written) when the result would be negative.
 */
export async function adjustStock(
  kv: Deno.Kv,
  productId: string,
  input: AdjustInput,
): Promise<Adjusted> {
  const { delta, reason, actor } = validated(input);
  if (delta === 0) throw new StockInputError("An adjustment must change the stock");
  return await commitWithRetry(async () => {
    const level = await readLevel(kv, productId);
    return stageAdjustment(kv, productId, level, delta, { reason, actor, at: input.at });
  }, { attempts: 50 });
}

/**
 * Sets the product's stock to `level`: an adjustment by the difference, computed against the
 * level the commit checks. Nothing is written (entry null) when the level is already that.
 */
export async function setStockLevel(
  kv: Deno.Kv,
  productId: string,
  level: number,
  input: { reason: string; actor: string; at?: Date },
): Promise<{ stock: number; entry: LedgerEntry | null }> {
  const { reason, actor } = validated({ ...input, delta: 0 });
  if (!Number.isSafeInteger(level) || level < 0) {
    throw new StockInputError(`A stock level is a whole number ≥ 0, not ${level}`);
  }
  return await commitWithRetry<{ stock: number; entry: LedgerEntry | null }>(async () => {
    const current = await readLevel(kv, productId);
    const delta = level - (current.value ?? 0);
    if (delta === 0) return { op: null, result: { stock: level, entry: null } };
    return stageAdjustment(kv, productId, current, delta, { reason, actor, at: input.at });
  }, { attempts: 50 });
}

function stageAdjustment(
  kv: Deno.Kv,
  productId: string,
  level: Deno.KvEntryMaybe<number>,
  delta: number,
  { reason, actor, at }: { reason: string; actor: string; at?: Date },
): { op: Deno.AtomicOperation; result: Adjusted } {
  const stock = (level.value ?? 0) + delta;
  if (stock < 0) throw new StockBelowZeroError(productId, level.value ?? 0, delta);
  const op = boundedAtomic(kv).check(level).set(keys.stock(productId), stock);
  const entry = stageLedgerEntry(op, {
    productId,
    delta,
    after: stock,
    kind: "adjusted",
    reason,
    actor,
  }, at ?? new Date());
  return { op, result: { stock, entry } };
}

/** The product's level (throws for an unknown product). */
async function readLevel(kv: Deno.Kv, productId: string): Promise<Deno.KvEntryMaybe<number>> {
  const [product, level] = await kv.getMany<[Product, number]>([
    keys.product(productId),
    keys.stock(productId),
  ]);
  if (!product.value) throw new StockInputError(`There is no product ${productId}`, true);
  return level;
}

function validated(input: AdjustInput): AdjustInput {
  if (!Number.isSafeInteger(input.delta)) {
    throw new StockInputError(`A stock change is a whole number of units, not ${input.delta}`);
  }
  const reason = input.reason?.trim() ?? "";
  if (!reason || reason.length > MAX_REASON) {
    throw new StockInputError(`Say why the stock changes (1–${MAX_REASON} characters)`);
  }
  const actor = input.actor?.trim() ?? "";
  if (!actor || actor.length > 200) throw new StockInputError("Say who changes the stock");
  return { ...input, reason, actor };
}

/**
 * What the shop shows and lets a shopper buy of a product whose stock is not tracked: more
 * than any line may hold (99), so it is never sold out.
 */
export const UNTRACKED_AVAILABLE = 9_999;

/** Products are tracked unless they say otherwise (products stored before the flag are). */
export const isTracked = (product: Pick<Product, "trackStock"> | { trackStock?: boolean }) =>
  product.trackStock !== false;

/** Units a shopper may buy now, per product (untracked: UNTRACKED_AVAILABLE). */
export async function availableUnits(
  kv: Deno.Kv,
  products: Pick<Product, "id" | "trackStock">[],
): Promise<Map<string, number>> {
  const tracked = products.filter(isTracked).map((p) => p.id);
  return unitsAvailable(products, await readLevels(kv, tracked));
}

/**
 * Units a shopper may buy now, per product, from stock levels already read (a reader that
 * reads the levels beside the products, as checkout does, saves a round trip).
 */
export function unitsAvailable(
  products: Pick<Product, "id" | "trackStock">[],
  levels: Map<string, Deno.KvEntryMaybe<number>>,
): Map<string, number> {
  return new Map(
    products.map((p) => [
      p.id,
      isTracked(p) ? levels.get(p.id)?.value ?? 0 : UNTRACKED_AVAILABLE,
    ]),
  );
}
