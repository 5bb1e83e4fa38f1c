/**
 * The outbox worker: every Settle process runs one. It claims due tasks with an atomic
 * lease, runs their idempotent handler, and in one commit marks them done or reschedules
 * them with backoff; after the last attempt a task moves to `tasks_dead`.
 */
import { commitRetryingLocks, commitWithRetry } from "../db/atomic.ts";
import { keys } from "../db/keys.ts";
import { log as writeLog } from "../log.ts";
import type { LoadSignal } from "./load_gauge.ts";
import { markDone, type Task } from "./outbox.ts";

export interface TaskRun {
  kv: Deno.Kv;
  /** The task as this worker claimed it; pass it to markDone/guardClaim in the handler's own commit. */
  claimed: Deno.KvEntry<Task>;
  now: () => Date;
}

/**
 * Runs one task. Return a short result summary. A handler whose effect lives in KV should
 * commit it together with `markDone(op, run.claimed, …)` so the effect and the completion
 * land once; otherwise the worker marks the task done after it returns.
 */
export type TaskHandler = (task: Task, run: TaskRun) => Promise<string | void>;

/**
 * A step of the background loop: it starts waiting (`idle`), then a poll or a wake-up ends
 * the wait; `yield` when it steps aside for the process's requests (see `yieldTo`).
 */
export type LoopEvent = "idle" | "poll" | "wake" | "yield";

/** Thrown by a handler that found its claim gone (another worker took the task over). */
export class LeaseLostError extends Error {
  override name = "LeaseLostError";
}

export interface WorkerOptions {
  kv: Deno.Kv;
  handlers: Record<string, TaskHandler>;
  /**
   * Called while building the commit that dead-letters a task, so the order can be flagged
   * in the same commit. It may read and add checks and mutations to `op`.
   */
  onDead?: (
    task: Task,
    error: string,
    op: Deno.AtomicOperation,
  ) => Promise<void>;
  /** How long a claim holds before another worker may take the task over. */
  leaseMs?: number;
  /** Poll interval; `kv.watch` on the wake key makes pick-up prompt in-process. */
  pollMs?: number;
  /** Tasks claimed per tick. */
  batch?: number;
  /** Delay before attempt `n + 1` after `n` failures. */
  backoffMs?: (attempts: number) => number;
  now?: () => Date;
  /** Where handler failures are reported (defaults to an error entry in the JSON log). */
  log?: (message: string, fields: Record<string, unknown>) => void;
  /**
   * Observes the background loop: `idle` once it has run what is due and starts waiting,
   * then `poll` or `wake` for what ended the wait, so a test can wait on it and tell which.
   */
  onLoop?: (event: LoopEvent) => void;
  /**
   * The process's request load: while it is busy the loop claims nothing, so follow-ups
   * never compete with requests for the CPU and KV's one writer. They run once it is quiet.
   */
  yieldTo?: LoadSignal;
  /**
   * The longest the loop steps aside at a stretch: under endless load it still runs one
   * batch per this window, so follow-ups are late but never starve (default 2 s).
   */
  maxYieldMs?: number;
}

export interface Worker {
  /** Claims and runs what is due now; resolves with how many tasks ran. */
  runOnce(): Promise<number>;
  /** Starts the background loop (poll + wake-up on new tasks). */
  start(): void;
  stop(): Promise<void>;
  /** When the loop last finished a tick (epoch ms), for /readyz. */
  lastTickAt(): number;
}

/**
 * Claims per commit: each claim checks its task, and self-hosted denokv allows 10 checks
 * per commit (DESIGN.md).
 */
const CLAIM_CHUNK = 10;

export const defaultBackoff = (attempts: number) => Math.min(10 * 60_000, 1000 * 4 ** attempts);

