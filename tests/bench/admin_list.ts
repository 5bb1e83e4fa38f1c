/**
 * The admin orders list (issue 5, item 7): p50/p99 time to render `GET /admin` for a
 * signed-in admin at 1,000 and at 100,000 orders in one file-backed KV, the store grown in
 * place between the two. The list is served from KV indexes with a cursor, so the two sizes
 * should cost the same. Requests go through the whole app in-process (`app.request`, one at
 * a time): middleware, session, form token, the list, the attention count, the page render.
 *
 *   deno run -A tests/bench/admin_list.ts     alone, prints the table
 *   deno task bench --only admin_list          through the runner (docs/BENCHMARKS.md)
 */
import { join } from "node:path";
import { ulid } from "ulid";
import { startSession } from "@/lib/admin/auth.ts";
import { parseConfig } from "@/lib/config.ts";
import { writeNewOrder } from "@/lib/db/orders.ts";
import { newOrder } from "@/lib/orders/order.ts";
import { formatOrderNumber } from "@/lib/orders/order_number.ts";
import type { Order, OrderStatus } from "@/lib/orders/types.ts";
import { startRuntime } from "@/lib/runtime.ts";
import { testIslands } from "../support/islands.ts";
import type { Bench, BenchOptions, BenchResult, ScenarioRow } from "./bench.ts";
import { commitLatencyMs } from "./disk_probe.ts";
import { type LoadResult, percentile } from "./load.ts";
import { cpuMs, machineTicks, threadCpuMs } from "./proc.ts";

export const SIZES = [1_000, 100_000];
/** Measured requests per scenario, after WARMUP unmeasured ones. */
export const ITERATIONS = 200;
const WARMUP = 100;
/**
 * Orders per commit: up to 6 mutations each (record, number, status, payment status,
 * session, payment intent) stays under KV's 1,000 per atomic commit.
 */
const BATCH = 150;
/** One order in this many has a needs-attention flag (the navigation counts them). */
const FLAGGED_ONE_IN = 500;

const PAGES = [
  { path: "/admin", label: "all orders" },
  { path: "/admin?status=pending", label: "status filter (index + getMany)" },
];

/**
 * A plausible spread of states: mostly shipped, some open, a few closed or refunded. A refund
 * is a payment status: "refunded" below is a shipped order whose money went back.
 */
const STATUSES: (OrderStatus | "refunded")[] = [
  ...Array<OrderStatus>(12).fill("fulfilled"),
  "paid",
  "paid",
  "pending",
  "pending",
  "expired",
  "failed",
  "cancelled",
  "refunded",
];

function fakeOrder(i: number, at: Date): Order {
  const order = newOrder({
    id: ulid(at.getTime()),
    number: formatOrderNumber("SO", at, (i % 9999) + 1),
    items: Array.from({ length: 1 + (i % 3) }, (_, n) => ({
      productId: `prod_${n}`,
      title: ["Flat White Blend, 250 g", "Glass Carafe, 600 ml", "Paper Filters"][n],
      unitAmount: 1890 + n * 1000,
      quantity: 1 + (i % 2),
    })),
    currency: "nzd",
    metadata: { email: `shopper${i}@example.nz` },
    now: at,
  });
  const state = STATUSES[i % STATUSES.length];
  const status = state === "refunded" ? "fulfilled" : state;
  const pay = order.payment;
  order.status = status;
  pay.sessionId = `cs_test_bench_${i.toString(36).padStart(8, "0")}`;
  pay.sessionIds = [pay.sessionId];
  if (status === "fulfilled" || status === "paid") {
    pay.status = state === "refunded" ? "refunded" : "paid";
    pay.paymentIntentId = `pi_test_bench_${i}`;
    pay.amountReceived = order.total;
    pay.refundedAmount = state === "refunded" ? order.total : 0;
    pay.currency = "nzd";
    if (status === "fulfilled") order.fulfillment.status = "success";
  } else if (status === "failed" || status === "expired") pay.status = status;
  if (i % FLAGGED_ONE_IN === 0) {
    order.needsAttention = [{ reason: "dispute", at: order.createdAt, detail: "bench" }];
  }
  return order;
}

/** Adds orders `from`…`to - 1` (one second apart, ending now) in batched commits. */
async function fill(kv: Deno.Kv, from: number, to: number, total: number): Promise<void> {
  const start = Date.now() - total * 1000;
  for (let i = from; i < to; i += BATCH) {
    const op = kv.atomic();
    for (let j = i; j < Math.min(to, i + BATCH); j++) {
      writeNewOrder(op, fakeOrder(j, new Date(start + j * 1000)));
    }
    const res = await op.commit();
    if (!res.ok) throw new Error("bench fill commit failed");
  }
}

export interface AdminListRow {
  orders: number;
  path: string;
  label: string;
  load: LoadResult;
  serverCpuMs: number | null;
  threadCpuMs: Record<string, number>;
  stealPercent: number | null;
  /** Rows on every measured page (should be the page size, 25). */
  rowsPerPage: number[];
}

export interface AdminListResult {
  rows: AdminListRow[];
  fillSeconds: number[];
  probeCommitMs: number;
}

