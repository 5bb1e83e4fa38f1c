/**
 * Catalog page SSR: `GET /` on a running Settle (middleware, the shelf read from KV, Preact
 * render, island state, a link to the prebuilt stylesheet) beside three servers answering
 * with the same page (servers/catalog_page.ts): its bytes precomputed, a plain
 * preact-render-to-string of the same tree, and that render plus twind's CSS extraction.
 * Same load generator, same concurrency; no cookie, as a first visit. Every scenario asks
 * for `accept-encoding: identity` (as wrk does; Deno's fetch would ask for gzip, and the
 * baselines never compress), so the summary compares uncompressed pages with uncompressed
 * pages. `--profile` adds Settle asked for gzip (what a browser gets) and Settle under V8's
 * profiler.
 */
import { join } from "node:path";
import {
  type Bench,
  type BenchOptions,
  type BenchResult,
  type Figure,
  runScenario,
  type ScenarioRow,
} from "./bench.ts";
import type { PreparedRequest } from "./load.ts";
import { profileMarkdown, summarizeProfile } from "./profile.ts";
import { READY, settleEnv } from "./webhook/settle.ts";

const BASELINES = [
  {
    scenario: "static",
    mode: "static",
    description: "Deno.serve returning Settle's catalog HTML, precomputed",
  },
  {
    scenario: "render",
    mode: "render",
    description: "Deno.serve + preact-render-to-string of the same tree, no twind, data read once",
  },
  {
    scenario: "render+twind",
    mode: "twind",
    description:
      "the same render + twind's CSS extract per page (Settle's way before _fresh/styles)",
  },
] as const;

export const catalogBench: Bench = {
  name: "catalog",
  title: "Catalog page: GET / server-rendered by Settle beside the same page from baselines",
  async run(options: BenchOptions): Promise<BenchResult> {
    const { root, tmpDir } = options;
    const run = { ...options, events: options.pages };
    const result: BenchResult = {
      name: "catalog",
      title: this.title,
      rows: [],
      ratios: [],
      checks: [],
      failures: [],
      notes: [],
    };
    const kvPath = join(tmpDir, "catalog.kv");
    const htmlFile = join(tmpDir, "catalog.html");
    let settleBytes = 0;
    result.rows.push(
      await runScenario({
        scenario: "settle",
        description: "Settle process (main.ts), demo catalog seeded at start",
        server: { args: ["run", "-A", "main.ts"], cwd: root, env: settleEnv(kvPath), ready: READY },
        path: "/",
        requests: async (server) => {
          const res = await fetch(`${server.url}/`, { headers: IDENTITY });
          const html = new Uint8Array(await res.arrayBuffer());
          if (res.status !== 200) throw new Error(`GET / answered ${res.status}`);
          settleBytes = html.length;
          await Deno.writeFile(htmlFile, html);
          return pageRequests(run);
        },
      }, run),
    );
    for (const baseline of BASELINES) {
      const source = baseline.mode === "static" ? ["--file", htmlFile] : ["--kv", kvPath];
      let bytes = 0;
      result.rows.push(
        await runScenario({
          scenario: baseline.scenario,
          description: baseline.description,
          server: {
            args: [
              "run",
              "-A",
              "tests/bench/servers/catalog_page.ts",
              "--mode",
              baseline.mode,
              ...source,
            ],
            cwd: root,
            ready: READY,
          },
          path: "/",
          requests: async (server) => {
            const res = await fetch(`${server.url}/`, { headers: IDENTITY });
            bytes = (await res.arrayBuffer()).byteLength;
            return pageRequests(run);
          },
        }, run),
      );
      result.notes.push(
        `${baseline.scenario}: ${bytes.toLocaleString("en")} bytes of HTML per page.`,
      );
    }
    result.notes.unshift(`settle: ${settleBytes.toLocaleString("en")} bytes of HTML per page.`);
    const [settle, ...baselines] = result.rows;
    if (options.profile) {
      const diagnostics = await diagnose(run, kvPath);
      result.rows.push(...diagnostics.rows);
      result.notes.push(diagnostics.note);
      const [gzip] = diagnostics.rows;
      result.ratios.push(
        `settle with gzip/settle: ×${(settle.load.rps / gzip.load.rps).toFixed(2)} time per ` +
          `page by throughput, ×${(cpu(gzip) / cpu(settle)).toFixed(2)} server CPU per page ` +
          `(${(cpu(gzip) - cpu(settle)).toFixed(3)} ms per page for compression)`,
      );
    }
    for (const row of result.rows) {
      if (row.load.errors || row.load.requests < options.pages) {
        result.failures.push(
          `${row.scenario}: ${row.load.ok} of ${options.pages} answered 200 (${
            JSON.stringify(row.load.statuses)
          })`,
        );
      }
    }
    const figures: Figure[] = [];
    for (const b of baselines) {
      result.ratios.push(
        `settle/${b.scenario}: ×${(b.load.rps / settle.load.rps).toFixed(2)} time per page by ` +
          `throughput, ×${(settle.load.p50Ms / b.load.p50Ms).toFixed(2)} p50, ×${
            (cpu(settle) / cpu(b)).toFixed(2)
          } server CPU per page`,
      );
      const baseline = `${b.scenario}: ${
        BASELINES.find((x) => x.scenario === b.scenario)!.description
      }`;
      figures.push({
        figure: "catalog GET /, req/s",
        settle: settle.load.rps,
        baseline,
        baselineValue: b.load.rps,
      });
    }
    const [, render] = baselines;
    figures.push({
      figure: "catalog GET /, p50 ms",
      settle: settle.load.p50Ms,
      baseline: "render: preact-render-to-string, no twind",
      baselineValue: render.load.p50Ms,
      digits: 2,
    });
    // Under load from other processes, CPU per page moves less than req/s or latency.
    figures.push({
      figure: "catalog GET /, server CPU ms per page",
      settle: cpu(settle),
      baseline: "render: preact-render-to-string, no twind",
      baselineValue: cpu(render),
      digits: 3,
    });
    result.figures = figures;
    return result;
  },
};

