/**
 * A worker in its own process (WORKER=separate) tells the web process it is alive through
 * KV: `kv.watch` and in-memory ticks do not cross processes, a KV key does.
 */
import { keys } from "../db/keys.ts";
import type { Worker } from "./worker.ts";

/** How often the heartbeat is written and read; well inside /readyz's 15 s staleness. */
export const HEARTBEAT_MS = 5_000;

/** Writes `worker`'s last tick every `everyMs`; returns what stops it. */
export function beatFor(kv: Deno.Kv, worker: Worker, everyMs = HEARTBEAT_MS): () => void {
  let last = 0;
  const beat = () => {
    const tick = worker.lastTickAt();
    if (tick === last) return;
    last = tick;
    // A missed beat only delays /readyz; the next one corrects it.
    kv.set(keys.workerHeartbeat(), tick).catch(() => {});
  };
  beat();
  const timer = setInterval(beat, everyMs);
  return () => clearInterval(timer);
}

export interface HeartbeatReader {
  /** The last tick the other process reported (epoch ms; 0 before the first). */
  lastTickAt(): number;
  /** Reads the heartbeat now; resolves with what lastTickAt() reports from then on. */
  refresh(): Promise<number>;
  stop(): void;
}

/** Follows the heartbeat written by beatFor in another process. */
export function followHeartbeat(kv: Deno.Kv, everyMs = HEARTBEAT_MS): HeartbeatReader {
  let tick = 0;
  const refresh = () =>
    kv.get<number>(keys.workerHeartbeat())
      .then((e) => (tick = e.value ?? 0))
      // An unreadable store keeps the last value: it goes stale and /readyz says so.
      .catch(() => tick);
  refresh();
  const timer = setInterval(refresh, everyMs);
  return { lastTickAt: () => tick, refresh, stop: () => clearInterval(timer) };
}
