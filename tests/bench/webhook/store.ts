/**
 * The Settle store the full-path scenario runs against: a file KV seeded with the demo
 * catalog (stock raised so thousands of orders fit), pending orders placed through the
 * real checkout API, and the after-run check that every order was paid exactly once.
 */
import { seedDemoCatalog } from "@/lib/catalog/demo.ts";
import { keys } from "@/lib/db/keys.ts";
import { listHistory } from "@/lib/db/orders.ts";
import { listProducts } from "@/lib/db/products.ts";
import { setStockLevel } from "@/lib/stock/stock.ts";
import type { Order } from "@/lib/orders/types.ts";
import type { Task } from "@/lib/tasks/outbox.ts";
import { cpuMs } from "../proc.ts";

/** Units put on the shelf of each product the bench orders. */
const BENCH_STOCK = 1_000_000;

export interface BasketLine {
  productId: string;
  quantity: number;
}

/** Seeds the catalog and returns a two-line basket of ordinary (not one-off) products. */
export async function prepareStore(kvPath: string): Promise<BasketLine[]> {
  const kv = await Deno.openKv(kvPath);
  try {
    await seedDemoCatalog(kv);
    const products = (await listProducts(kv)).filter((p) => !p.unique).slice(0, 2);
    if (products.length < 2) throw new Error("the demo catalog has fewer than 2 products");
    for (const p of products) {
      await setStockLevel(kv, p.id, BENCH_STOCK, { reason: "bench", actor: "bench" });
    }
    return products.map((p, i) => ({ productId: p.id, quantity: i + 1 }));
  } finally {
    kv.close();
  }
}

/** How often one checkout is retried after a 5xx (with the same Idempotency-Key). */
const CHECKOUT_ATTEMPTS = 5;

/**
 * Places `count` orders through POST /api/payments/create-checkout-session. Concurrent
 * checkouts contend on the day's order-number counter, and a checkout that gave up on
 * conflicts answers 5xx; like a shopper's client it is sent again with the same
 * Idempotency-Key. Returns the order ids and how many requests were repeats.
 */
export async function placeOrders(
  origin: string,
  basket: BasketLine[],
  count: number,
  concurrency = 4,
): Promise<{ ids: string[]; retries: number }> {
  const ids: string[] = new Array(count);
  const run = crypto.randomUUID().slice(0, 8);
  let next = 0;
  let retries = 0;
  const checkout = async (i: number) => {
    for (let attempt = 1;; attempt++) {
      const res = await fetch(`${origin}/api/payments/create-checkout-session`, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": `bench-${run}-${i}` },
        body: JSON.stringify({ items: basket, metadata: { channel: "bench" } }),
      });
      const text = await res.text();
      if (res.status === 200) return (JSON.parse(text) as { orderId: string }).orderId;
      if (res.status < 500 || attempt === CHECKOUT_ATTEMPTS) {
        throw new Error(`checkout ${res.status}: ${text}`);
      }
      retries++;
    }
  };
  const loop = async () => {
    while (next < count) {
      const i = next++;
      ids[i] = await checkout(i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { ids, retries };
}

/** The orders as stored, in the order of `ids`; throws when one is missing. */
export async function readOrders(kv: Deno.Kv, ids: string[]): Promise<Order[]> {
  const orders: Order[] = [];
  for (let i = 0; i < ids.length; i += 10) {
    const batch = await kv.getMany<Order[]>(ids.slice(i, i + 10).map((id) => keys.order(id)));
    for (const [j, entry] of batch.entries()) {
      if (!entry.value) throw new Error(`order ${ids[i + j]} missing`);
      orders.push(entry.value);
    }
  }
  return orders;
}

export interface PaidCheck {
  /** Entries under ["orders_by_status", "paid"]. */
  paidIndexed: number;
  /** Orders of `ids` whose record says paid. */
  paidRecords: number;
  /** Orders of `ids` with exactly one payment_succeeded history entry, and it applied. */
  paidOnce: number;
  /** Human-readable problems; empty when every order was paid exactly once. */
  problems: string[];
}

/** Checks that each order of `ids` is paid, indexed as paid, and paid exactly once. */
export async function checkPaidOnce(kv: Deno.Kv, ids: string[]): Promise<PaidCheck> {
  const indexed = new Set<string>();
  for await (const e of kv.list<string>({ prefix: keys.ordersByStatus("paid") })) {
    indexed.add(e.value);
  }
  const problems: string[] = [];
  let paidRecords = 0;
  let paidOnce = 0;
  for (const order of await readOrders(kv, ids)) {
    if (order.status === "paid") paidRecords++;
    else problems.push(`${order.id} is ${order.status}`);
    if (!indexed.has(order.id)) problems.push(`${order.id} is not in orders_by_status/paid`);
    const payments = (await listHistory(kv, order.id))
      .filter((h) => h.fact?.kind === "payment_succeeded");
    if (payments.length === 1 && payments[0].outcome.kind === "applied") paidOnce++;
    else {
      problems.push(
        `${order.id}: payment_succeeded outcomes ${payments.map((h) => h.outcome.kind)}`,
      );
    }
  }
  if (indexed.size !== ids.length) {
    problems.push(`orders_by_status/paid holds ${indexed.size}, expected ${ids.length}`);
  }
  return { paidIndexed: indexed.size, paidRecords, paidOnce, problems: problems.slice(0, 20) };
}

/** Follow-up tasks not yet done (due now or later). */
export async function pendingTasks(kv: Deno.Kv): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix: keys.tasksDue() })) n++;
  return n;
}

