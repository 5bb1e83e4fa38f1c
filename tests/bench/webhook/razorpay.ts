/**
 * The Razorpay webhook path beside Stripe's: `payment.captured` events, signed as Razorpay
 * signs them (hex HMAC-SHA256 of the raw body with the webhook secret, the event id in
 * `x-razorpay-event-id`), posted to POST /api/payments/webhook/razorpay of a whole Settle
 * process (main.ts) for orders it placed itself through POST /api/payments/create-order.
 * After the run every order must be paid exactly once, as on the Stripe path.
 */
import { webhookSignature } from "@/lib/payments/razorpay/signature.ts";
import type { BenchOptions, ScenarioRow } from "../bench.ts";
import { runScenario } from "../bench.ts";
import type { PreparedRequest } from "../load.ts";
import { DRAIN_LIMIT_MS, READY, settleEnv } from "./settle.ts";
import {
  type BasketLine,
  checkPaidOnce,
  drainOutbox,
  type DrainStats,
  loadWindow,
  prepareStore,
} from "./store.ts";

export const RAZORPAY_WEBHOOK_PATH = "/api/payments/webhook/razorpay";
const RAZORPAY_WEBHOOK_SECRET = "bench-razorpay-webhook-secret";

/** The environment of a Settle process that offers Razorpay through its embedded emulator. */
function razorpayEnv(kvPath: string): Record<string, string> {
  return {
    ...settleEnv(kvPath),
    PAYMENT_PROVIDERS: "stripe,razorpay",
    RAZORPAY_KEY_SECRET: "bench-razorpay-key-secret",
    RAZORPAY_WEBHOOK_SECRET,
  };
}

/** Who pays and where the goods go: create-order asks for both when a basket ships. */
const DELIVERY = {
  customer: { email: "shopper@example.com", name: "Bench Shopper" },
  shipping: {
    name: "Bench Shopper",
    line1: "1 Queen Street",
    city: "Auckland",
    postalCode: "1010",
    country: "NZ",
  },
  shippingRateId: "standard",
};

interface PlacedOrder {
  orderId: string;
  providerOrderId: string;
  amount: number;
  currency: string;
}

/** Places `count` orders through POST /api/payments/create-order, a few at a time. */
async function placeRazorpayOrders(
  origin: string,
  basket: BasketLine[],
  count: number,
  concurrency = 4,
): Promise<PlacedOrder[]> {
  const placed: PlacedOrder[] = new Array(count);
  const run = crypto.randomUUID().slice(0, 8);
  let next = 0;
  const loop = async () => {
    while (next < count) {
      const i = next++;
      const res = await fetch(`${origin}/api/payments/create-order`, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": `rzp-${run}-${i}` },
        body: JSON.stringify({ items: basket, ...DELIVERY }),
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`create-order ${res.status}: ${text}`);
      placed[i] = JSON.parse(text) as PlacedOrder;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return placed;
}

const hex = (bytes: number) =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0"))
    .join("");

/** The `payment.captured` delivery of one order's payment, signed. */
async function capturedEvent(order: PlacedOrder): Promise<PreparedRequest> {
  const now = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({
    entity: "event",
    account_id: "acc_bench",
    event: "payment.captured",
    contains: ["payment"],
    payload: {
      payment: {
        entity: {
          id: `pay_${hex(7)}`,
          entity: "payment",
          amount: order.amount,
          currency: order.currency.toUpperCase(),
          status: "captured",
          order_id: order.providerOrderId,
          method: "card",
          captured: true,
          amount_refunded: 0,
          email: "shopper@example.com",
          contact: "+64210000000",
          notes: [],
          created_at: now,
        },
      },
    },
    created_at: now,
  });
  return {
    body,
    headers: {
      "content-type": "application/json",
      "x-razorpay-signature": await webhookSignature(RAZORPAY_WEBHOOK_SECRET, body),
      "x-razorpay-event-id": `Evt${hex(7)}`,
    },
  };
}

export interface RazorpayRun {
  row: ScenarioRow;
  drained: DrainStats | null;
  /** Passed checks and failures, worded for the report. */
  checks: string[];
  failures: string[];
  setup: string;
}

/** Runs the Razorpay scenario on its own store and checks every order was paid once. */
export async function runRazorpay(options: BenchOptions, kvPath: string): Promise<RazorpayRun> {
  const { events, warmup, root } = options;
  const basket = await prepareStore(kvPath);
  let orderIds: string[] = [];
  let drained: DrainStats | null = null;
  let setup = "";
  const row = await runScenario({
    scenario: "full, razorpay",
    description: "Settle process (main.ts): Razorpay payment.captured, same path as full",
    server: { args: ["run", "-A", "main.ts"], cwd: root, env: razorpayEnv(kvPath), ready: READY },
    path: RAZORPAY_WEBHOOK_PATH,
    requests: async (server) => {
      const started = performance.now();
      const placed = await placeRazorpayOrders(server.url, basket, warmup + events);
      orderIds = placed.map((o) => o.orderId);
      setup = `Razorpay setup: ${placed.length} orders placed through POST ` +
        `/api/payments/create-order, 4 at a time, in ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s.`;
      const signed = await Promise.all(placed.map(capturedEvent));
      return { warmup: signed.slice(0, warmup), measured: signed.slice(warmup) };
    },
    afterLoad: async (server, row) => {
      drained = await drainOutbox(
        kvPath,
        server.pid,
        DRAIN_LIMIT_MS,
        loadWindow(row.load.elapsedMs),
      );
    },
  }, options);
  const checks: string[] = [];
  const failures: string[] = [];
  const kv = await Deno.openKv(kvPath);
  try {
    const check = await checkPaidOnce(kv, orderIds);
    if (check.problems.length) failures.push(...check.problems.map((p) => `razorpay: ${p}`));
    else {
      checks.push(
        `After the Razorpay run: ${check.paidOnce} = ${orderIds.length} orders paid, each ` +
          `with exactly one payment_succeeded history entry, applied.`,
      );
    }
  } finally {
    kv.close();
  }
  const applied = row.load.outcomes["applied"] ?? 0;
  if (applied !== row.load.ok) {
    failures.push(`full, razorpay: ${row.load.ok} answered 2xx but ${applied} "applied"`);
  }
  return { row, drained, checks, failures, setup };
}
