/**
 * Create checkout session: `POST /api/payments/create-checkout-session` on Settle (main.ts:
 * idempotency record, prices and stock read, order number, order + reservation commit, the
 * SDK call, the session tied to the order) beside "sdk-only", a Deno.serve handler that only
 * creates the session through the SDK. Both call the same emulator process, get the same
 * bodies from the same load generator at the same concurrency, and each request carries its
 * own Idempotency-Key, as a shopper's browser sends it.
 */
import { join } from "node:path";
import { listProducts } from "@/lib/db/products.ts";
import { keys } from "@/lib/db/keys.ts";
import type { Order } from "@/lib/orders/types.ts";
import {
  type Bench,
  type BenchOptions,
  type BenchResult,
  type Figure,
  runScenario,
  type ScenarioRow,
} from "./bench.ts";
import type { PreparedRequest } from "./load.ts";
import { startServer } from "./process.ts";
import { profileMarkdown, summarizeProfile } from "./profile.ts";
import { type BasketLine, prepareStore } from "./webhook/store.ts";
import { READY, settleEnvWithStripe } from "./webhook/settle.ts";

const PATH = "/api/payments/create-checkout-session";

export const checkoutBench: Bench = {
  name: "checkout",
  title: "Create checkout session: Settle beside a handler that only calls the emulator",
  async run(options: BenchOptions): Promise<BenchResult> {
    const { root, tmpDir } = options;
    const result: BenchResult = {
      name: "checkout",
      title: this.title,
      rows: [],
      ratios: [],
      checks: [],
      failures: [],
      notes: [],
    };
    const kvPath = join(tmpDir, "checkout.kv");
    const basket = await prepareStore(kvPath);
    const catalogFile = join(tmpDir, "catalog.json");
    const stockBefore = await writeCatalog(kvPath, catalogFile, basket);
    // The load generator sends `events` requests: here, `checkouts` of them.
    const run = { ...options, events: options.checkouts };
    const emulator = await startServer({
      args: ["run", "-A", "tests/bench/servers/emulator.ts"],
      cwd: root,
      ready: READY,
    });
    try {
      result.rows.push(
        await runScenario({
          scenario: "settle",
          description: "Settle process (main.ts), emulator via STRIPE_API_BASE",
          server: {
            args: ["run", "-A", "main.ts"],
            cwd: root,
            env: settleEnvWithStripe(kvPath, emulator.url),
            ready: READY,
          },
          path: PATH,
          requests: () => Promise.resolve(checkoutRequests(basket, run)),
        }, run),
        await runScenario({
          scenario: "sdk-only",
          description: "Deno.serve + stripe.checkout.sessions.create, nothing stored",
          server: {
            args: [
              "run",
              "-A",
              "tests/bench/servers/checkout_sdk.ts",
              "--api",
              emulator.url,
              "--catalog",
              catalogFile,
            ],
            cwd: root,
            ready: READY,
          },
          path: PATH,
          requests: () => Promise.resolve(checkoutRequests(basket, run)),
        }, run),
      );
      if (options.profile) {
        const profDir = join(tmpDir, "checkout_profile");
        result.rows.push(
          await runScenario({
            scenario: "settle, profiled",
            description: "main.ts under --cpu-prof (the sampler slows it), same store",
            diagnostic: true,
            server: {
              args: ["run", "-A", "--cpu-prof", `--cpu-prof-dir=${profDir}`, "main.ts"],
              cwd: root,
              env: settleEnvWithStripe(kvPath, emulator.url),
              ready: READY,
            },
            path: PATH,
            requests: () => Promise.resolve(checkoutRequests(basket, run)),
          }, run),
        );
        result.notes.push(await profileNote(profDir, options.warmup + run.events));
      }
    } finally {
      await emulator.stop();
    }
    const [settle, sdk] = result.rows;
    await verify(kvPath, basket, stockBefore, settle, result);
    for (const row of result.rows) {
      if (row.load.errors) {
        result.failures.push(
          `${row.scenario}: ${row.load.errors} of ${row.load.requests} checkouts did not answer ` +
            `2xx (${JSON.stringify(row.load.statuses)})`,
        );
      }
    }
    result.ratios.push(
      `settle/sdk-only: ×${(sdk.load.rps / settle.load.rps).toFixed(2)} time per checkout by ` +
        `throughput, ×${(settle.load.p50Ms / sdk.load.p50Ms).toFixed(2)} p50, ×${
          (settle.load.p99Ms / sdk.load.p99Ms).toFixed(2)
        } p99, ×${(cpu(settle) / cpu(sdk)).toFixed(2)} server CPU per checkout`,
    );
    const baseline = "sdk-only: Deno.serve + SDK sessions.create";
    const figures: Figure[] = [
      {
        figure: "create checkout, req/s",
        settle: settle.load.rps,
        baseline,
        baselineValue: sdk.load.rps,
      },
      {
        figure: "create checkout, p50 ms",
        settle: settle.load.p50Ms,
        baseline,
        baselineValue: sdk.load.p50Ms,
        digits: 2,
      },
      {
        figure: "create checkout, p99 ms",
        settle: settle.load.p99Ms,
        baseline,
        baselineValue: sdk.load.p99Ms,
        digits: 2,
      },
    ];
    result.figures = figures;
    result.notes.push(
      `Setup: the demo catalog with stock raised; every request orders the same basket ` +
        `(${basket.map((l) => `${l.quantity} × ${l.productId}`).join(", ")}), so concurrent ` +
        `checkouts meet on the same stock keys and the day's order-number counter. ` +
        `${options.warmup} warm-up requests per scenario; the emulator is one process for both.`,
    );
    return result;
  },
};

