/**
 * The crash: a storm during which one process is SIGKILLed — requests, webhook deliveries
 * and task leases in flight are simply abandoned — and started again on the same port and
 * KV file. The emulator's retries and the outbox's leases must leave every order right and
 * every follow-up done once in effect.
 */
import { listOrderTasks } from "@/lib/tasks/outbox.ts";
import { verify } from "./oracle.ts";
import { runPhase } from "./phase.ts";
import { startSettle } from "./processes.ts";
import type { PhaseRow } from "./report.ts";
import { storm } from "./storm.ts";
import { type PlacedOrder, settle, sleep, type Suite } from "./suite.ts";

export interface CrashOptions {
  sessions: number;
  concurrency: number;
  settleMs: number;
  /** How long the killed process stays down. */
  downMs?: number;
}

export function crashPhase(suite: Suite, options: CrashOptions): Promise<PhaseRow> {
  return runPhase(suite, "crash", async () => {
    const notes: string[] = [];
    const index = suite.prng.int(0, suite.processes.length - 1);
    const killAt = Math.max(1, Math.floor(options.sessions * 0.4));
    let crash: Promise<void> | undefined;
    // A mail API that takes its time keeps receipt tasks mid-send, so the kill catches some.
    suite.mailbox.setLatency(100);
    const orders = await storm(suite, {
      phase: "crash",
      sessions: options.sessions,
      concurrency: options.concurrency,
      onPlaced: (count) => {
        if (count >= killAt && !crash) {
          crash = killAndRestart(suite, index, options.downMs ?? 1500, notes);
        }
      },
    });
    await crash;
    suite.mailbox.setLatency(0);
    const left = await settle(suite, options.settleMs);
    const verdict = await verify(suite, orders, { allowResend: true });
    if (left) verdict.problems.push(`${left} tasks still queued after ${options.settleMs} ms`);
    const ready = await Promise.all(
      suite.processes.map((p) => suite.client.send("/readyz", {}, { origin: p.url, tries: 1 })),
    );
    if (ready.some((r) => r.status !== 200)) {
      verdict.problems.push(`readyz after the crash: ${ready.map((r) => r.status)}`);
    }
    notes.push(
      `${orders.length} sessions; ${verdict.paid} paid; ` +
        `${await rerunTasks(suite, orders)} follow-up tasks ran again after the crash`,
    );
    return { verdict, notes };
  });
}

/** Tasks of `orders` that needed more than one run (a lease the killed process held, or a retry). */
async function rerunTasks(suite: Suite, orders: PlacedOrder[]): Promise<number> {
  let n = 0;
  for (const order of orders) {
    const tasks = await listOrderTasks(suite.kv, order.orderId);
    n += tasks.filter((t) => t.attempts > 1).length;
  }
  return n;
}

async function killAndRestart(
  suite: Suite,
  index: number,
  downMs: number,
  notes: string[],
): Promise<void> {
  const victim = suite.processes[index];
  const started = performance.now();
  await victim.kill();
  suite.log(`crash: SIGKILLed ${victim.name} (${victim.url})`);
  await sleep(downMs);
  suite.processes[index] = await startSettle(victim.name, suite.setup, victim.port);
  const down = (performance.now() - started) / 1000;
  notes.push(
    `SIGKILLed ${victim.name} mid-storm; back on ${victim.url} after ${down.toFixed(1)} s`,
  );
}
