import assert from "node:assert/strict";
import { createRequestGauge } from "./load_gauge.ts";

Deno.test("the gauge is busy while a request is in flight and for the quiet window after it", async () => {
  let t = 0;
  const gauge = createRequestGauge({ quietMs: 50, now: () => t });
  assert.equal(gauge.busy(), false);
  const request = Promise.withResolvers<string>();
  const tracked = gauge.track(() => request.promise);
  assert.deepEqual([gauge.busy(), gauge.inFlight()], [true, 1]);
  request.resolve("answer");
  assert.equal(await tracked, "answer");
  assert.deepEqual([gauge.busy(), gauge.inFlight()], [true, 0]);
  t = 49;
  assert.equal(gauge.busy(), true);
  t = 50;
  assert.equal(gauge.busy(), false);
});

Deno.test("whenIdle resolves only after the last of overlapping requests has ended", async () => {
  const gauge = createRequestGauge({ quietMs: 0 });
  const first = Promise.withResolvers<void>();
  const second = Promise.withResolvers<void>();
  const a = gauge.track(() => first.promise);
  const b = gauge.track(() => second.promise);
  const seen: string[] = [];
  const idle = gauge.whenIdle().then(() => seen.push("idle"));
  first.resolve();
  await a;
  seen.push("first ended");
  second.resolve();
  await b;
  seen.push("second ended");
  await idle;
  assert.deepEqual(seen, ["first ended", "second ended", "idle"]);
});

Deno.test("a request that throws still leaves the gauge", async () => {
  const gauge = createRequestGauge({ quietMs: 0 });
  await assert.rejects(gauge.track(() => Promise.reject(new Error("handler failed"))));
  assert.equal(gauge.inFlight(), 0);
  await gauge.whenIdle();
});
