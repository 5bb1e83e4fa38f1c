/**
 * What every phase works with: the emulators, the processes behind the forwarder, a client,
 * a read handle on the shared KV file, and every order placed so far (the stock check
 * covers all of them). Also the wait for "nothing left to do".
 */
import { keys } from "@/lib/db/keys.ts";
import type { Emulator } from "@/lib/payments/emulator/server.ts";
import type { RazorpayEmulator } from "@/lib/payments/razorpay/emulator/server.ts";
import type { ShopClient } from "./client.ts";
import type { Forwarder } from "./forwarder.ts";
import type { Mailbox } from "./mailbox.ts";
import type { SettleProcess, SettleSetup } from "./processes.ts";
import type { Prng } from "./prng.ts";
import type { SeededProduct } from "./seed.ts";

export type Plan =
  | "paid"
  | "declined_then_paid"
  | "declined"
  | "expired"
  | "async_paid"
  | "abandoned"
  /** Every try at opening a session failed; the suite ran the checkout's lapse early. */
  | "lapsed";

export interface OrderLine {
  productId: string;
  quantity: number;
}

/** An order the suite placed, as the suite itself knows it (not as Settle stored it). */
export interface PlacedOrder {
  phase: string;
  /** Who took (or was to take) the money; Stripe when unset. */
  provider?: "razorpay";
  orderId: string;
  /** Every session (Razorpay: order) the suite opened for it, oldest first. */
  sessionIds: string[];
  lines: OrderLine[];
  /** From the seeded prices: what the order must cost. */
  total: number;
  viaCart: boolean;
  plan: Plan;
  /** Provider events the suite made Settle keep (they came before the payment's own). */
  keptEvents?: string[];
}

export interface Suite {
  emulator: Emulator;
  /** The one Razorpay both processes use (RAZORPAY_API_BASE), delivering through the forwarder. */
  razorpay: RazorpayEmulator;
  client: ShopClient;
  forwarder: Forwarder;
  mailbox: Mailbox;
  setup: SettleSetup;
  /** The processes now running; a restart replaces its entry. */
  processes: SettleProcess[];
  /** A read handle on the processes' KV file. */
  kv: Deno.Kv;
  catalog: SeededProduct[];
  prng: Prng;
  placed: PlacedOrder[];
  log(line: string): void;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `task` for 0..count-1, `concurrency` at a time, each worker with its own dice. */
export async function pool(
  suite: Suite,
  count: number,
  concurrency: number,
  task: (prng: Prng, i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    const prng = suite.prng.fork();
    while (next < count) await task(prng, next++);
  }));
}

/** Rejects after `ms` with a message naming what did not finish. */
export async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Waits until the emulator has nothing to deliver or retry and the outbox is empty, twice
 * in a row (a delivery can enqueue tasks, a task can make the emulator emit nothing, but
 * an in-flight request may still land). Returns the tasks left when `ms` ran out. Tasks in
 * `waiting` (due long after the run, e.g. a checkout's lapse) do not count.
 */
export async function settle(
  suite: Suite,
  ms: number,
  waiting: ReadonlySet<string> = new Set(),
): Promise<number> {
  const deadline = Date.now() + ms;
  let quietRounds = 0;
  let pending = -1;
  while (Date.now() < deadline) {
    const idle = Promise.all([suite.emulator.idle(), suite.razorpay.idle()]);
    await within(idle, Math.max(1, deadline - Date.now()), "webhook delivery").catch(() => {});
    pending = await countPending(suite.kv, waiting);
    quietRounds = pending === 0 ? quietRounds + 1 : 0;
    if (quietRounds >= 2) return 0;
    await sleep(pending === 0 ? 300 : 250);
  }
  return pending;
}

/** Tasks queued in the outbox (due now or later), leaving out `waiting`. */
async function countPending(kv: Deno.Kv, waiting: ReadonlySet<string>): Promise<number> {
  let n = 0;
  for await (const e of kv.list<string>({ prefix: keys.tasksDue() })) {
    if (!waiting.has(e.value)) n++;
  }
  return n;
}
