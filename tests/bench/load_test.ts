import assert from "node:assert/strict";
import { generateLoad, percentile, type PreparedRequest } from "./load.ts";

Deno.test("percentile is nearest-rank over sorted samples", () => {
  const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 50), 50);
  assert.equal(percentile(sorted, 99), 99);
  assert.equal(percentile(sorted, 100), 100);
  assert.equal(percentile(Float64Array.of(7), 99), 7);
  assert.ok(Number.isNaN(percentile(new Float64Array(0), 50)));
});

function requests(n: number): PreparedRequest[] {
  return Array.from({ length: n }, (_, i) => ({
    body: String(i),
    headers: { "content-type": "text/plain" },
  }));
}

Deno.test("generateLoad sends each request once and tallies statuses and outcomes", async () => {
  const seen: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const body = await req.text();
    seen.push(body);
    if (Number(body) % 10 === 0) return new Response("no", { status: 500 });
    return Response.json({ outcome: Number(body) % 2 ? "applied" : "duplicate" });
  });
  try {
    const result = await generateLoad(
      `http://127.0.0.1:${server.addr.port}/`,
      requests(100),
      8,
      30,
    );
    assert.deepEqual(
      seen.map(Number).sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.equal(result.requests, 100);
    assert.equal(result.ok, 90);
    assert.equal(result.errors, 10);
    assert.deepEqual(result.statuses, { "200": 90, "500": 10 });
    assert.deepEqual(result.outcomes, { applied: 50, duplicate: 40 });
    assert.ok(result.p50Ms > 0 && result.p50Ms <= result.p99Ms && result.p99Ms <= result.maxMs);
  } finally {
    await server.shutdown();
  }
});

Deno.test("generateLoad stops at the time limit with requests left over", async () => {
  let clock = 0;
  let received = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    await req.text();
    // The one-second limit runs out as the fifth request arrives.
    if (++received === 5) clock += 1000;
    return new Response("ok");
  });
  try {
    const result = await generateLoad(
      `http://127.0.0.1:${server.addr.port}/`,
      requests(1000),
      2,
      1,
      () => clock,
    );
    // The other connection may have had one more on its way before the limit.
    assert.ok(result.requests === 5 || result.requests === 6, `sent ${result.requests}`);
    assert.equal(result.ok, result.requests);
  } finally {
    await server.shutdown();
  }
});

Deno.test("generateLoad sends a GET without its body and POST by default", async () => {
  const seen: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    seen.push(`${req.method} ${await req.text()}`);
    return new Response("ok");
  });
  try {
    const result = await generateLoad(
      `http://127.0.0.1:${server.addr.port}/`,
      [
        { method: "GET", body: "ignored", headers: {} },
        { body: "posted", headers: { "content-type": "text/plain" } },
      ],
      1,
      30,
    );
    assert.equal(result.ok, 2);
    assert.deepEqual(seen, ["GET ", "POST posted"]);
  } finally {
    await server.shutdown();
  }
});
