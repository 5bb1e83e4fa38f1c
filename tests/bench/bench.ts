/**
 * What a bench is to the runner (run.ts): a named group of scenarios that starts its own
 * servers, drives them with the load generator (load.ts, its own process) and returns rows
 * for the report. Adding a bench means writing one `Bench` and listing it in run.ts.
 */
import type { LoadResult, PreparedRequest } from "./load.ts";
import { commitLatencyMs } from "./disk_probe.ts";
import { cpuMs, machineTicks, threadCpuMs } from "./proc.ts";
import { runDeno, type ServerProcess, type StartOptions, startServer } from "./process.ts";

export interface BenchOptions {
  /** Measured requests per scenario. */
  events: number;
  /** Concurrent keep-alive connections of the load generator. */
  concurrency: number;
  /** Requests sent (and not measured) before each measured run. */
  warmup: number;
  /** Each load run stops after this long even when requests are left. */
  maxSeconds: number;
  /** A fresh folder for KV files and request files; the runner removes it. */
  tmpDir: string;
  /** The repository root (where deno.json is). */
  root: string;
  /** Also run the diagnostic scenarios that explain where the time goes. */
  profile: boolean;
  /** Measured checkout requests per scenario (the checkout bench). */
  checkouts: number;
  /** Measured GET requests per scenario (the catalog bench). */
  pages: number;
  /** Spawns per cold-start scenario; the median is reported. */
  coldRuns: number;
  /** Requests of the memory soak (the soak bench); default 100,000. */
  soakRequests?: number;
}

export interface ScenarioRow {
  scenario: string;
  /** One line: what the server does per request. */
  description: string;
  load: LoadResult;
  /** CPU the server process used during the measured run (user + system), in ms. */
  serverCpuMs: number | null;
  /**
   * The server's CPU during the measured run per thread kind ("js", "kv", …; see proc.ts),
   * plus "db" for the other processes that count as the server (the peer's PostgreSQL).
   */
  threadCpuMs: Record<string, number>;
  /** Median durable KV commit on the same disk just before the measured run (disk_probe.ts). */
  probeCommitMs: number;
  /** Share of the machine's CPU time the hypervisor took away during the measured run. */
  stealPercent: number | null;
  /** Diagnostic rows are reported apart from the headline table. */
  diagnostic?: boolean;
}

/** One headline figure of Settle beside the same figure of a baseline. */
export interface Figure {
  /** What is measured, with its unit, e.g. "webhook ingest, req/s". */
  figure: string;
  settle: number;
  /** What Settle is compared with, or why that baseline did not run. */
  baseline: string;
  /** Null when the baseline did not run. */
  baselineValue: number | null;
  /** Decimals shown; default 0. */
  digits?: number;
}

/** A table that is not a load run (start-up times, bytes): cells already formatted. */
export interface Table {
  headers: string[];
  rows: string[][];
  /** Per column, "l" or "r"; default: the first left, the rest right. */
  align?: ("l" | "r")[];
}

/** A scenario that could not run on this machine, with the reason. */
export interface Skipped {
  scenario: string;
  description: string;
  reason: string;
}

export interface BenchResult {
  name: string;
  title: string;
  rows: ScenarioRow[];
  /** The bench's headline figures, gathered into the summary at the top of the report. */
  figures?: Figure[];
  /** Printed after the load table (or instead of it, when `rows` is empty). */
  tables?: Table[];
  skipped?: Skipped[];
  /** Lines such as "full/bare: …", printed under the table. */
  ratios: string[];
  /** Correctness checks that passed. */
  checks: string[];
  /** Checks that failed; the runner exits non-zero when any bench has one. */
  failures: string[];
  notes: string[];
}

export interface Bench {
  name: string;
  title: string;
  run(options: BenchOptions): Promise<BenchResult>;
}

