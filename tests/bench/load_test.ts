import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { generateLoad, percentile, type PreparedRequest } from "./load.ts";

Deno.test("percentile is nearest-rank over sorted samples", () => {
  const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  equal(percentile(sorted, 50), 50);
  equal(percentile(sorted, 99), 99);
  equal(percentile(sorted, 100), 100);
  equal(percentile(Float64Array.of(7), 99), 7);
  ok(Number.isNaN(percentile(new Float64Array(0), 50)));
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
    deepStrictEqual(
      seen.map(Number).sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, i) => i),
    );
    equal(result.requests, 100);
    equal(result.ok, 90);
    equal(result.errors, 10);
    deepStrictEqual(result.statuses, { "200": 90, "500": 10 });
    deepStrictEqual(result.outcomes, { applied: 50, duplicate: 40 });
    ok(result.p50Ms > 0 && result.p50Ms <= result.p99Ms && result.p99Ms <= result.maxMs);
  } finally {
    await server.shutdown();
  }
});

Deno.test("generateLoad stops at the time limit with requests left over", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    await req.text();
    await new Promise((r) => setTimeout(r, 200));
    return new Response("ok");
  });
  try {
    const started = performance.now();
    const result = await generateLoad(
      `http://127.0.0.1:${server.addr.port}/`,
      requests(1000),
      2,
      1,
    );
    ok(performance.now() - started < 3000);
    ok(result.requests < 20, `sent ${result.requests}`);
    equal(result.ok, result.requests);
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
    equal(result.ok, 2);
    deepStrictEqual(seen, ["GET ", "POST posted"]);
  } finally {
    await server.shutdown();
  }
});
