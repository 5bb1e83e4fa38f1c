/**
 * The load generator, run as its own process: `deno run -A tests/bench/load.ts --url … --file
 * … [--concurrency 32] [--max-seconds 60]`. It sends pre-built requests (a JSON array of
 * {method?, body, headers}; POST unless said) over C keep-alive HTTP/1.1 connections to a
 * loopback server, each request once, and stops at the last request or the time limit,
 * whichever comes first. The summary is one JSON line on stdout (LoadResult).
 */
import { parseArgs } from "node:util";
import { cpuMs } from "./proc.ts";

export interface PreparedRequest {
  /** "POST" when absent; a GET or HEAD is sent without its body. */
  method?: string;
  body: string;
  headers: Record<string, string>;
}

export interface LoadResult {
  /** Requests sent (fewer than prepared when the time limit hit). */
  requests: number;
  /** 2xx responses. */
  ok: number;
  /** Non-2xx responses, network failures and requests cut off by the time limit. */
  errors: number;
  /** Count per HTTP status ("network" for failures without a response). */
  statuses: Record<string, number>;
  /** Count per `outcome` field of JSON responses that carry one (Settle's webhook reply). */
  outcomes: Record<string, number>;
  elapsedMs: number;
  /** Completed requests per second of wall time. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU the load generator itself used while sending (user + system), null without /proc. */
  clientCpuMs: number | null;
}

/** The p-th percentile (0–100) of ascending `sorted`, nearest-rank. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/**
 * `now` is the clock (ms) the time limit and latencies are read from (tests inject one); the
 * grace for requests in flight at the limit stays a real timer.
 */
export async function generateLoad(
  url: string,
  requests: PreparedRequest[],
  concurrency: number,
  maxSeconds: number,
  now: () => number = () => performance.now(),
): Promise<LoadResult> {
  const client = Deno.createHttpClient({ http2: false, poolMaxIdlePerHost: concurrency });
  const abort = new AbortController();
  const latencies = new Float64Array(requests.length);
  const statuses: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  let next = 0;
  let done = 0;
  let ok = 0;
  const cpuBefore = await cpuMs("self");
  const started = now();
  const deadline = started + maxSeconds * 1000;
  // Requests still in flight at the deadline get a short grace, then count as errors.
  const cutoff = setTimeout(() => abort.abort(), maxSeconds * 1000 + 5000);

  const loop = async () => {
    while (next < requests.length && now() < deadline) {
      const request = requests[next++];
      const sent = now();
      let status = "network";
      try {
        const method = request.method ?? "POST";
        const res = await fetch(url, {
          method,
          headers: request.headers,
          body: method === "GET" || method === "HEAD" ? undefined : request.body,
          client,
          signal: abort.signal,
        });
        const text = await res.text();
        status = String(res.status);
        if (res.ok) ok++;
        const outcome = outcomeOf(text);
        if (outcome) outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      } catch {
        // Counted under "network".
      }
      latencies[done++] = now() - sent;
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsedMs = now() - started;
  clearTimeout(cutoff);
  client.close();
  const cpuAfter = await cpuMs("self");
  const sorted = latencies.slice(0, done).sort();
  return {
    requests: done,
    ok,
    errors: done - ok,
    statuses,
    outcomes,
    elapsedMs,
    rps: done / (elapsedMs / 1000),
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length ? sorted[sorted.length - 1] : NaN,
    clientCpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
  };
}

function outcomeOf(text: string): string | null {
  if (!text.startsWith("{") || !text.includes('"outcome"')) return null;
  try {
    const value = JSON.parse(text).outcome;
    return typeof value === "string" ? value : null;
  } catch {
    return null;
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      url: { type: "string" },
      file: { type: "string" },
      concurrency: { type: "string", default: "32" },
      "max-seconds": { type: "string", default: "60" },
    },
  });
  if (!values.url || !values.file) {
    console.error(
      "usage: load.ts --url URL --file REQUESTS.json [--concurrency C] [--max-seconds T]",
    );
    Deno.exit(2);
  }
  const url = new URL(values.url);
  if (url.hostname !== "127.0.0.1") throw new Error(`loopback only, got ${url.hostname}`);
  const requests = JSON.parse(await Deno.readTextFile(values.file)) as PreparedRequest[];
  const result = await generateLoad(
    url.href,
    requests,
    Number(values.concurrency),
    Number(values["max-seconds"]),
  );
  console.log(JSON.stringify(result));
}
