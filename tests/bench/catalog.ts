/**
 * Catalog page SSR: `GET /` on a running Settle (middleware, the shelf read from KV, Preact
 * render, twind CSS, island state) beside three servers answering with the same page
 * (servers/catalog_page.ts): its bytes precomputed, a plain preact-render-to-string of the
 * same tree, and that render plus twind's CSS extraction. Same load generator, same
 * concurrency; no cookie, as a first visit.
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
    description: "the same render + twind's CSS extract, as lib/fresh/render.ts does",
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
          const res = await fetch(`${server.url}/`);
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
            bytes = (await (await fetch(`${server.url}/`)).arrayBuffer()).byteLength;
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
    result.figures = figures;
    return result;
  },
};

const cpu = (r: ScenarioRow) => (r.serverCpuMs ?? NaN) / r.load.requests;

function pageRequests(
  options: BenchOptions,
): { warmup: PreparedRequest[]; measured: PreparedRequest[] } {
  const one = (): PreparedRequest => ({
    method: "GET",
    body: "",
    headers: { accept: "text/html" },
  });
  return {
    warmup: Array.from({ length: options.warmup }, one),
    measured: Array.from({ length: options.events }, one),
  };
}
