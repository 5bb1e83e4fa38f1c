import assert from "node:assert/strict";
import { CommitConflictError } from "../db/atomic.ts";
import { keys } from "../db/keys.ts";
import { listLedger } from "./ledger.ts";
import type { ReservationMarker } from "./lines.ts";
import { chunks, readLevels, runSteps, stageMove } from "./moves.ts";

const now = new Date("2026-05-01T00:00:00.000Z");

async function move(kv: Deno.Kv, kind: "reserve" | "release" | "commit" | "take") {
  const levels = await readLevels(kv, ["p"]);
  const op = kv.atomic();
  const after = stageMove(op, { orderId: "o1", now }, {
    kind,
    line: { productId: "p", quantity: 2 },
  }, levels.get("p"));
  assert.ok((await op.commit()).ok);
  const marker = (await kv.get<ReservationMarker>(keys.stockReservation("o1", "p"))).value!;
  return { after, state: marker.state };
}

Deno.test("each kind of move sets the level, the marker and the ledger", async () => {
  await using kv = await Deno.openKv(":memory:");
  await kv.set(keys.stock("p"), 5);
  assert.deepEqual(await move(kv, "reserve"), { after: 3, state: "held" });
  assert.deepEqual(await move(kv, "commit"), { after: null, state: "committed" });
  assert.deepEqual(await move(kv, "release"), { after: 5, state: "released" });
  assert.deepEqual(await move(kv, "take"), { after: 3, state: "committed" });
  const kinds = (await listLedger(kv, "p")).entries.reverse().map((e) => `${e.kind}${e.delta}`);
  assert.deepEqual(kinds, ["reserved-2", "committed0", "released2", "reserved-2", "committed0"]);
  await kv.set(keys.stock("p"), 1);
  const levels = await readLevels(kv, ["p"]);
  assert.throws(() =>
    stageMove(kv.atomic(), { orderId: "o1", now }, {
      kind: "reserve",
      line: { productId: "p", quantity: 2 },
    }, levels.get("p")), RangeError);
});

Deno.test("runSteps re-runs a step whose checks failed and reports each landed step", async () => {
  await using kv = await Deno.openKv(":memory:");
  let landed = 0;
  let runs = 0;
  const result = await runSteps(async () => {
    runs++;
    const entry = await kv.get<number>(["n"]);
    if ((entry.value ?? 0) >= 3) return { op: null, done: true, result: entry.value };
    // The first run's read is stale by the time it commits.
    if (runs === 1) await kv.set(["n"], 0);
    return { op: kv.atomic().check(entry).set(["n"], (entry.value ?? 0) + 1), done: false };
  }, { onLanded: () => void landed++ });
  assert.deepEqual([result, landed, runs], [3, 3, 5]);
  await assert.rejects(
    runSteps(async () => {
      const entry = await kv.get(["n"]);
      await kv.set(["n"], 9);
      return { op: kv.atomic().check(entry).set(["x"], 1), done: false };
    }, { conflicts: 2 }),
    CommitConflictError,
  );
  assert.deepEqual(chunks([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
});
