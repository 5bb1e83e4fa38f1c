/**
 * Memory soak: one Settle process (main.ts, file KV) takes `soakRequests`
 * mixed requests from virtual shoppers and an admin (soak_load.ts: catalog, product pages,
 * cart, checkout, paid webhooks, order status, admin pages) and its RSS is read from /proc
 * after a tenth of them (10k of 100k) and at the end. A process that keeps something per
 * request grows between the two marks; one that only warmed up does not. The Stripe emulator
 * runs as its own process, as Stripe would: the sessions it keeps are Stripe's memory, not
 * Settle's (embedded, it would hold every session of the run in the measured process).
 *
 *   deno task bench --only soak [--soak-requests 100000] [--concurrency 16]
 */
import { join } from "node:path";
import { keys } from "@/lib/db/keys.ts";
import { listProducts } from "@/lib/db/products.ts";
import type { Order } from "@/lib/orders/types.ts";
import type { Bench, BenchOptions, BenchResult } from "./bench.ts";
import { startServer } from "./process.ts";
import type { SoakPlan, SoakResult } from "./soak_load.ts";
import { vmRssKb } from "./soak_mix.ts";
import { checkPaidOnce, prepareStore } from "./webhook/store.ts";
import { PUBLIC_ORIGIN, READY, settleEnvWithStripe, WEBHOOK_SECRET } from "./webhook/settle.ts";

/** Requests of a full soak (the figure). */
export const SOAK_REQUESTS = 100_000;
/** Virtual users at once: a busy shop, not a stress test. */
const MAX_CONCURRENCY = 16;
const ADMIN_PASSWORD = "soak-admin-password-7Hq2";
const LOAD_SCRIPT = new URL("./soak_load.ts", import.meta.url).pathname;
const MB = 1024;

export const soakBench: Bench = {
  name: "soak",
  title: "Memory soak: Settle's RSS over many mixed requests",
  async run(options: BenchOptions): Promise<BenchResult> {
    const { root, tmpDir } = options;
    const requests = options.soakRequests ?? SOAK_REQUESTS;
    const first = Math.min(10_000, Math.ceil(requests / 10));
    const result: BenchResult = {
      name: "soak",
      title: this.title,
      rows: [],
      ratios: [],
      checks: [],
      failures: [],
      notes: [],
    };
    const kvPath = join(tmpDir, "soak.kv");
    const basket = await prepareStore(kvPath);
    const productIds = basket.map((l) => l.productId);
    const { slugs, stock: stockBefore } = await readShelf(kvPath, productIds);
    const emulator = await startServer({
      args: ["run", "-A", "tests/bench/servers/emulator.ts"],
      cwd: root,
      ready: READY,
    });
    let soak: SoakResult;
    let startKb: number | null;
    let emulatorKb: number | null = null;
    try {
      const server = await startServer({
        args: ["run", "-A", "main.ts"],
        cwd: root,
        env: { ...settleEnvWithStripe(kvPath, emulator.url), ADMIN_PASSWORD },
        ready: READY,
      });
      try {
        startKb = vmRssKb(await Deno.readTextFile(`/proc/${server.pid}/status`));
        const plan: SoakPlan = {
          url: server.url,
          pid: server.pid,
          requests,
          marks: [first, requests],
          concurrency: Math.min(options.concurrency, MAX_CONCURRENCY),
          seed: 16,
          slugs,
          productIds,
          adminPassword: ADMIN_PASSWORD,
          webhookSecret: WEBHOOK_SECRET,
          publicOrigin: PUBLIC_ORIGIN,
        };
        soak = await runLoad(plan, tmpDir, root);
        emulatorKb = vmRssKb(await Deno.readTextFile(`/proc/${emulator.pid}/status`));
      } finally {
        await server.stop();
      }
    } finally {
      await emulator.stop();
    }
    report(soak, startKb, first, result);
    await verify(kvPath, soak, productIds, stockBefore, result);
    result.notes.push(
      `${soak.requests} requests in ${(soak.elapsedMs / 1000).toFixed(0)} s from ` +
        `${Math.min(options.concurrency, MAX_CONCURRENCY)} virtual users (a cookie jar per ` +
        `shopper; an admin signed in once). Rate limits are off (every shopper is 127.0.0.1). ` +
        `RSS is VmRSS of /proc/<pid>/status: "at mark" is the reading when the mark was ` +
        `crossed, "max" the largest 200 ms sample over the second half of the way to it; ` +
        `V8 collects when it likes, so one reading can be high or low by a collection. ` +
        `Other processes on the machine change timing, not what the server keeps. ` +
        `The emulator process held ${mb(emulatorKb)} MB at the end.`,
    );
    return result;
  },
};

