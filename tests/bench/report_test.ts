import { equal, ok } from "node:assert/strict";
import type { BenchResult, ScenarioRow } from "./bench.ts";
import { figureTable, markdown, markdownTable, textTable } from "./report.ts";

Deno.test("figureTable puts Settle ÷ baseline beside each figure, – when the baseline is missing", () => {
  const table = figureTable([
    { figure: "req/s", settle: 300, baseline: "bare", baselineValue: 1200 },
    { figure: "p50 ms", settle: 12.5, baseline: "bare", baselineValue: 2.5, digits: 2 },
    {
      figure: "req/s",
      settle: 300,
      baseline: "peer: skipped, PostgreSQL not installed",
      baselineValue: null,
    },
  ]);
  equal(table.rows[0].join("|"), "req/s|300|bare|1,200|×0.25");
  equal(table.rows[1].join("|"), "p50 ms|12.5|bare|2.5|×5.00");
  equal(table.rows[2].at(-1), "–");
  equal(table.rows[2][3], "–");
});

const row = (scenario: string): ScenarioRow => ({
  scenario,
  description: `${scenario} server`,
  load: {
    requests: 10,
    ok: 10,
    errors: 0,
    statuses: { "200": 10 },
    outcomes: {},
    elapsedMs: 1000,
    rps: 10,
    p50Ms: 1,
    p99Ms: 2,
    maxMs: 3,
    clientCpuMs: 5,
  },
  serverCpuMs: 20,
  threadCpuMs: { js: 10, kv: 4, db: 6 },
  probeCommitMs: 1,
  stealPercent: 0,
});

Deno.test("markdown lists skipped scenarios in the table and gathers figures at the top", () => {
  const result: BenchResult = {
    name: "webhook",
    title: "Webhook",
    rows: [row("full")],
    skipped: [{
      scenario: "peer",
      description: "Node + PostgreSQL",
      reason: "PostgreSQL not installed",
    }],
    figures: [{ figure: "req/s", settle: 10, baseline: "bare", baselineValue: 20 }],
    tables: [{ headers: ["a", "b"], rows: [["x", "1"]] }],
    ratios: [],
    checks: [],
    failures: [],
    notes: [],
  };
  const machine = { cpus: 2, cpuModel: "cpu", memoryGiB: 1, os: "linux", deno: "2" };
  const doc = markdown([result], machine, "deno task bench", new Date(0));
  ok(doc.indexOf("## Summary") < doc.indexOf("## Webhook"));
  ok(doc.includes("| req/s | 10 | bare | 20 | ×0.50 |"));
  const peer = doc.split("\n").find((l) => l.startsWith("| peer |"))!;
  ok(peer.includes("skipped: PostgreSQL not installed") && peer.endsWith("| Node + PostgreSQL |"));
  // KV and DB CPU share one column: (4 + 6) ms over 10 requests.
  ok(doc.split("\n").find((l) => l.startsWith("| full |"))!.includes("| 1.000 | 1.000 |"));
  ok(markdownTable(result.tables![0]).includes("| x | 1 |"));
  equal(textTable(result.tables![0]).split("\n")[1], "x  1");
});
