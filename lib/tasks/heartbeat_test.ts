import assert from "node:assert/strict";
import { keys } from "../db/keys.ts";
import { beatFor, followHeartbeat } from "./heartbeat.ts";
import { createWorker } from "./worker.ts";

Deno.test("the last tick a worker beats into KV is what a follower on the same store reports", async () => {
  using kv = await Deno.openKv(":memory:");
  const worker = createWorker({ kv, handlers: {} });
  await worker.runOnce();
  const watch = kv.watch<[number]>([keys.workerHeartbeat()]).getReader();
  const stopBeat = beatFor(kv, worker, 60_000);
  const follower = followHeartbeat(kv, 60_000);
  try {
    // Waits for the beat itself, not for time to pass.
    while (!(await watch.read()).value?.[0].value);
    assert.equal(await follower.refresh(), worker.lastTickAt());
    assert.equal(follower.lastTickAt(), worker.lastTickAt());
  } finally {
    follower.stop();
    stopBeat();
    await watch.cancel();
  }
});

Deno.test("a follower reports 0 while no worker has ever beaten", async () => {
  using kv = await Deno.openKv(":memory:");
  const follower = followHeartbeat(kv, 60_000);
  try {
    assert.equal(await follower.refresh(), 0);
  } finally {
    follower.stop();
  }
});
