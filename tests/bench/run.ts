/**
 * `deno task bench [--events N] [--checkouts N] [--pages N] [--cold-runs N] [--concurrency C]
 * [--warmup W] [--max-seconds T] [--only NAME,…] [--profile] [--tmp-dir DIR] [--no-write]
 * [--soak-requests N]`:
 * runs every bench (each starts its own server processes and load generator), prints the
 * tables and rewrites docs/BENCHMARKS.md. The part of that file below KEEP_MARKER is written
 * by people and kept as it is. --events sizes the webhook runs, --checkouts the checkout
 * runs, --pages the catalog runs, --cold-runs the spawns per cold-start variant,
 * --soak-requests the memory soak.
 */
import { parseArgs } from "node:util";
import { adminList } from "./admin_list.ts";
import type { Bench, BenchOptions, BenchResult, Figure } from "./bench.ts";
import { catalogBench } from "./catalog.ts";
import { checkoutBench } from "./checkout.ts";
import { coldStart } from "./cold_start.ts";
import { jsBytes } from "./js_bytes.ts";
import { ordersExport } from "./orders_export.ts";
import { soakBench } from "./soak.ts";
import { runDeno } from "./process.ts";
import { type Machine, markdown, printResult } from "./report.ts";
import { webhookIngest } from "./webhook/ingest.ts";

/** Every bench, in the order they run. Add new ones here. */
const BENCHES: Bench[] = [
  webhookIngest,
  checkoutBench,
  catalogBench,
  withSizeFigures(adminList),
  ordersExport,
  coldStart,
  jsBytes,
  soakBench,
];

const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const DOC = `${ROOT}/docs/BENCHMARKS.md`;
export const KEEP_MARKER =
  "<!-- Everything below this line is kept when the file is regenerated. -->";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    events: { type: "string", short: "n", default: "2000" },
    concurrency: { type: "string", short: "c", default: "32" },
    warmup: { type: "string", default: "200" },
    "max-seconds": { type: "string", default: "60" },
    only: { type: "string" },
    profile: { type: "boolean", default: false },
    checkouts: { type: "string", default: "500" },
    pages: { type: "string", default: "500" },
    "cold-runs": { type: "string", default: "5" },
    "soak-requests": { type: "string", default: "100000" },
    "tmp-dir": { type: "string" },
    "no-write": { type: "boolean", default: false },
  },
});

function positive(name: string, value: string | undefined, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
  return n;
}

const only = values.only?.split(",").map((s) => s.trim()).filter(Boolean);
const selected = only ? BENCHES.filter((b) => only.includes(b.name)) : BENCHES;
if (selected.length === 0) {
  console.error(`no bench named ${values.only}; there are: ${BENCHES.map((b) => b.name)}`);
  Deno.exit(2);
}

// KV files live here: the system temp folder (a disk) unless --tmp-dir says otherwise.
const tmpDir = await Deno.makeTempDir({ prefix: "settle_bench_", dir: values["tmp-dir"] });
const options: BenchOptions = {
  events: positive("events", values.events),
  concurrency: positive("concurrency", values.concurrency),
  warmup: positive("warmup", values.warmup, 0),
  maxSeconds: positive("max-seconds", values["max-seconds"]),
  tmpDir,
  root: ROOT,
  profile: values.profile,
  checkouts: positive("checkouts", values.checkouts),
  pages: positive("pages", values.pages),
  coldRuns: positive("cold-runs", values["cold-runs"]),
  soakRequests: positive("soak-requests", values["soak-requests"]),
};

const results: BenchResult[] = [];
try {
  for (const bench of selected) {
    const benchDir = `${tmpDir}/${bench.name}`;
    await Deno.mkdir(benchDir);
    console.log(`running ${bench.name} (concurrency ${options.concurrency})…`);
    const result = await bench.run({ ...options, tmpDir: benchDir });
    printResult(result);
    results.push(result);
  }
} finally {
  await Deno.remove(tmpDir, { recursive: true });
}

if (!values["no-write"]) {
  const command = ["deno task bench", ...Deno.args].join(" ");
  const generated = markdown(results, await machine(), command, new Date());
  let kept = `${KEEP_MARKER}\n`;
  try {
    const existing = await Deno.readTextFile(DOC);
    const at = existing.indexOf(KEEP_MARKER);
    if (at >= 0) kept = existing.slice(at);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  await Deno.mkdir(`${ROOT}/docs`, { recursive: true });
  await Deno.writeTextFile(DOC, `${generated}\n${kept}`);
  // The repository's `deno fmt --check` covers docs/ too.
  await runDeno(["fmt", DOC], ROOT);
  console.log(`\nwrote ${DOC}`);
}
if (results.some((r) => r.failures.length)) Deno.exit(1);

/**
 * For a bench whose rows are "<page> @ <store size>" and that names no figures itself: the
 * p50 at the largest size beside the p50 at the smallest, per page.
 */
function withSizeFigures(bench: Bench): Bench {
  return {
    ...bench,
    async run(options) {
      const result = await bench.run(options);
      const pages = Map.groupBy(result.rows, (r) => r.scenario.split(" @ ")[0]);
      result.figures ??= [...pages].flatMap(([page, rows]): Figure[] => {
        if (rows.length < 2) return [];
        const [small, large] = [rows[0], rows.at(-1)!];
        return [{
          figure: `${page} p50 ms, ${large.scenario.split(" @ ")[1]} orders`,
          settle: large.load.p50Ms,
          baseline: `the same page at ${small.scenario.split(" @ ")[1]} orders`,
          baselineValue: small.load.p50Ms,
          digits: 2,
        }];
      });
      return result;
    },
  };
}

async function machine(): Promise<Machine> {
  const cpuinfo = await readOr("/proc/cpuinfo");
  const meminfo = await readOr("/proc/meminfo");
  const memKb = Number(/MemTotal:\s+(\d+)/.exec(meminfo)?.[1] ?? 0);
  return {
    cpus: await nproc(),
    cpuModel: /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? "unknown CPU",
    memoryGiB: memKb / 1024 / 1024,
    os: `${Deno.build.os} ${Deno.osRelease()}`,
    deno: Deno.version.deno,
  };
}

/** What `nproc` says (the CPUs this process may use), else what Deno sees. */
async function nproc(): Promise<number> {
  try {
    const out = await new Deno.Command("nproc", { stdout: "piped", stderr: "null" }).output();
    const n = Number(new TextDecoder().decode(out.stdout).trim());
    if (out.success && n > 0) return n;
  } catch { /* no nproc */ }
  return navigator.hardwareConcurrency;
}

async function readOr(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return "";
  }
}