/** Profile groups: which part of the checkout path a sampled stack is in (groups overlap). */
const FOCUS: Record<string, RegExp> = {
  "placement (lib/checkout/create_session.ts)": /lib\/checkout\/create_session\.ts/,
  "payment page + attach": /lib\/checkout\/(payment_page|attach_session)\.ts/,
  "stock reservation": /lib\/stock\//,
  "Stripe SDK client": /\/stripe\/\d/,
  "zod": /\/zod\/\d/,
  "Hono + middleware": /\/hono\/|lib\/http\/|lib\/app\.ts|lib\/fresh\/server\.ts/,
  "Deno KV calls": /ext:deno_kv\//,
  "garbage collector": /\(garbage collector\)/,
};

async function profileNote(profDir: string, requests: number): Promise<string> {
  const file = [...Deno.readDirSync(profDir)].find((e) => e.name.endsWith(".cpuprofile"));
  if (!file) throw new Error("no profile written for the checkout run");
  const summary = await summarizeProfile(join(profDir, file.name), 12, FOCUS);
  return `Profile of "settle, profiled" (whole process life; per-request figures divide by ` +
    `${requests}):\n\n${profileMarkdown(summary, requests)}`;
}

const cpu = (r: ScenarioRow) => (r.serverCpuMs ?? NaN) / r.load.requests;

function checkoutRequests(
  basket: BasketLine[],
  options: BenchOptions,
): { warmup: PreparedRequest[]; measured: PreparedRequest[] } {
  const run = crypto.randomUUID().slice(0, 8);
  const one = (i: number): PreparedRequest => ({
    body: JSON.stringify({ items: basket, metadata: { channel: "bench" } }),
    headers: { "content-type": "application/json", "idempotency-key": `bench-${run}-${i}` },
  });
  return {
    warmup: Array.from({ length: options.warmup }, (_, i) => one(i)),
    measured: Array.from({ length: options.events }, (_, i) => one(options.warmup + i)),
  };
}

/** Writes the baseline's price list; returns the basket's stock before any checkout. */
async function writeCatalog(
  kvPath: string,
  file: string,
  basket: BasketLine[],
): Promise<Map<string, number>> {
  const kv = await Deno.openKv(kvPath);
  try {
    const catalog: Record<string, { title: string; unitAmount: number; currency: string }> = {};
    for (const p of await listProducts(kv)) {
      catalog[p.id] = { title: p.title, unitAmount: p.unitAmount, currency: p.currency };
    }
    await Deno.writeTextFile(file, JSON.stringify(catalog));
    return await stockOf(kv, basket);
  } finally {
    kv.close();
  }
}

async function stockOf(kv: Deno.Kv, basket: BasketLine[]): Promise<Map<string, number>> {
  const entries = await kv.getMany<number[]>(basket.map((l) => keys.stock(l.productId)));
  return new Map(basket.map((l, i) => [l.productId, entries[i].value ?? 0]));
}

/** Every order holds its session and its stock: nothing reserved twice, nothing lost. */
async function verify(
  kvPath: string,
  basket: BasketLine[],
  stockBefore: Map<string, number>,
  settle: ScenarioRow,
  result: BenchResult,
): Promise<void> {
  const kv = await Deno.openKv(kvPath);
  try {
    let orders = 0;
    let withSession = 0;
    const reserved = new Map<string, number>();
    for await (const { value } of kv.list<Order>({ prefix: keys.orders() })) {
      orders++;
      if (value.payment.sessionId) withSession++;
      for (const item of value.items) {
        reserved.set(item.productId, (reserved.get(item.productId) ?? 0) + item.quantity);
      }
    }
    const after = await stockOf(kv, basket);
    const mismatched = basket.filter((l) =>
      stockBefore.get(l.productId)! - after.get(l.productId)! !== (reserved.get(l.productId) ?? 0)
    );
    const line = `After the settle run: ${orders} orders, ${withSession} with a session ` +
      `(${settle.load.ok} measured 2xx + warm-up); stock taken = quantities ordered for ` +
      `${basket.length - mismatched.length}/${basket.length} products.`;
    if (mismatched.length || withSession < settle.load.ok) result.failures.push(line);
    else result.checks.push(line);
  } finally {
    kv.close();
  }
}