/** Fills a KV file in `dir` and measures every page at every size. */
export async function measureAdminList(dir: string, iterations = ITERATIONS) {
  const kvPath = join(dir, "admin_list.kv");
  const runtime = await startRuntime(
    parseConfig({
      SETTLE_ENV: "test",
      KV_PATH: kvPath,
      PORT: "0",
      SESSION_SECRET: "bench-secret-bench-secret-bench-secret",
      ADMIN_PASSWORD: "bench-admin-password",
      LOG_LEVEL: "error",
    }),
    { islands: await testIslands(), listen: false },
  );
  const result: AdminListResult = {
    rows: [],
    fillSeconds: [],
    probeCommitMs: await commitLatencyMs(dir),
  };
  try {
    const { kv, secret } = runtime.deps;
    const { cookie } = await startSession(kv, secret, new Date(), false);
    const headers = { cookie: cookie.split(";")[0] };
    const total = SIZES.at(-1)!;
    let filled = 0;
    for (const size of SIZES) {
      const started = performance.now();
      // Older orders first: the store grows towards the past, so "newest" stays the same.
      await fill(kv, total - size, total - filled, total);
      filled = size;
      result.fillSeconds.push((performance.now() - started) / 1000);
      for (const page of PAGES) {
        result.rows.push({
          orders: size,
          ...page,
          ...await measure(runtime.app, page.path, headers, iterations),
        });
      }
    }
  } finally {
    await runtime.close();
  }
  return result;
}

async function measure(
  app: { request(path: string, init: RequestInit): Response | Promise<Response> },
  path: string,
  headers: Record<string, string>,
  iterations: number,
) {
  const one = async () => {
    const res = await app.request(path, { headers });
    const html = await res.text();
    return { status: res.status, rows: html.split("data-order=").length - 1 };
  };
  for (let i = 0; i < WARMUP; i++) await one();
  const latencies = new Float64Array(iterations);
  const statuses: Record<string, number> = {};
  const rowsPerPage: number[] = [];
  const cpuBefore = await cpuMs("self");
  const threadsBefore = await threadCpuMs(Deno.pid);
  const machineBefore = await machineTicks();
  const started = performance.now();
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    const { status, rows } = await one();
    latencies[i] = performance.now() - t;
    statuses[status] = (statuses[status] ?? 0) + 1;
    rowsPerPage.push(rows);
  }
  const elapsedMs = performance.now() - started;
  const machineAfter = await machineTicks();
  const threadsAfter = await threadCpuMs(Deno.pid);
  const cpuAfter = await cpuMs("self");
  latencies.sort();
  const ok = statuses["200"] ?? 0;
  const load: LoadResult = {
    requests: iterations,
    ok,
    errors: iterations - ok,
    statuses,
    outcomes: {},
    elapsedMs,
    rps: iterations / (elapsedMs / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies[iterations - 1],
    clientCpuMs: null,
  };
  const threads: Record<string, number> = {};
  for (const [kind, ms] of Object.entries(threadsAfter)) {
    threads[kind] = ms - (threadsBefore[kind] ?? 0);
  }
  const ticks = machineAfter && machineBefore ? machineAfter.total - machineBefore.total : 0;
  return {
    load,
    serverCpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
    threadCpuMs: threads,
    stealPercent: ticks > 0 ? (100 * (machineAfter!.steal - machineBefore!.steal)) / ticks : null,
    rowsPerPage,
  };
}

const scenario = (row: AdminListRow) => `${row.path} @ ${row.orders.toLocaleString("en")}`;

/** The runner's view of the result: one row per page and size, and the checks. */
export function toBenchResult(result: AdminListResult, title: string): BenchResult {
  const rows: ScenarioRow[] = result.rows.map((row) => ({
    scenario: scenario(row),
    description: `GET ${row.label}, signed in, in-process, one request at a time`,
    load: row.load,
    serverCpuMs: row.serverCpuMs,
    threadCpuMs: row.threadCpuMs,
    probeCommitMs: result.probeCommitMs,
    stealPercent: row.stealPercent,
  }));
  const checks: string[] = [];
  const failures: string[] = [];
  for (const row of result.rows) {
    const full = row.rowsPerPage.every((n) => n === 25);
    const line = `${scenario(row)}: ${row.load.ok}/${row.load.requests} answered 200 with 25 rows`;
    (full && row.load.ok === row.load.requests ? checks : failures).push(line);
  }
  const ratios = PAGES.map(({ path }) => {
    const [small, large] = SIZES.map((size) =>
      result.rows.find((r) => r.path === path && r.orders === size)!.load.p50Ms
    );
    return `${path}: p50 at ${SIZES[1].toLocaleString("en")} / at ${
      SIZES[0].toLocaleString("en")
    } orders = ${(large / small).toFixed(2)}`;
  });
  const fills = result.fillSeconds.map((s, i) =>
    `${SIZES[i].toLocaleString("en")} orders in ${s.toFixed(1)} s`
  );
  return {
    name: "admin_list",
    title,
    rows,
    ratios,
    checks,
    failures,
    notes: [
      `Setup: orders written straight to a file-backed KV in commits of ${BATCH} ` +
      `(record + status, payment-status and number indexes; 1 in ${FLAGGED_ONE_IN} flagged): ` +
      `${fills.join(", ")}.` +
      ` The CPU columns are the whole bench process (app and client are one process here).`,
    ],
  };
}

export const adminList: Bench = {
  name: "admin_list",
  title: "Admin orders list: GET /admin render time at 1,000 and 100,000 orders",
  async run(options: BenchOptions): Promise<BenchResult> {
    return toBenchResult(await measureAdminList(options.tmpDir), this.title);
  },
};

if (import.meta.main) {
  const { printResult } = await import("./report.ts");
  const dir = await Deno.makeTempDir({ prefix: "settle_admin_list_" });
  try {
    const result = await measureAdminList(dir);
    printResult(toBenchResult(result, adminList.title));
    if (result.rows.some((r) => r.load.ok !== r.load.requests)) Deno.exitCode = 1;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