export interface ScenarioSpec {
  scenario: string;
  description: string;
  server: StartOptions;
  /** Where the requests go, e.g. "/api/payments/webhook". */
  path: string;
  /** Built once the server is up (webhook signatures must be fresh); warm-up first. */
  requests: (
    server: ServerProcess,
  ) => Promise<{ warmup: PreparedRequest[]; measured: PreparedRequest[] }>;
  /** Runs after the measured load, before the server is stopped. */
  afterLoad?: (server: ServerProcess, row: ScenarioRow) => Promise<void>;
  /** Other processes whose CPU counts as the server's ("db" in threadCpuMs). */
  extraPids?: () => Promise<number[]>;
  diagnostic?: boolean;
}

/** Starts the scenario's server, measures it and stops it. */
export async function runScenario(spec: ScenarioSpec, options: BenchOptions): Promise<ScenarioRow> {
  const server = await startServer(spec.server);
  try {
    const { warmup, measured } = await spec.requests(server);
    const row: ScenarioRow = {
      scenario: spec.scenario,
      description: spec.description,
      diagnostic: spec.diagnostic,
      ...await measure(server, spec.path, warmup, measured, options, spec.extraPids),
    };
    await spec.afterLoad?.(server, row);
    return row;
  } finally {
    await server.stop();
  }
}

const LOAD_SCRIPT = new URL("./load.ts", import.meta.url).pathname;

/**
 * Warms `server` up with `warmup`, then measures `requests` with the load generator in its
 * own process, and reads the server's CPU time around the measured run.
 */
export async function measure(
  server: ServerProcess,
  path: string,
  warmup: PreparedRequest[],
  requests: PreparedRequest[],
  options: BenchOptions,
  extraPids: () => Promise<number[]> = () => Promise.resolve([]),
): Promise<
  Pick<ScenarioRow, "load" | "serverCpuMs" | "threadCpuMs" | "probeCommitMs" | "stealPercent">
> {
  const url = `${server.url}${path}`;
  if (warmup.length) await load(url, warmup, options);
  const probeCommitMs = await commitLatencyMs(options.tmpDir);
  // Listed after the warm-up, so pooled database connections are already open.
  const others = await extraPids();
  const before = await cpuMs(server.pid);
  const othersBefore = await cpuOf(others);
  const threadsBefore = await threadCpuMs(server.pid);
  const machineBefore = await machineTicks();
  const result = await load(url, requests, options);
  const machineAfter = await machineTicks();
  const threadsAfter = await threadCpuMs(server.pid);
  const othersAfter = await cpuOf(others);
  const after = await cpuMs(server.pid);
  const threads: Record<string, number> = {};
  for (const [kind, ms] of Object.entries(threadsAfter)) {
    threads[kind] = ms - (threadsBefore[kind] ?? 0);
  }
  const db = others.length ? othersAfter - othersBefore : 0;
  if (others.length) threads.db = db;
  const total = machineAfter && machineBefore ? machineAfter.total - machineBefore.total : 0;
  return {
    load: result,
    serverCpuMs: before === null || after === null ? null : after - before + db,
    threadCpuMs: threads,
    probeCommitMs,
    stealPercent: total > 0 ? (100 * (machineAfter!.steal - machineBefore!.steal)) / total : null,
  };
}

/** Summed CPU of `pids` (processes that have gone count as 0). */
async function cpuOf(pids: number[]): Promise<number> {
  let sum = 0;
  for (const pid of pids) sum += (await cpuMs(pid)) ?? 0;
  return sum;
}

async function load(
  url: string,
  requests: PreparedRequest[],
  options: BenchOptions,
): Promise<LoadResult> {
  const file = await Deno.makeTempFile({ dir: options.tmpDir, suffix: ".json" });
  await Deno.writeTextFile(file, JSON.stringify(requests));
  const out = await runDeno([
    "run",
    "-A",
    LOAD_SCRIPT,
    "--url",
    url,
    "--file",
    file,
    "--concurrency",
    String(options.concurrency),
    "--max-seconds",
    String(options.maxSeconds),
  ], options.root);
  await Deno.remove(file);
  return JSON.parse(out.trim().split("\n").at(-1)!) as LoadResult;
}
