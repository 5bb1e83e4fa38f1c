import assert from "node:assert/strict";
import {
  boundedAtomic,
  CheckBudgetError,
  commitRetryingLocks,
  commitWithRetry,
  MAX_CHECKS_PER_COMMIT,
} from "./atomic.ts";

/** Deno's AtomicOperation as far as committing goes, throwing `errors` first. */
function flakyOp(kv: Deno.Kv, errors: string[]): { op: Deno.AtomicOperation; calls: () => number } {
  const real = kv.atomic().check({ key: ["once"], versionstamp: null }).set(["once"], 1);
  let calls = 0;
  const op = Object.create(real) as Deno.AtomicOperation;
  op.commit = () => {
    calls++;
    const message = errors.shift();
    return message ? Promise.reject(new TypeError(message)) : real.commit();
  };
  return { op, calls: () => calls };
}

Deno.test("commitRetryingLocks commits again while the store is locked", async () => {
  using kv = await Deno.openKv(":memory:");
  const { op, calls } = flakyOp(kv, ["database is locked", "database is locked"]);
  const res = await commitRetryingLocks(op);
  assert.equal(res.ok, true);
  assert.equal(calls(), 3);
  assert.equal((await kv.get(["once"])).value, 1);
});

Deno.test("commitRetryingLocks returns a failed check and rethrows other errors", async () => {
  using kv = await Deno.openKv(":memory:");
  await kv.set(["once"], 0);
  const conflict = flakyOp(kv, []);
  assert.equal((await commitRetryingLocks(conflict.op)).ok, false);
  assert.equal(conflict.calls(), 1);
  const broken = flakyOp(kv, ["Value too large"]);
  await assert.rejects(commitRetryingLocks(broken.op), /Value too large/);
  assert.equal(broken.calls(), 1);
  const stuck = flakyOp(kv, ["database is locked", "database is locked", "database is locked"]);
  await assert.rejects(commitRetryingLocks(stuck.op, { attempts: 2 }), /locked/);
  assert.equal(stuck.calls(), 2);
});

Deno.test("commitWithRetry re-runs the step after a conflict", async () => {
  using kv = await Deno.openKv(":memory:");
  await kv.set(["n"], 0);
  let runs = 0;
  const result = await commitWithRetry(async () => {
    runs++;
    const entry = await kv.get<number>(["n"]);
    // Another writer gets in between the first read and its commit.
    if (runs === 1) await kv.set(["n"], 10);
    return { op: kv.atomic().check(entry).set(["n"], entry.value! + 1), result: entry.value! + 1 };
  });
  assert.deepEqual([result, runs, (await kv.get(["n"])).value], [11, 2, 11]);
});

Deno.test("commitWithRetry: a locked store does not use up the conflict attempts", async () => {
  using kv = await Deno.openKv(":memory:");
  let steps = 0;
  const locks = ["database is locked", "database is locked", "database is locked"];
  const result = await commitWithRetry(() => {
    steps++;
    return Promise.resolve({ op: flakyOp(kv, locks).op, result: "placed" });
  }, { attempts: 2 });
  assert.deepEqual([result, steps, (await kv.get(["once"])).value], ["placed", 1, 1]);
});

Deno.test("boundedAtomic refuses a check beyond self-hosted denokv's limit when it is added", async () => {
  await using kv = await Deno.openKv(":memory:");
  const op = boundedAtomic(kv);
  for (let i = 0; i < MAX_CHECKS_PER_COMMIT; i++) op.check({ key: ["k", i], versionstamp: null });
  assert.throws(
    () => op.check({ key: ["k", "one too many"], versionstamp: null }),
    CheckBudgetError,
  );
  assert.ok(
    (await boundedAtomic(kv).check({ key: ["k"], versionstamp: null }).set(["k"], 1)
      .commit()).ok,
  );
});
