import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { commitWithRetry } from "../db/atomic.ts";
import { keys } from "../db/keys.ts";
import { enqueue, listOrderTasks, markDone, type Task } from "./outbox.ts";
import { createWorker, LeaseLostError, type TaskHandler } from "./worker.ts";

function clock(start = Date.UTC(2026, 10, 22)) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

async function seedTask(
  kv: Deno.Kv,
  kind: string,
  at: Date,
  maxAttempts = 3,
): Promise<Task> {
  const op = kv.atomic();
  const task = enqueue(op, { kind, orderId: "order-1", maxAttempts }, at);
  assertEquals((await op.commit()).ok, true);
  return task;
}

const getTask = async (kv: Deno.Kv, id: string) => (await kv.get<Task>(keys.task(id))).value!;

Deno.test("a handler that fails twice then succeeds is retried with backoff and ends done", async () => {
  using kv = await Deno.openKv(":memory:");
  const c = clock();
  const task = await seedTask(kv, "flaky", c.now(), 5);
  let calls = 0;
  const worker = createWorker({
    kv,
    now: c.now,
    log: () => {},
    backoffMs: () => 1000,
    handlers: {
      flaky: () => {
        calls++;
        if (calls <= 2) return Promise.reject(new Error(`boom ${calls}`));
        return Promise.resolve("ok");
      },
    },
  });
  assertEquals(await worker.runOnce(), 1);
  assertEquals((await getTask(kv, task.id)).lastError, "boom 1");
  assertEquals(await worker.runOnce(), 0, "not due before its backoff");
  c.advance(1000);
  assertEquals(await worker.runOnce(), 1);
  c.advance(1000);
  assertEquals(await worker.runOnce(), 1);
  const done = await getTask(kv, task.id);
  assertEquals([done.status, done.attempts, done.result, calls], [
    "done",
    3,
    "ok",
    3,
  ]);
  c.advance(60_000);
  assertEquals(await worker.runOnce(), 0, "a done task never runs again");
  const due = await Array.fromAsync(kv.list({ prefix: keys.tasksDue() }));
  assertEquals(due.length, 0);
});

Deno.test("a handler that always fails is dead-lettered and onDead writes in the same commit", async () => {
  using kv = await Deno.openKv(":memory:");
  const c = clock();
  const task = await seedTask(kv, "broken", c.now(), 3);
  const worker = createWorker({
    kv,
    now: c.now,
    log: () => {},
    backoffMs: () => 10,
    handlers: { broken: () => Promise.reject(new Error("supplier down")) },
    onDead: (dead, error, op) => {
      op.set(["flags", dead.orderId!], error);
      return Promise.resolve();
    },
  });
  for (let i = 0; i < 5; i++) {
    await worker.runOnce();
    c.advance(10);
  }
  const dead = await getTask(kv, task.id);
  assertEquals([dead.status, dead.attempts, dead.lastError], [
    "dead",
    3,
    "supplier down",
  ]);
  assertEquals((await kv.get(keys.taskDead(task.id))).value, task.id);
  assertEquals((await kv.get(["flags", "order-1"])).value, "supplier down");
  assertEquals(
    (await Array.fromAsync(kv.list({ prefix: keys.tasksDue() }))).length,
    0,
  );
  assertEquals((await listOrderTasks(kv, "order-1")).map((t) => t.status), [
    "dead",
  ]);
});

Deno.test("a lease that expires mid-run: the task is taken over and its effect lands once", async () => {
  using kv = await Deno.openKv(":memory:");
  const c = clock();
  const task = await seedTask(kv, "effect", c.now());
  let release!: () => void;
  const firstRunBlocked = new Promise<void>((r) => (release = r));
  let runs = 0;
  // The effect commits together with the task's completion, guarded by the claim.
  const handler: TaskHandler = async (_task, run) => {
    runs++;
    if (runs === 1) await firstRunBlocked;
    await commitWithRetry(async () => {
      const current = await kv.get<Task>(run.claimed.key);
      if (current.versionstamp !== run.claimed.versionstamp) {
        throw new LeaseLostError();
      }
      const counter = await kv.get<number>(["effects"]);
      const op = kv.atomic().check(counter).set(
        ["effects"],
        (counter.value ?? 0) + 1,
      );
      markDone(op, run.claimed, "applied");
      return { op, result: undefined };
    });
  };
  const slow = createWorker({
    kv,
    now: c.now,
    leaseMs: 1000,
    log: () => {},
    handlers: { effect: handler },
  });
  const fast = createWorker({
    kv,
    now: c.now,
    leaseMs: 1000,
    log: () => {},
    handlers: { effect: handler },
  });
  const stuck = slow.runOnce();
  await new Promise((r) => setTimeout(r, 20));
  assertEquals(await fast.runOnce(), 0, "the lease still holds");
  c.advance(1001);
  assertEquals(await fast.runOnce(), 1, "the expired lease is taken over");
  release();
  await stuck;
  assertEquals((await kv.get(["effects"])).value, 1);
  const done = await getTask(kv, task.id);
  assertEquals([done.status, done.attempts], ["done", 2]);
});

Deno.test("the background loop wakes on a new task without waiting for the poll", async () => {
  using kv = await Deno.openKv(":memory:");
  const ran = Promise.withResolvers<string>();
  const worker = createWorker({
    kv,
    pollMs: 60_000,
    handlers: { hello: (t) => Promise.resolve(ran.resolve(t.id)) },
  });
  worker.start();
  try {
    await new Promise((r) => setTimeout(r, 50));
    const task = await seedTask(kv, "hello", new Date());
    assertEquals(await ran.promise, task.id);
    ok(worker.lastTickAt() > 0);
  } finally {
    await worker.stop();
  }
});