export function createWorker(options: WorkerOptions): Worker {
  const {
    kv,
    handlers,
    leaseMs = 30_000,
    batch = 16,
    backoffMs = defaultBackoff,
    now = () => new Date(),
    log = (message, fields) => writeLog("error", message, fields),
  } = options;
  let lastTick = 0;

  /** Adds one task's claim to `op`; null when the task is not claimable now. */
  function stageClaim(op: Deno.AtomicOperation, entry: Deno.KvEntryMaybe<Task>): Task | null {
    const task = entry.value;
    const at = now().getTime();
    if (!task || task.status !== "pending" || task.dueAt > at) return null;
    // The due index moves to the lease's end: if this run dies, the task is due again then.
    const leaseUntil = at + leaseMs;
    const claimed: Task = {
      ...task,
      attempts: task.attempts + 1,
      dueAt: leaseUntil,
      leaseUntil,
      updatedAt: now().toISOString(),
    };
    op.check(entry)
      .delete(keys.taskDue(task.dueAt, task.id))
      .set(keys.taskDue(leaseUntil, task.id), task.id)
      .set(entry.key, claimed);
    return claimed;
  }

  /**
   * Claims up to CLAIM_CHUNK tasks in one commit (one durable write instead of one per
   * task). When another worker took one of them meanwhile the shared commit fails, and
   * each is then claimed on its own so the others are not lost to this tick.
   */
  async function claimChunk(ids: string[]): Promise<Deno.KvEntry<Task>[]> {
    const entries = await kv.getMany<Task[]>(ids.map((id) => keys.task(id)));
    const op = kv.atomic();
    const staged: [Deno.KvEntryMaybe<Task>, Task][] = [];
    for (const entry of entries) {
      const claimed = stageClaim(op, entry);
      if (claimed) staged.push([entry, claimed]);
    }
    if (staged.length === 0) return [];
    const res = await op.commit().catch(() => null);
    // The commit's versionstamp is every claim's: no need to read the tasks back.
    if (res?.ok) {
      return staged.map(([entry, claimed]) => ({
        key: entry.key,
        value: claimed,
        versionstamp: res.versionstamp,
      }));
    }
    if (staged.length === 1) return [];
    const one = await Promise.all(staged.map(([entry]) => claimChunk([entry.value!.id])));
    return one.flat();
  }

  async function finishFailed(
    claimed: Deno.KvEntry<Task>,
    error: string,
  ): Promise<void> {
    await commitWithRetry(async () => {
      const current = await kv.get<Task>(claimed.key);
      // Someone else holds the task now; their run decides its fate.
      if (current.versionstamp !== claimed.versionstamp) {
        return { op: null, result: undefined };
      }
      const task = claimed.value;
      const op = kv.atomic().check(current).delete(
        keys.taskDue(task.dueAt, task.id),
      );
      const stamp = now().toISOString();
      if (task.attempts >= task.maxAttempts) {
        const dead: Task = {
          ...task,
          status: "dead",
          leaseUntil: 0,
          lastError: error,
          updatedAt: stamp,
        };
        op.set(keys.task(task.id), dead).set(keys.taskDead(task.id), task.id);
        await options.onDead?.(dead, error, op);
      } else {
        const dueAt = now().getTime() + backoffMs(task.attempts);
        op.set(keys.task(task.id), {
          ...task,
          dueAt,
          leaseUntil: 0,
          lastError: error,
          updatedAt: stamp,
        })
          .set(keys.taskDue(dueAt, task.id), task.id);
      }
      return { op, result: undefined };
    });
  }

  async function run(claimed: Deno.KvEntry<Task>): Promise<void> {
    const task = claimed.value;
    const handler = handlers[task.kind];
    try {
      if (!handler) throw new Error(`no handler for task kind "${task.kind}"`);
      const result = await handler(task, { kv, claimed, now }) ?? null;
      const after = await kv.get<Task>(claimed.key);
      if (after.versionstamp === claimed.versionstamp) {
        const op = kv.atomic();
        markDone(op, claimed, result, now());
        await commitRetryingLocks(op);
      }
    } catch (err) {
      if (err instanceof LeaseLostError) return;
      const message = err instanceof Error ? err.message : String(err);
      log("task failed", {
        taskId: task.id,
        kind: task.kind,
        attempt: task.attempts,
        error: message,
      });
      await finishFailed(claimed, message);
    }
  }

  async function runOnce(): Promise<number> {
    const due: string[] = [];
    const end = keys.taskDue(now().getTime() + 1, "");
    for await (
      const e of kv.list<string>(
        { start: keys.tasksDue(), end } as Deno.KvListSelector,
        { limit: batch },
      )
    ) {
      due.push(e.value);
    }
    const chunks: string[][] = [];
    for (let i = 0; i < due.length; i += CLAIM_CHUNK) chunks.push(due.slice(i, i + CLAIM_CHUNK));
    let ran = 0;
    await Promise.all(chunks.map(async (ids) => {
      const claimed = await claimChunk(ids);
      ran += claimed.length;
      await Promise.all(claimed.map(run));
    }));
    lastTick = Date.now();
    return ran;
  }

  let stopped = true;
  let wake: (() => void) | null = null;
  let watcher: ReadableStreamDefaultReader<unknown> | null = null;
  let running: Promise<unknown> = Promise.resolve();

  let stopping = Promise.withResolvers<void>();

  /** Waits while the process is busy, at most maxYieldMs. */
  async function yieldToLoad(): Promise<void> {
    const load = options.yieldTo;
    if (!load?.busy()) return;
    options.onLoop?.("yield");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const window = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.maxYieldMs ?? 2000);
    });
    await Promise.race([load.whenIdle(), window, stopping.promise]);
    clearTimeout(timer);
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      try {
        // Drain what is due before sleeping, stepping aside whenever requests come in.
        while (!stopped) {
          await yieldToLoad();
          if (stopped || await runOnce() === 0) break;
        }
      } catch (err) {
        log("task worker tick failed", { error: err });
      }
      if (stopped) break;
      options.onLoop?.("idle");
      const ended = await new Promise<LoopEvent>((resolve) => {
        const timer = setTimeout(() => resolve("poll"), options.pollMs ?? 1000);
        wake = () => {
          clearTimeout(timer);
          resolve("wake");
        };
      });
      wake = null;
      options.onLoop?.(ended);
    }
  }

  async function watchWakeKey(
    reader: ReadableStreamDefaultReader<unknown>,
  ): Promise<void> {
    while (!stopped) {
      const { done } = await reader.read();
      if (done) break;
      wake?.();
    }
  }

  return {
    runOnce,
    lastTickAt: () => lastTick,
    start() {
      if (!stopped) return;
      stopped = false;
      stopping = Promise.withResolvers<void>();
      watcher = kv.watch([keys.tasksWake()]).getReader();
      running = Promise.all([loop(), watchWakeKey(watcher).catch(() => {})]);
    },
    async stop() {
      stopped = true;
      stopping.resolve();
      wake?.();
      await watcher?.cancel().catch(() => {});
      await running;
    },
  };
}