function report(soak: SoakResult, startKb: number | null, first: number, result: BenchResult) {
  const [early, end] = soak.marks;
  if (!early || !end) {
    result.failures.push(`the run ended after ${soak.requests} requests, before its marks`);
    return;
  }
  result.figures = [{
    figure: `soak RSS MB after ${end.requests} requests (baseline: after ${early.requests})`,
    settle: end.atMarkKb / MB,
    baseline: `the same process after ${first} requests`,
    baselineValue: early.atMarkKb / MB,
    digits: 1,
  }];
  const cpu = soak.cpuAtMarksMs;
  const perRequest = (from: number, to: number, ms: number | null) =>
    ms === null ? "n/a" : (ms / (to - from)).toFixed(2);
  result.tables = [
    {
      headers: ["mark", "requests", "RSS at mark MB", "max MB", "server CPU ms/request"],
      rows: [
        ["start", "0", mb(startKb), "", ""],
        [
          "early",
          String(early.requests),
          mb(early.atMarkKb),
          mb(early.maxKb),
          perRequest(
            0,
            early.requests,
            cpu[0] ?? null,
          ),
        ],
        [
          "end",
          String(end.requests),
          mb(end.atMarkKb),
          mb(end.maxKb),
          perRequest(
            early.requests,
            end.requests,
            cpu[1] === undefined || cpu[1] === null || cpu[0] === null ? null : cpu[1] - cpu[0],
          ),
        ],
        ["idle after", "", mb(soak.idleKb.at(-1) ?? null), mb(Math.max(...soak.idleKb)), ""],
      ],
    },
    {
      headers: ["request kind", "count", "non-2xx", "mean ms"],
      rows: Object.entries(soak.kinds).map(([kind, s]) => [
        kind,
        String(s.count),
        s.unexpected ? `${s.unexpected} ${JSON.stringify(s.statuses)}` : "0",
        (s.totalMs / s.count).toFixed(2),
      ]),
    },
  ];
  result.ratios.push(
    `RSS after ${end.requests} ÷ after ${early.requests}: ×${
      (end.atMarkKb / early.atMarkKb).toFixed(2)
    } at the marks, ×${(end.maxKb / early.maxKb).toFixed(2)} by the maxima (target ≤ ×1.2)`,
  );
  for (const [kind, s] of Object.entries(soak.kinds)) {
    // A checkout answered 5xx is sent again with its Idempotency-Key, as a browser would.
    const retried = kind === "checkout"
      ? Object.entries(s.statuses)
        .filter(([status]) => Number(status) >= 500).reduce((n, [, c]) => n + c, 0)
      : 0;
    if (s.unexpected > retried) {
      result.failures.push(
        `${kind}: ${s.unexpected} non-2xx answers ${JSON.stringify(s.statuses)}`,
      );
    }
  }
}

/** Runs soak_load.ts; its progress lines go to this terminal, its summary comes back. */
async function runLoad(plan: SoakPlan, tmpDir: string, root: string): Promise<SoakResult> {
  const planFile = await Deno.makeTempFile({ dir: tmpDir, suffix: ".json" });
  await Deno.writeTextFile(planFile, JSON.stringify(plan));
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", LOAD_SCRIPT, "--plan", planFile],
    cwd: root,
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`soak_load.ts failed (${out.code})`);
  return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
}

const mb = (kb: number | null) => kb === null ? "n/a" : (kb / MB).toFixed(1);

async function readShelf(
  kvPath: string,
  productIds: string[],
): Promise<{ slugs: string[]; stock: Map<string, number> }> {
  const kv = await Deno.openKv(kvPath);
  try {
    return {
      slugs: (await listProducts(kv)).map((p) => p.slug),
      stock: await stockOf(kv, productIds),
    };
  } finally {
    kv.close();
  }
}

async function stockOf(kv: Deno.Kv, productIds: string[]): Promise<Map<string, number>> {
  const entries = await kv.getMany<number[]>(productIds.map((id) => keys.stock(id)));
  return new Map(productIds.map((id, i) => [id, entries[i].value ?? 0]));
}

/** Paid exactly once, numbers unique, stock taken = quantities ordered. */
async function verify(
  kvPath: string,
  soak: SoakResult,
  productIds: string[],
  stockBefore: Map<string, number>,
  result: BenchResult,
): Promise<void> {
  const kv = await Deno.openKv(kvPath);
  try {
    const paid = await checkPaidOnce(kv, soak.paidOrderIds);
    const paidLine = `${paid.paidOnce}/${soak.paidOrderIds.length} webhook-paid orders paid ` +
      `exactly once; ${paid.paidIndexed} in the paid index`;
    if (paid.problems.length) result.failures.push(`${paidLine}: ${paid.problems.join("; ")}`);
    else result.checks.push(paidLine);

    const numbers = new Set(soak.orders.map((o) => o.number));
    const numbersLine = `${numbers.size} distinct order numbers for ${soak.orders.length} orders`;
    if (numbers.size === soak.orders.length) result.checks.push(numbersLine);
    else result.failures.push(numbersLine);

    const ordered = new Map<string, number>();
    for await (const { value } of kv.list<Order>({ prefix: keys.orders() })) {
      for (const item of value.items) {
        ordered.set(item.productId, (ordered.get(item.productId) ?? 0) + item.quantity);
      }
    }
    const after = await stockOf(kv, productIds);
    const off = productIds.filter((id) =>
      stockBefore.get(id)! - after.get(id)! !== (ordered.get(id) ?? 0)
    );
    const stockLine = `stock taken = quantities ordered for ${productIds.length - off.length}/` +
      `${productIds.length} products`;
    if (off.length) result.failures.push(stockLine);
    else result.checks.push(stockLine);
  } finally {
    kv.close();
  }
}