/** Epoch ms from and to. */
export interface Window {
  from: number;
  to: number;
}

/** When a load that ran `elapsedMs` and has just ended ran, for an afterLoad hook. */
export function loadWindow(elapsedMs: number): Window {
  const to = Date.now();
  return { from: to - elapsedMs, to };
}

/** Tasks finished (in all, and within `window`) and tasks still queued. */
export async function taskCounts(
  kv: Deno.Kv,
  window: Window = { from: 0, to: -1 },
): Promise<{ done: number; doneWithin: number; queued: number }> {
  let done = 0;
  let doneWithin = 0;
  for await (const e of kv.list<Task>({ prefix: keys.tasks() })) {
    if (e.value.status !== "done") continue;
    done++;
    const at = Date.parse(e.value.updatedAt);
    if (at >= window.from && at <= window.to) doneWithin++;
  }
  return { done, doneWithin, queued: await pendingTasks(kv) };
}

export interface DrainStats {
  /** Tasks done and queued when draining began (the load had just ended). */
  doneAtEnd: number;
  /** Of doneAtEnd, those finished during the measured load (whether the worker stepped aside). */
  ranDuringLoad: number;
  queuedAtEnd: number;
  /** Tasks finished while draining. */
  ranAfter: number;
  /** Tasks still queued when draining stopped. */
  left: number;
  ms: number;
  /** Server CPU while draining. */
  cpuMs: number;
}

/** Waits (at most `limitMs`) until the outbox of the server `pid` on `kvPath` is empty. */
export async function drainOutbox(
  kvPath: string,
  pid: number,
  limitMs: number,
  /** When the measured load ran (epoch ms), to count the tasks run meanwhile. */
  load?: Window,
): Promise<DrainStats> {
  const kv = await Deno.openKv(kvPath);
  try {
    const started = performance.now();
    const cpuBefore = await cpuMs(pid);
    const atEnd = await taskCounts(kv, load);
    let left = atEnd.queued;
    while (left > 0 && performance.now() - started < limitMs) {
      await new Promise((r) => setTimeout(r, 250));
      left = await pendingTasks(kv);
    }
    const ms = performance.now() - started;
    const cpuAfter = await cpuMs(pid);
    return {
      doneAtEnd: atEnd.done,
      ranDuringLoad: atEnd.doneWithin,
      queuedAtEnd: atEnd.queued,
      ranAfter: (await taskCounts(kv)).done - atEnd.done,
      left,
      ms,
      cpuMs: cpuAfter === null || cpuBefore === null ? NaN : cpuAfter - cpuBefore,
    };
  } finally {
    kv.close();
  }
}

/** Copies every entry of `from` into `to` (expiry dropped), so a baseline's KV is as full. */
export async function copyKv(from: Deno.Kv, to: Deno.Kv): Promise<number> {
  let op = to.atomic();
  let pending = 0;
  let copied = 0;
  for await (const e of from.list({ prefix: [] })) {
    op.set(e.key, e.value);
    copied++;
    if (++pending === 200) {
      await op.commit();
      op = to.atomic();
      pending = 0;
    }
  }
  if (pending) await op.commit();
  return copied;
}
