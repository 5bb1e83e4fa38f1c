/**
 * Products, orders and ledger checks for the stock module's tests (for tests only). Orders
 * are placed through the module itself, in one commit or in steps, as checkout places them.
 */
import { boundedAtomic } from "../db/atomic.ts";
import { keys } from "../db/keys.ts";
import { writeNewOrder } from "../db/orders.ts";
import { createProduct, getStock, type Product, randomProduct } from "../db/products.ts";
import { newOrder } from "../orders/order.ts";
import type { Order } from "../orders/types.ts";
import { LEDGER_KINDS, type LedgerKind, summarizeLedger } from "./ledger.ts";
import type { StockLine } from "./lines.ts";
import {
  ONE_COMMIT_LINES,
  readLevels,
  reserveInChunks,
  stagePlaced,
  stagePlacementStart,
  stageReservation,
} from "./reservations.ts";

export const clock = () => new Date();

/** `n` tracked products with `level` units each. */
export async function stockedProducts(kv: Deno.Kv, n: number, level: number): Promise<Product[]> {
  const products: Product[] = [];
  for (let i = 0; i < n; i++) products.push(await createProduct(kv, randomProduct(), level));
  return products;
}

/** One unit (or `quantity`) of each product. */
export const linesOf = (products: Product[], quantity = 1): StockLine[] =>
  products.map((p) => ({ productId: p.id, quantity }));

let seq = 0;

/**
 * A pending order for `lines`, its stock reserved as checkout reserves it: in the order's
 * commit when it fits, else in steps (record and compensation task, chunks, order).
 */
export async function placeOrder(
  kv: Deno.Kv,
  lines: StockLine[],
  { steps = lines.length > ONE_COMMIT_LINES, windowMs = 60_000 } = {},
): Promise<Order> {
  const now = new Date();
  const order = newOrder({
    id: `01ORDER${String(++seq).padStart(6, "0")}${crypto.randomUUID().slice(0, 8)}`,
    number: `SO-TEST-${seq}`,
    items: lines.map((l) => ({ ...l, title: `Item ${l.productId}`, unitAmount: 100 })),
    currency: "nzd",
    cartId: null,
    metadata: {},
    now,
  });
  if (!steps) {
    const levels = await readLevels(kv, lines.map((l) => l.productId));
    const op = boundedAtomic(kv);
    stageReservation(op, order.id, lines, levels, now);
    writeNewOrder(op, order);
    await commitOk(op);
    return order;
  }
  const start = boundedAtomic(kv);
  stagePlacementStart(start, {
    orderId: order.id,
    lines,
    requestKey: null,
    dueAt: now.getTime() + windowMs,
    now,
  });
  await commitOk(start);
  await reserveInChunks(kv, order.id, { now: clock, titles: new Map() });
  const record = await kv.get(keys.placement(order.id));
  const op = boundedAtomic(kv);
  stagePlaced(op, record as Deno.KvEntryMaybe<never>, now);
  writeNewOrder(op, order);
  await commitOk(op);
  return order;
}

export async function commitOk(op: Deno.AtomicOperation): Promise<void> {
  const res = await op.commit();
  if (!res.ok) throw new Error("a fixture commit failed its checks");
}

/** Writes `order` as it is (a state moved by hand), keeping its key and indexes simple. */
export async function saveOrder(kv: Deno.Kv, order: Order): Promise<void> {
  await kv.set(keys.order(order.id), order);
}

export interface LedgerCheck {
  /** Per product: level now − (first level + every delta); 0 when the ledger balances. */
  imbalance: Map<string, number>;
  units: Record<LedgerKind, number>;
}

/**
 * For every product: the level now against its ledger (whose first entry is the initial
 * level), and the units moved per kind over all of them.
 */
export async function checkLedger(kv: Deno.Kv, productIds: string[]): Promise<LedgerCheck> {
  const levels = await getStock(kv, productIds);
  const imbalance = new Map<string, number>();
  const units = Object.fromEntries(LEDGER_KINDS.map((k) => [k, 0])) as Record<LedgerKind, number>;
  for (const id of productIds) {
    const summary = await summarizeLedger(kv, id);
    imbalance.set(id, (levels.get(id) ?? 0) - summary.net);
    for (const k of LEDGER_KINDS) units[k] += summary.units[k];
  }
  return { imbalance, units };
}
