/**
 * Cold start: from spawning `deno run -A main.ts` to its first 200 on GET /healthz and then
 * on GET / (the first page also pays for the first render), with the islands bundled at
 * start (no `_fresh/`) and prebuilt by `deno task build`, which also bundles the server:
 * main.ts then runs `_fresh/server.js`, what production runs. The same build run from the
 * sources (`deno run -A lib/start.ts`) shows what the server bundle saves. Baseline: a bare Deno.serve
 * (servers/hello.ts) spawned the same way. Settle runs from a copy of the repository in the
 * temp folder, so the working tree's own `_fresh/` neither helps nor is touched. One spawn
 * per variant first, unmeasured: Deno's caches for a new path and the demo seeding.
 * Wall times swing with the machine's load; the CPU the process used until its first
 * /healthz 200 (from /proc, Linux only) is the steadier figure.
 */
import { cp } from "node:fs/promises";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { serverBundleState } from "@/lib/fresh/server_bundle_freshness.ts";
import type { Bench, BenchOptions, BenchResult, Figure, Table } from "./bench.ts";
import { cpuMs } from "./proc.ts";
import { freePort, runDeno } from "./process.ts";
import { settleEnv } from "./webhook/settle.ts";

/** Not copied: history, local data, build output, test artefacts. */
const SKIP = new Set([".git", ".data", "_fresh", "test-results", "node_modules", "tests"]);
const POLL_MS = 5;
/** The build's assets, but the server from its sources instead of `_fresh/server.js`. */
const SOURCES_PREBUILT = "settle, _fresh/ prebuilt, server from sources";
const LIMIT_MS = 60_000;

interface Spawn {
  /** Spawn → first 200 on /healthz. */
  healthMs: number;
  /** Spawn → first 200 on / (asked right after /healthz answered). */
  pageMs: number;
  /** CPU time (user + system) the process had used when /healthz first answered 200. */
  healthCpuMs: number;
}

interface Variant {
  name: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

export const coldStart: Bench = {
  name: "cold_start",
  title: "Cold start: spawn to first 200 (median of several spawns)",
  async run(options: BenchOptions): Promise<BenchResult> {
    const { root, tmpDir, coldRuns } = options;
    const copy = join(tmpDir, "settle");
    await copyRepository(root, copy);
    const env = settleEnv(join(tmpDir, "cold.kv"));
    const hello: Variant = {
      name: "hello",
      args: ["run", "-A", join(root, "tests/bench/servers/hello.ts")],
      cwd: root,
      env: {},
    };
    const settle = (name: string, entry = "main.ts"): Variant => ({
      name,
      args: ["run", "-A", entry],
      cwd: copy,
      env,
    });
    const notes: string[] = [];
    const measured = new Map<string, Spawn[]>();
    const phase = async (...variants: Variant[]) => {
      for (const variant of variants) {
        const first = await spawnOnce(variant);
        notes.push(
          `${variant.name}: first spawn from the new path (unmeasured) ${
            first.healthMs.toFixed(0)
          } ms to /healthz.`,
        );
      }
      // Interleaved with the baseline, so all see the same machine.
      for (let i = 0; i < coldRuns; i++) {
        for (const v of [hello, ...variants]) {
          const list = measured.get(v.name) ?? [];
          list.push(await spawnOnce(v));
          measured.set(v.name, list);
        }
      }
    };
    await spawnOnce(hello);
    await phase(settle("settle, islands bundled at start"));
    const built = performance.now();
    await runDeno(["task", "build"], copy);
    // main.ts must find a current server bundle, or "prebuilt" would measure the sources.
    const bundle = serverBundleState(pathToFileURL(`${copy}/`));
    if (!bundle || bundle.newer) throw new Error(`no current _fresh/server.js in ${copy}`);
    notes.push(`\`deno task build\` took ${((performance.now() - built) / 1000).toFixed(1)} s.`);
    await phase(
      settle(SOURCES_PREBUILT, "lib/start.ts"),
      settle("settle, _fresh/ prebuilt"),
    );

    const med = (name: string, key: keyof Spawn) => median(measured.get(name)!.map((s) => s[key]));
    const table: Table = {
      headers: [
        "process",
        "spawns",
        "→ /healthz 200, median ms",
        "min–max",
        "→ GET / 200, median ms",
        "min–max",
        "CPU ms → /healthz 200, median",
      ],
      rows: [...measured].map(([name, spawns]) => [
        name,
        String(spawns.length),
        med(name, "healthMs").toFixed(0),
        range(spawns.map((s) => s.healthMs)),
        med(name, "pageMs").toFixed(0),
        range(spawns.map((s) => s.pageMs)),
        med(name, "healthCpuMs").toFixed(0),
      ]),
    };
    const figures: Figure[] = [];
    const baseline = "hello: bare Deno.serve, spawned the same way";
    const names = [
      "settle, _fresh/ prebuilt",
      SOURCES_PREBUILT,
      "settle, islands bundled at start",
    ];
    for (const name of names) {
      const keys = [
        ["healthMs", "cold start to first /healthz 200"],
        ["pageMs", "cold start to first GET / 200"],
        ["healthCpuMs", "CPU used to first /healthz 200"],
      ] as const;
      for (const [key, label] of keys) {
        figures.push({
          figure: `${label} (${name.slice(8)}), ms`,
          settle: med(name, key),
          baseline,
          baselineValue: med("hello", key),
        });
      }
    }
    return {
      name: "cold_start",
      title: this.title,
      rows: [],
      tables: [table],
      figures,
      ratios: [],
      checks: [],
      failures: [],
      notes: [
        `Each spawn: \`deno run -A main.ts\` with the bench environment on a free port, polled ` +
        `every ${POLL_MS} ms until GET /healthz answers 200, then GET / until 200; then ` +
        `SIGTERM. The KV file is the same across spawns (catalog already seeded). CPU: the ` +
        `process's user + system time from /proc/<pid>/stat right after /healthz answered ` +
        `(10 ms ticks).`,
        ...notes,
      ],
    };
  },
};

/** What `deno run -A main.ts` needs, copied without `_fresh/`, local data or tests. */
export async function copyRepository(root: string, to: string): Promise<void> {
  await cp(root, to, {
    recursive: true,
    filter: (src) => !SKIP.has(relative(root, src).split("/")[0]) && !src.endsWith(".kv"),
  });
}

async function spawnOnce(variant: Variant): Promise<Spawn> {
  const port = freePort();
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: variant.args,
    cwd: variant.cwd,
    env: { ...variant.env, PORT: String(port) },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const client = Deno.createHttpClient({});
  try {
    const healthMs = await firstOk(`http://127.0.0.1:${port}/healthz`, client, started, child);
    const healthCpuMs = await cpuMs(child.pid) ?? NaN;
    const pageMs = await firstOk(`http://127.0.0.1:${port}/`, client, started, child);
    return { healthMs, pageMs, healthCpuMs };
  } finally {
    client.close();
    child.kill("SIGTERM");
    await child.status;
  }
}

/** Ms from `started` until `url` answers 200; throws when the child exits or time runs out. */
async function firstOk(
  url: string,
  client: Deno.HttpClient,
  started: number,
  child: Deno.ChildProcess,
): Promise<number> {
  let exited = false;
  child.status.then(() => exited = true);
  while (performance.now() - started < LIMIT_MS && !exited) {
    try {
      const res = await fetch(url, { client });
      await res.body?.cancel();
      if (res.status === 200) return performance.now() - started;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(`${url}: no 200 within ${LIMIT_MS} ms${exited ? " (the process exited)" : ""}`);
}

function median(values: number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const range = (values: number[]) =>
  `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}`;
