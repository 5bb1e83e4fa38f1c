import { deepStrictEqual, equal } from "node:assert/strict";
import { areaOf, summarizeProfile } from "./profile.ts";

Deno.test("areaOf names Settle folders, npm packages, Deno extensions and V8 pseudo-frames", () => {
  equal(areaOf("file:///work/main/lib/webhooks/ingest.ts", "ingestWebhook"), "settle lib/webhooks");
  equal(areaOf("file:///work/main/routes/api/payments/webhook.ts", "POST"), "settle routes/api");
  equal(
    areaOf("file:///root/.cache/deno/npm/registry.npmjs.org/hono/4.13.19/dist/compose.js", "x"),
    "npm hono",
  );
  equal(
    areaOf("file:///c/npm/registry.npmjs.org/@twind/core/1.1.3/core.js", "x"),
    "npm @twind/core",
  );
  equal(areaOf("ext:deno_kv/01_db.ts", "commit"), "deno ext:deno_kv");
  equal(areaOf("", "(garbage collector)"), "(garbage collector)");
  equal(areaOf("", "op_kv_atomic_write"), "(native)");
});

Deno.test("summarizeProfile splits busy time by self, inclusive and focus group, idle left out", async () => {
  const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({
    id,
    callFrame: { functionName, url, lineNumber: 0 },
    children,
  });
  const profile = {
    nodes: [
      frame(1, "(root)", "", [2, 5]),
      frame(2, "handler", "file:///app/lib/webhooks/ingest.ts", [3, 4]),
      frame(3, "verify", "file:///app/lib/payments/webhook_signature.ts"),
      frame(4, "commit", "ext:deno_kv/01_db.ts"),
      frame(5, "(idle)", ""),
    ],
    // Node 3 for 3 ms, node 4 for 1 ms, node 2 itself for 1 ms, idle for 5 ms.
    samples: [3, 3, 3, 4, 2, 5],
    timeDeltas: [1000, 1000, 1000, 1000, 1000, 5000],
  };
  const path = await Deno.makeTempFile({ suffix: ".cpuprofile" });
  try {
    await Deno.writeTextFile(path, JSON.stringify(profile));
    const summary = await summarizeProfile(path, 5, {
      kv: /ext:deno_kv/,
      webhook: /lib\/webhooks\//,
    });
    equal(summary.busyMs, 5);
    deepStrictEqual(summary.areas.map((a) => [a.name, a.ms]), [
      ["settle lib/payments", 3],
      ["deno ext:deno_kv", 1],
      ["settle lib/webhooks", 1],
    ]);
    equal(summary.selfTop[0].name, "verify lib/payments/webhook_signature.ts:1");
    equal(summary.selfTop[0].percent, 60);
    equal(summary.inclusiveTop[0].name, "handler lib/webhooks/ingest.ts:1");
    equal(summary.inclusiveTop[0].ms, 5);
    deepStrictEqual(summary.focus.map((f) => [f.name, f.ms]), [["webhook", 5], ["kv", 1]]);
  } finally {
    await Deno.remove(path);
  }
});
