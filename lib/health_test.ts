import assert from "node:assert/strict";
import { readiness } from "./health.ts";
import { enqueue } from "./tasks/outbox.ts";

const ticking = (ago: number) => ({ workerLastTickAt: () => Date.now() - ago });

Deno.test("ready when KV answers and the worker ticked recently; the backlog is counted", async () => {
  using kv = await Deno.openKv(":memory:");
  const op = kv.atomic();
  enqueue(op, { kind: "notify" });
  enqueue(op, { kind: "notify", dueAt: Date.now() + 60_000 });
  await op.commit();
  const r = await readiness({ kv, health: ticking(200) });
  assert.equal(r.ready, true);
  assert.equal(r.kv, "ok");
  assert.equal(r.backlog, 2);
  assert.equal(r.worker.alive, true);
  assert.ok(Math.abs(Date.parse(r.worker.lastTickAt!) - (Date.now() - 200)) < 1000);
});

Deno.test("not ready when the worker is stale, has not ticked, or is missing", async () => {
  using kv = await Deno.openKv(":memory:");
  const stale = await readiness({ kv, health: ticking(60_000) }, { staleAfterMs: 15_000 });
  assert.deepEqual([stale.ready, stale.worker.alive, stale.kv], [false, false, "ok"]);
  const never = await readiness({ kv, health: { workerLastTickAt: () => 0 } });
  assert.deepEqual(never.worker, { lastTickAt: null, alive: false });
  assert.equal((await readiness({ kv })).ready, false);
});

Deno.test("not ready when KV fails", async () => {
  const kv = await Deno.openKv(":memory:");
  kv.close();
  const r = await readiness({ kv, health: ticking(0) });
  assert.deepEqual([r.ready, r.kv, r.backlog], [false, "error", null]);
});

Deno.test("not ready when KV does not answer in time", async () => {
  // A store that never answers (a stalled KV Connect link) stands in for the real one.
  const hung = { get: () => new Promise(() => {}) } as unknown as Deno.Kv;
  const started = Date.now();
  const r = await readiness({ kv: hung, health: ticking(0) }, { timeoutMs: 50 });
  assert.deepEqual([r.ready, r.kv], [false, "timeout"]);
  assert.ok(Date.now() - started < 1000);
});
