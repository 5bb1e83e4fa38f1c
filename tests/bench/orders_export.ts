/**
 * The orders CSV export (issue 14): fills a file-backed KV with ORDERS orders (customers,
 * addresses, shipping; written in batched atomic commits), then streams the whole export
 * (lib/admin/orders_csv.ts, the stream both export routes answer with) and samples the
 * process's RSS every SAMPLE_MS. Baseline, in the same run and process: the RSS of the same
 * process idle for IDLE_MS right after the fill. The export pages through KV with a cursor,
 * so its peak should sit near the idle figure however many orders there are; rows/s too.
 *
 *   deno run -A tests/bench/orders_export.ts [orders]   alone, prints the table
 *   deno task bench --only orders_export                 through the runner
 */
import { join } from "node:path";
import { ulid } from "ulid";
import { ordersCsvStream } from "@/lib/admin/orders_csv.ts";
import { writeNewOrder } from "@/lib/db/orders.ts";
import { orderIn } from "@/lib/orders/order_fixtures.ts";
import type { Order, OrderStatus } from "@/lib/orders/types.ts";
import type { Bench, BenchOptions, BenchResult } from "./bench.ts";

export const ORDERS = 100_000;
/** Up to 7 mutations an order (record, 5 indexes, customer index): under KV's 1,000. */
const BATCH = 120;
const SAMPLE_MS = 50;
const IDLE_MS = 3_000;
const STATUSES: OrderStatus[] = ["fulfilled", "fulfilled", "fulfilled", "paid", "pending"];

function fakeOrder(i: number, at: number): Order {
  const status = STATUSES[i % STATUSES.length];
  const order = orderIn(status === "pending" ? "pending" : status);
  order.id = ulid(at);
  order.number = `SO-BENCH-${String(i).padStart(6, "0")}`;
  order.createdAt = order.updatedAt = new Date(at).toISOString();
  order.needsAttention = [];
  order.payment.sessionId = `cs_bench_${i}`;
  order.payment.sessionIds = [order.payment.sessionId];
  if (order.payment.paymentIntentId) {
    order.payment.paymentIntentId = `pi_bench_${i}`;
    order.payment.paidIntentIds = [order.payment.paymentIntentId];
  }
  order.customer = { email: `shopper${i}@example.nz`, name: `Shopper ${i}`, phone: "+64 21 000" };
  order.shipping = {
    address: {
      name: `Shopper ${i}`,
      line1: `${i % 500} Queen Street`,
      city: "Auckland",
      postalCode: "1010",
      country: "NZ",
    },
    rateId: "nz_standard",
    label: "Standard (3–5 days)",
    amount: 500,
  };
  order.total = order.subtotal + 500;
  return order;
}

async function fill(kv: Deno.Kv, count: number): Promise<void> {
  const start = Date.now() - count * 1000;
  for (let i = 0; i < count; i += BATCH) {
    const op = kv.atomic();
    for (let j = i; j < Math.min(count, i + BATCH); j++) {
      const order = fakeOrder(j, start + j * 1000);
      writeNewOrder(op, order);
    }
    if (!(await op.commit()).ok) throw new Error("bench fill commit failed");
  }
}

const rss = () => Deno.memoryUsage().rss;

/** The peak RSS while `work` runs, sampled every SAMPLE_MS. */
async function peakDuring<T>(work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = rss();
  const timer = setInterval(() => peak = Math.max(peak, rss()), SAMPLE_MS);
  try {
    const result = await work();
    return { result, peak: Math.max(peak, rss()) };
  } finally {
    clearInterval(timer);
  }
}

export interface ExportResult {
  orders: number;
  fillSeconds: number;
  idlePeakBytes: number;
  exportPeakBytes: number;
  exportSeconds: number;
  rows: number;
  bytes: number;
}

export async function measureExport(dir: string, orders = ORDERS): Promise<ExportResult> {
  using kv = await Deno.openKv(join(dir, "orders_export.kv"));
  const filled = performance.now();
  await fill(kv, orders);
  const fillSeconds = (performance.now() - filled) / 1000;
  const idle = await peakDuring(() => new Promise((r) => setTimeout(r, IDLE_MS)));
  const started = performance.now();
  const run = await peakDuring(async () => {
    let rows = -1; // the header
    let bytes = 0;
    const reader = ordersCsvStream(kv, {}, "stripe").getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      for (const b of value) if (b === 10) rows++;
    }
    return { rows, bytes };
  });
  return {
    orders,
    fillSeconds,
    idlePeakBytes: idle.peak,
    exportPeakBytes: run.peak,
    exportSeconds: (performance.now() - started) / 1000,
    ...run.result,
  };
}

const MiB = (n: number) => n / 1024 / 1024;

export function toBenchResult(r: ExportResult, title: string): BenchResult {
  const rowsPerSecond = r.rows / r.exportSeconds;
  const ok = r.rows === r.orders;
  const line = `${r.rows.toLocaleString("en")} of ${r.orders.toLocaleString("en")} orders exported`;
  return {
    name: "orders_export",
    title,
    rows: [],
    figures: [
      {
        figure: `CSV export of ${r.orders.toLocaleString("en")} orders, peak RSS MiB`,
        settle: MiB(r.exportPeakBytes),
        baseline: "the same process idle after the fill",
        baselineValue: MiB(r.idlePeakBytes),
        digits: 1,
      },
    ],
    tables: [{
      headers: ["figure", "value"],
      rows: [
        ["orders", r.orders.toLocaleString("en")],
        ["fill (batched commits)", `${r.fillSeconds.toFixed(1)} s`],
        ["idle peak RSS (baseline)", `${MiB(r.idlePeakBytes).toFixed(1)} MiB`],
        ["export peak RSS", `${MiB(r.exportPeakBytes).toFixed(1)} MiB`],
        ["export time", `${r.exportSeconds.toFixed(1)} s`],
        ["rows/s", Math.round(rowsPerSecond).toLocaleString("en")],
        ["CSV size", `${MiB(r.bytes).toFixed(1)} MiB`],
      ],
    }],
    ratios: [
      `export peak RSS / idle RSS = ${(r.exportPeakBytes / r.idlePeakBytes).toFixed(2)}`,
    ],
    checks: ok ? [line] : [],
    failures: ok ? [] : [line],
    notes: [
      `RSS sampled every ${SAMPLE_MS} ms (Deno.memoryUsage().rss); the baseline is the peak ` +
      `over ${IDLE_MS / 1000} s idle right after the fill, in the same process. The export ` +
      `reads pages of 250 orders with a KV cursor and is read as fast as it is produced.`,
    ],
  };
}

export const ordersExport: Bench = {
  name: "orders_export",
  title: "Orders CSV export: peak memory streaming 100,000 orders",
  async run(options: BenchOptions): Promise<BenchResult> {
    return toBenchResult(await measureExport(options.tmpDir), this.title);
  },
};

if (import.meta.main) {
  const { printResult } = await import("./report.ts");
  const dir = await Deno.makeTempDir({ prefix: "settle_orders_export_" });
  try {
    const orders = Number(Deno.args[0] ?? ORDERS);
    const result = toBenchResult(await measureExport(dir, orders), ordersExport.title);
    printResult(result);
    if (result.failures.length) Deno.exitCode = 1;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
