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
}

export interface ScenarioRow {
  scenario: string;
  /** One line: what the server does per request. */
  description: string;
  load: LoadResult;
  /** CPU the server process used during the measured run (user + system), in ms. */
  serverCpuMs: number | null;
  /** The server's CPU during the measured run per thread kind ("js", "kv", …; see proc.ts). */
  threadCpuMs: Record<string, number>;
  /** Median durable KV commit on the same disk just before the measured run (disk_probe.ts). */
  probeCommitMs: number;
  /** Share of the machine's CPU time the hypervisor took away during the measured run. */
  stealPercent: number | null;
  /** Diagnostic rows are reported apart from the headline table. */
  diagnostic?: boolean;
}

export interface BenchResult {
  name: string;
  title: string;
  rows: ScenarioRow[];
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
      ...await measure(server, spec.path, warmup, measured, options),
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
): Promise<
  Pick<ScenarioRow, "load" | "serverCpuMs" | "threadCpuMs" | "probeCommitMs" | "stealPercent">
> {
  const url = `${server.url}${path}`;
  if (warmup.length) await load(url, warmup, options);
  const probeCommitMs = await commitLatencyMs(options.tmpDir);
  const before = await cpuMs(server.pid);
  const threadsBefore = await threadCpuMs(server.pid);
  const machineBefore = await machineTicks();
  const result = await load(url, requests, options);
  const machineAfter = await machineTicks();
  const threadsAfter = await threadCpuMs(server.pid);
  const after = await cpuMs(server.pid);
  const threads: Record<string, number> = {};
  for (const [kind, ms] of Object.entries(threadsAfter)) {
    threads[kind] = ms - (threadsBefore[kind] ?? 0);
  }
  const total = machineAfter && machineBefore ? machineAfter.total - machineBefore.total : 0;
  return {
    load: result,
    serverCpuMs: before === null || after === null ? null : after - before,
    threadCpuMs: threads,
    probeCommitMs,
    stealPercent: total > 0 ? (100 * (machineAfter!.steal - machineBefore!.steal)) / total : null,
  };
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