/** Profile groups: which part of a page's work a sampled stack is in (groups overlap). */
const FOCUS: Record<string, RegExp> = {
  "preact render": /preact-render-to-string|\/preact\//,
  "twind (the stylesheet, built at start without _fresh/)": /@twind\/|lib\/fresh\/styles\.ts/,
  "lib/fresh (render, dispatch)": /lib\/fresh\//,
  "route + shelf read": /routes\/index\.tsx|lib\/catalog\//,
  "Hono + middleware": /\/hono\/|lib\/http\/|lib\/app\.ts|routes\/_middleware/,
  "Deno KV calls": /ext:deno_kv\//,
  "garbage collector": /\(garbage collector\)/,
};

/**
 * `--profile`: main.ts again on the same store, asked for gzip as a browser would (the cost
 * of compression, which no baseline pays), then under V8's sampling profiler.
 */
async function diagnose(
  run: BenchOptions,
  kvPath: string,
): Promise<{ rows: ScenarioRow[]; note: string }> {
  const profDir = join(run.tmpDir, "profile");
  const variants = [
    { scenario: "settle, gzip", what: "accept-encoding: gzip, deflate", flags: [], gzip: true },
    {
      scenario: "settle, profiled",
      what: "under --cpu-prof (the sampler slows it)",
      flags: ["--cpu-prof", `--cpu-prof-dir=${profDir}`],
      gzip: false,
    },
  ];
  const rows: ScenarioRow[] = [];
  for (const v of variants) {
    rows.push(
      await runScenario({
        scenario: v.scenario,
        description: `main.ts, ${v.what}`,
        diagnostic: true,
        server: {
          args: ["run", "-A", ...v.flags, "main.ts"],
          cwd: run.root,
          env: settleEnv(kvPath),
          ready: READY,
        },
        path: "/",
        requests: () =>
          Promise.resolve(pageRequests(run, v.gzip ? { "accept-encoding": "gzip, deflate" } : {})),
      }, run),
    );
  }
  const file = [...Deno.readDirSync(profDir)].find((e) => e.name.endsWith(".cpuprofile"));
  if (!file) throw new Error("no profile written for settle");
  const requests = run.warmup + run.events;
  const summary = await summarizeProfile(join(profDir, file.name), 12, FOCUS);
  const note = `Profile of main.ts (whole process life: start-up, ${run.warmup} warm-up and ` +
    `${run.events} measured pages; per-request figures divide by ${requests}):\n\n` +
    profileMarkdown(summary, requests);
  return { rows, note };
}

const cpu = (r: ScenarioRow) => (r.serverCpuMs ?? NaN) / r.load.requests;

/** What wrk sends by default; the baselines would ignore any other value anyway. */
const IDENTITY = { "accept-encoding": "identity" };

function pageRequests(
  options: BenchOptions,
  headers: Record<string, string> = {},
): { warmup: PreparedRequest[]; measured: PreparedRequest[] } {
  const one = (): PreparedRequest => ({
    method: "GET",
    body: "",
    headers: { accept: "text/html", ...IDENTITY, ...headers },
  });
  return {
    warmup: Array.from({ length: options.warmup }, one),
    measured: Array.from({ length: options.events }, one),
  };
}
