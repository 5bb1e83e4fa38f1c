/**
 * What every phase works with: the emulator, the processes behind the forwarder, a client,
 * a read handle on the shared KV file, and every order placed so far (the stock check
 * covers all of them). Also the wait for "nothing left to do".
 */
import { countPending } from "@/lib/tasks/outbox.ts";
import type { Emulator } from "@/lib/payments/emulator/server.ts";
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
  | "abandoned";

export interface OrderLine {
  productId: string;
  quantity: number;
}

/** An order the suite placed, as the suite itself knows it (not as Settle stored it). */
export interface PlacedOrder {
  phase: string;
  orderId: string;
  /** Every session the suite opened for it, oldest first. */
  sessionIds: string[];
  lines: OrderLine[];
  /** From the seeded prices: what the order must cost. */
  total: number;
  viaCart: boolean;
  plan: Plan;
}

export interface Suite {
  emulator: Emulator;
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
 * an in-flight request may still land). Returns the tasks left when `ms` ran out.
 */
export async function settle(suite: Suite, ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  let quietRounds = 0;
  let pending = -1;
  while (Date.now() < deadline) {
    await within(suite.emulator.idle(), Math.max(1, deadline - Date.now()), "webhook delivery")
      .catch(() => {});
    pending = await countPending(suite.kv);
    quietRounds = pending === 0 ? quietRounds + 1 : 0;
    if (quietRounds >= 2) return 0;
    await sleep(pending === 0 ? 300 : 250);
  }
  return pending;
}
