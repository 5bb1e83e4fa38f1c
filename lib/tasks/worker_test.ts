import assert from "node:assert/strict";
import { commitWithRetry } from "../db/atomic.ts";
import { keys } from "../db/keys.ts";
import { enqueue, listOrderTasks, markDone, type Task } from "./outbox.ts";
import { createRequestGauge } from "./load_gauge.ts";
import { createWorker, LeaseLostError, type LoopEvent, type TaskHandler } from "./worker.ts";

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
  assert.equal((await op.commit()).ok, true);
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
  assert.equal(await worker.runOnce(), 1);
  assert.equal((await getTask(kv, task.id)).lastError, "boom 1");
  assert.equal(await worker.runOnce(), 0, "not due before its backoff");
  c.advance(1000);
  assert.equal(await worker.runOnce(), 1);
  c.advance(1000);
  assert.equal(await worker.runOnce(), 1);
  const done = await getTask(kv, task.id);
  assert.deepEqual([done.status, done.attempts, done.result, calls], [
    "done",
    3,
    "ok",
    3,
  ]);
  c.advance(60_000);
  assert.equal(await worker.runOnce(), 0, "a done task never runs again");
  const due = await Array.fromAsync(kv.list({ prefix: keys.tasksDue() }));
  assert.equal(due.length, 0);
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
  assert.deepEqual([dead.status, dead.attempts, dead.lastError], [
    "dead",
    3,
    "supplier down",
  ]);
  assert.deepEqual((await kv.get(keys.taskDead(task.id))).value, task.id);
  assert.equal((await kv.get(["flags", "order-1"])).value, "supplier down");
  assert.equal(
    (await Array.fromAsync(kv.list({ prefix: keys.tasksDue() }))).length,
    0,
  );
  assert.deepEqual((await listOrderTasks(kv, "order-1")).map((t) => t.status), [
    "dead",
  ]);
});

Deno.test("a lease that expires mid-run: the task is taken over and its effect lands once", async () => {
  using kv = await Deno.openKv(":memory:");
  const c = clock();
  const task = await seedTask(kv, "effect", c.now());
  const firstRunStarted = Promise.withResolvers<void>();
  const firstRunBlocked = Promise.withResolvers<void>();
  let runs = 0;
  // The effect commits together with the task's completion, guarded by the claim.
  const handler: TaskHandler = async (_task, run) => {
    runs++;
    if (runs === 1) {
      firstRunStarted.resolve();
      await firstRunBlocked.promise;
    }
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
  // The slow worker holds the claim once its handler runs.
  await firstRunStarted.promise;
  assert.equal(await fast.runOnce(), 0, "the lease still holds");
  c.advance(1001);
  assert.equal(await fast.runOnce(), 1, "the expired lease is taken over");
  firstRunBlocked.resolve();
  await stuck;
  assert.equal((await kv.get(["effects"])).value, 1);
  const done = await getTask(kv, task.id);
  assert.deepEqual([done.status, done.attempts], ["done", 2]);
});

Deno.test("the background loop wakes on a new task without waiting for the poll", async () => {
  using kv = await Deno.openKv(":memory:");
  const idle = Promise.withResolvers<void>();
  const waitsEndedBy: LoopEvent[] = [];
  const ran = Promise.withResolvers<string>();
  const worker = createWorker({
    kv,
    pollMs: 60_000,
    handlers: { hello: (t) => Promise.resolve(ran.resolve(t.id)) },
    onLoop: (event) => {
      if (event === "idle") idle.resolve();
      else waitsEndedBy.push(event);
    },
  });
  worker.start();
  try {
    // Seeded once the loop has drained what was due and waits, so only a wake-up is prompt.
    await idle.promise;
    const task = await seedTask(kv, "hello", new Date());
    assert.equal(await ran.promise, task.id);
    assert.ok(!waitsEndedBy.includes("poll"), "woken, not polled");
    assert.ok(worker.lastTickAt() > 0);
  } finally {
    await worker.stop();
  }
});

Deno.test("the loop claims nothing while requests are in flight and runs the task once they end", async () => {
  using kv = await Deno.openKv(":memory:");
  const gauge = createRequestGauge({ quietMs: 0 });
  const request = Promise.withResolvers<void>();
  const inFlight = gauge.track(() => request.promise);
  const yielded = Promise.withResolvers<void>();
  const ran = Promise.withResolvers<void>();
  let requestEnded = false;
  let ranDuringRequest = false;
  const task = await seedTask(kv, "follow_up", new Date());
  const worker = createWorker({
    kv,
    yieldTo: gauge,
    maxYieldMs: 60_000,
    handlers: {
      follow_up: () => {
        ranDuringRequest = !requestEnded;
        return Promise.resolve(ran.resolve());
      },
    },
    onLoop: (event) => event === "yield" && yielded.resolve(),
  });
  worker.start();
  try {
    await yielded.promise;
    assert.equal((await getTask(kv, task.id)).attempts, 0, "not even claimed");
    requestEnded = true;
    request.resolve();
    await inFlight;
    await ran.promise;
    assert.equal(ranDuringRequest, false);
  } finally {
    await worker.stop();
  }
});

Deno.test("under endless load the loop still runs a batch once its yield window is over", async () => {
  using kv = await Deno.openKv(":memory:");
  const gauge = createRequestGauge({ quietMs: 0 });
  const never = Promise.withResolvers<void>();
  const inFlight = gauge.track(() => never.promise);
  const ran = Promise.withResolvers<void>();
  await seedTask(kv, "follow_up", new Date());
  const worker = createWorker({
    kv,
    yieldTo: gauge,
    maxYieldMs: 20,
    handlers: { follow_up: () => Promise.resolve(ran.resolve()) },
  });
  worker.start();
  try {
    await ran.promise;
    assert.ok(gauge.busy(), "the request was still in flight");
  } finally {
    await worker.stop();
    never.resolve();
    await inFlight;
  }
});

Deno.test("two workers claiming batches of the same 25 tasks at once run each task exactly once", async () => {
  using kv = await Deno.openKv(":memory:");
  const at = new Date();
  const ids = [];
  for (let i = 0; i < 25; i++) ids.push((await seedTask(kv, "count", at)).id);
  const runs = new Map<string, number>();
  const handlers: Record<string, TaskHandler> = {
    count: (task) => Promise.resolve(void runs.set(task.id, (runs.get(task.id) ?? 0) + 1)),
  };
  const a = createWorker({ kv, handlers, batch: 25 });
  const b = createWorker({ kv, handlers, batch: 25 });
  let ran = 0;
  for (let round = 0; round < 10; round++) {
    const [x, y] = await Promise.all([a.runOnce(), b.runOnce()]);
    ran += x + y;
    if (x + y === 0) break;
  }
  assert.equal(ran, 25);
  assert.deepEqual(ids.map((id) => runs.get(id)), ids.map(() => 1));
  const statuses = await Promise.all(ids.map(async (id) => (await getTask(kv, id)).status));
  assert.deepEqual(statuses, ids.map(() => "done"));
});
