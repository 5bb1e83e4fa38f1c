import assert from "node:assert/strict";
import { Hono } from "hono";
import { keys } from "../db/keys.ts";
import { configureLog } from "../log.ts";
import { errorResponse } from "./errors.ts";
import { rateLimit, take, WINDOW_MS } from "./rate_limit.ts";

/** A tiny app limited per `x-client` header, with a movable clock. */
function limitedApp(kv: Deno.Kv, perMinute: number, clock = { ms: 10 * WINDOW_MS }) {
  const app = new Hono();
  app.onError((err) => errorResponse(err));
  app.post(
    "/limited",
    rateLimit({
      kv,
      name: "test",
      perMinute,
      clientOf: (c) => c.req.header("x-client") ?? "anon",
      now: () => clock.ms,
    }),
    (c) => c.text("ok"),
  );
  const hit = (client: string) =>
    app.request("/limited", { method: "POST", headers: { "x-client": client } });
  return { hit, clock };
}

Deno.test("the request over the limit gets 429, a JSON error and Retry-After", async () => {
  using kv = await Deno.openKv(":memory:");
  const { hit, clock } = limitedApp(kv, 2);
  clock.ms += 45_000; // 15 s left in the window
  assert.equal((await hit("a")).status, 200);
  assert.equal((await hit("a")).status, 200);
  const res = await hit("a");
  assert.equal(res.status, 429);
  assert.equal(res.headers.get("retry-after"), "15");
  assert.deepEqual(await res.json(), {
    error: {
      code: "rate_limited",
      message: "Too many requests: please try again in 15 seconds",
      details: { retryAfter: 15 },
    },
  });
});

Deno.test("clients are counted apart, and a new window starts afresh", async () => {
  using kv = await Deno.openKv(":memory:");
  const { hit, clock } = limitedApp(kv, 1);
  assert.equal((await hit("a")).status, 200);
  assert.equal((await hit("a")).status, 429);
  assert.equal((await hit("b")).status, 200);
  clock.ms += WINDOW_MS;
  assert.equal((await hit("a")).status, 200);
});

Deno.test("0 turns the limit off and writes nothing", async () => {
  using kv = await Deno.openKv(":memory:");
  const { hit } = limitedApp(kv, 0);
  for (let i = 0; i < 5; i++) assert.equal((await hit("a")).status, 200);
  const written = await Array.fromAsync(kv.list({ prefix: ["rate_limits"] }));
  assert.equal(written.length, 0);
});

Deno.test("under a concurrent burst exactly the limit gets through", async () => {
  using kv = await Deno.openKv(":memory:");
  const { hit } = limitedApp(kv, 5);
  const statuses = await Promise.all(Array.from({ length: 30 }, () => hit("burst")));
  const counts = statuses.reduce<Record<number, number>>((acc, r) => {
    acc[r.status] = (acc[r.status] ?? 0) + 1;
    return acc;
  }, {});
  assert.deepEqual(counts, { 200: 5, 429: 25 });
});

Deno.test("the counter lives under rate_limits/name/client/windowStart", async () => {
  using kv = await Deno.openKv(":memory:");
  const now = 7 * WINDOW_MS + 1234;
  assert.deepEqual(await take(kv, "cart", "203.0.113.9", 3, now), { allowed: true });
  assert.deepEqual(await take(kv, "cart", "203.0.113.9", 3, now + 1), { allowed: true });
  const entry = await kv.get(keys.rateLimit("cart", "203.0.113.9", 7 * WINDOW_MS));
  assert.equal(entry.value, 2);
});

Deno.test("a KV failure lets the request through and is logged", async () => {
  const kv = await Deno.openKv(":memory:");
  kv.close();
  const lines: string[] = [];
  const previous = configureLog({ level: "info", write: (line) => lines.push(line) });
  try {
    const { hit } = limitedApp(kv, 1);
    assert.equal((await hit("a")).status, 200);
    assert.equal((await hit("a")).status, 200);
  } finally {
    configureLog(previous);
  }
  assert.equal(lines.length, 2);
  const line = JSON.parse(lines[0]);
  assert.equal(line.level, "error");
  assert.equal(line.limit, "test");
  assert.match(line.message, /let through/);
});
