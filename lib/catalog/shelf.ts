/**
 * The catalog as the shop shows it: active products with the units on hand. Inactive or
 * unknown products are simply not on the shelf.
 */
import { keys } from "../db/keys.ts";
import { getProductBySlug, listProducts, type Product } from "../db/products.ts";
import { availableUnits, isTracked, UNTRACKED_AVAILABLE } from "../stock/stock.ts";

export interface ShelfItem extends Product {
  /** Units in stock now (UNTRACKED_AVAILABLE for a product whose stock is not tracked). */
  stock: number;
}

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MAX_SLUG_LENGTH = 200;

/**
 * Every active product with its stock, in id order. Callers share reads: while one read is
 * running, the requests arriving meanwhile wait for it to end and share the next one. Each
 * caller's read so starts after the caller arrived, so it sees every write committed before
 * (a shopper's own checkout included); under load the catalog costs one read per read time,
 * not one per request. The list is shared: callers must not change it.
 */
export function listShelf(kv: Deno.Kv): Promise<readonly ShelfItem[]> {
  let lane = lanes.get(kv);
  if (!lane) lanes.set(kv, lane = { running: null, next: null });
  if (lane.next) return lane.next;
  const ready = lane.running ?? Promise.resolve();
  const read = ready.then(() => {
    lane.next = null;
    return readShelf(kv);
  });
  lane.next = read;
  const settled: Promise<void> = read.then(noop, noop).then(() => {
    if (lane.running === settled) lane.running = null;
  });
  lane.running = settled;
  return read;
}

interface Lane {
  /** The read in flight (settled either way), which a new read waits for. */
  running: Promise<void> | null;
  /** The read not started yet, which arriving callers join. */
  next: Promise<readonly ShelfItem[]> | null;
}

const lanes = new WeakMap<Deno.Kv, Lane>();
const noop = () => {};

/**
 * The products and the stock levels as two range reads side by side: a getMany of the stock
 * keys reads one range per key, and cost the catalog page about a third more CPU than both
 * lists (measured on the demo shelf).
 */
async function readShelf(kv: Deno.Kv): Promise<ShelfItem[]> {
  const [products, levels] = await Promise.all([listProducts(kv), listStockLevels(kv)]);
  return products.map((p) => ({
    ...p,
    stock: isTracked(p) ? levels.get(p.id) ?? 0 : UNTRACKED_AVAILABLE,
  }));
}

async function listStockLevels(kv: Deno.Kv): Promise<Map<string, number>> {
  const levels = new Map<string, number>();
  for await (const entry of kv.list<number>({ prefix: keys.stockLevels() })) {
    levels.set(String(entry.key[1]), entry.value);
  }
  return levels;
}

/** The active product at `slug`, or null (also for slugs no product could have). */
export async function findShelfItem(kv: Deno.Kv, slug: string): Promise<ShelfItem | null> {
  // A URL segment can be far longer than a KV key may be; such a slug matches nothing.
  if (slug.length > MAX_SLUG_LENGTH || !SLUG.test(slug)) return null;
  const product = await getProductBySlug(kv, slug);
  if (!product?.active) return null;
  const stock = (await availableUnits(kv, [product])).get(product.id) ?? 0;
  return { ...product, stock };
}
