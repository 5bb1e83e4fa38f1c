/**
 * The transactional outbox (DESIGN.md "Follow-up tasks"): a task is a KV record written in
 * the same atomic commit as the state change that caused it, so state and follow-ups land
 * together or not at all. The worker (worker.ts) claims and runs them.
 */
import { ulid } from "ulid";
import { DONE_TASK_TTL_MS, keys } from "../db/keys.ts";

export type TaskStatus = "pending" | "done" | "dead";

export interface Task {
  id: string;
  kind: string;
  orderId: string | null;
  payload: Record<string, unknown>;
  status: TaskStatus;
  attempts: number;
  maxAttempts: number;
  /** Epoch ms when the task may next run. */
  dueAt: number;
  /** Epoch ms until which the current claim holds; 0 when unclaimed. */
  leaseUntil: number;
  lastError: string | null;
  /** A short summary of what the last successful run did. */
  result: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewTask {
  kind: string;
  orderId?: string | null;
  payload?: Record<string, unknown>;
  /** Defaults to 8: with the default backoff the last try is about 20 minutes in. */
  maxAttempts?: number;
  /** Run no earlier than this (epoch ms); defaults to now. */
  dueAt?: number;
  /** False when another task of the same commit already writes the wake key. Default true. */
  wakes?: boolean;
  /**
   * False when another check of the commit already keeps it from landing twice: the fresh
   * id's absence check then leaves room under the commit's check budget. Default true.
   */
  checkFresh?: boolean;
}

export const DEFAULT_MAX_ATTEMPTS = 8;

// ulid's default source asks crypto for one byte per character, 16 calls per id, on the
// webhook's hot path (~25 µs an id). The same bytes, drawn 256 at a time.
const randomBytes = new Uint8Array(256);
let nextByte = randomBytes.length;
function randomFraction(): number {
  if (nextByte === randomBytes.length) {
    crypto.getRandomValues(randomBytes);
    nextByte = 0;
  }
  return randomBytes[nextByte++] / 256;
}

/** Adds a new task's records to `op` and returns the task. */
export function enqueue(
  op: Deno.AtomicOperation,
  input: NewTask,
  now = new Date(),
): Task {
  const task: Task = {
    id: ulid(now.getTime(), randomFraction),
    kind: input.kind,
    orderId: input.orderId ?? null,
    payload: input.payload ?? {},
    status: "pending",
    attempts: 0,
    maxAttempts: input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    dueAt: input.dueAt ?? now.getTime(),
    leaseUntil: 0,
    lastError: null,
    result: null,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  if (input.checkFresh !== false) op.check({ key: keys.task(task.id), versionstamp: null });
  op.set(keys.task(task.id), task)
    .set(keys.taskDue(task.dueAt, task.id), task.id);
  if (input.wakes !== false) op.set(keys.tasksWake(), task.id);
  if (task.orderId) {
    // Outlives the done record; a pending task never lives this long (it goes dead first).
    op.set(keys.taskByOrder(task.orderId, task.id), task.id, {
      expireIn: DONE_TASK_TTL_MS * 2,
    });
  }
  return task;
}

/** Adds the mutations that mark a claimed task done (its claim must still hold: see guardClaim). */
export function markDone(
  op: Deno.AtomicOperation,
  claimed: Deno.KvEntry<Task>,
  result: string | null,
  now = new Date(),
): void {
  const task = claimed.value;
  guardClaim(op, claimed)
    .delete(keys.taskDue(task.dueAt, task.id))
    .set(
      keys.task(task.id),
      {
        ...task,
        status: "done",
        leaseUntil: 0,
        result,
        updatedAt: now.toISOString(),
      },
      { expireIn: DONE_TASK_TTL_MS },
    );
}

/**
 * Makes `op` commit only while this worker's claim is the latest write to the task, so a
 * run whose lease expired (and was claimed again) cannot apply its effect a second time.
 */
export function guardClaim(
  op: Deno.AtomicOperation,
  claimed: Deno.KvEntry<Task>,
): Deno.AtomicOperation {
  return op.check({ key: claimed.key, versionstamp: claimed.versionstamp });
}

/** Lists an order's tasks, oldest first. */
export async function listOrderTasks(
  kv: Deno.Kv,
  orderId: string,
): Promise<Task[]> {
  const ids: string[] = [];
  for await (
    const e of kv.list<string>({ prefix: keys.tasksByOrder(orderId) })
  ) {
    ids.push(e.value);
  }
  const tasks: Task[] = [];
  for (let i = 0; i < ids.length; i += 10) {
    const batch = await kv.getMany<Task[]>(
      ids.slice(i, i + 10).map((id) => keys.task(id)),
    );
    for (const e of batch) if (e.value) tasks.push(e.value);
  }
  return tasks;
}

/** How many tasks are waiting (due now or later), for /readyz and the admin panel. */
export async function countPending(
  kv: Deno.Kv,
  limit = 10_000,
): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix: keys.tasksDue() }, { limit })) n++;
  return n;
}
