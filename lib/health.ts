/**
 * Readiness for /readyz: KV answers a read in time, this process's outbox worker is ticking,
 * and how many tasks wait. Liveness (/healthz) needs none of this and touches nothing.
 */
import { keys } from "./db/keys.ts";
import type { AppDeps } from "./state.ts";
import { countPending } from "./tasks/outbox.ts";

/** What the runtime exposes about its background work. */
export interface Health {
  /** When the outbox worker last finished a tick (epoch ms; 0 before the first). */
  workerLastTickAt(): number;
}

export interface ReadinessOptions {
  /** How long KV may take to answer (default 1 s). */
  timeoutMs?: number;
  /** A worker whose last tick is older than this is stuck (default 15 s; it polls every 1 s). */
  staleAfterMs?: number;
  /** Stop counting the backlog here, so a flood does not make the probe slow. */
  backlogLimit?: number;
}

export interface Readiness {
  ready: boolean;
  kv: "ok" | "timeout" | "error";
  worker: { lastTickAt: string | null; alive: boolean };
  /** Tasks waiting (capped at backlogLimit); null when KV did not answer. */
  backlog: number | null;
}

export async function readiness(
  deps: Pick<AppDeps, "kv" | "health">,
  options: ReadinessOptions = {},
): Promise<Readiness> {
  const { timeoutMs = 1000, staleAfterMs = 15_000, backlogLimit = 10_000 } = options;
  let kv: Readiness["kv"] = "ok";
  let backlog: number | null = null;
  try {
    await within(deps.kv.get(keys.tasksWake()), timeoutMs);
    backlog = await within(countPending(deps.kv, backlogLimit), timeoutMs);
  } catch (err) {
    kv = err instanceof TimeoutError ? "timeout" : "error";
  }
  const tick = deps.health?.workerLastTickAt() ?? 0;
  const alive = tick > 0 && Date.now() - tick <= staleAfterMs;
  return {
    ready: kv === "ok" && alive,
    kv,
    worker: { lastTickAt: tick > 0 ? new Date(tick).toISOString() : null, alive },
    backlog,
  };
}

class TimeoutError extends Error {}

function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError()), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
