/**
 * Razorpay's share of the storm: shoppers place orders through POST /api/payments/create-order
 * (some from a cart), pay in the Razorpay emulator's popup by plan, and hand the popup's
 * result to POST /api/payments/verify several times at once, spread over both processes,
 * while the emulator's webhooks (duplicated, shuffled, many at once) race those calls. The
 * emulator leaves about half the payments authorized (run.ts), so verify and
 * `payment.authorized` also race to capture them.
 */
import { listHistory } from "@/lib/db/orders.ts";
import type { SuccessResponse } from "@/lib/payments/razorpay/emulator/server.ts";
import type { Prng } from "./prng.ts";
import { drawLines, fillCart, newClientCookie, unitAmount } from "./storm.ts";
import { type OrderLine, type PlacedOrder, type Plan, sleep, type Suite } from "./suite.ts";

const PLAN_WEIGHTS: [Plan, number][] = [
  ["paid", 0.76],
  ["declined_then_paid", 0.08],
  ["declined", 0.05],
  ["async_paid", 0.06],
  ["abandoned", 0.05],
];

/** Verify calls per payment, all at once: 0 is a shopper who closed the tab (webhooks only). */
const MOST_VERIFIES = 4;
const CREATE_TRIES = 8;
/** The popup collects no address: Razorpay orders carry one, and a rate without a free tier. */
const ADDRESS = {
  name: "Storm Shopper",
  line1: "1 Queen Street",
  city: "Auckland",
  postalCode: "1010",
  country: "NZ",
};

export interface RazorpayStormOptions {
  phase: string;
  orders: number;
  /** Shoppers at once. */
  concurrency: number;
}

export interface RazorpayStormResult {
  placed: PlacedOrder[];
  /** Verify calls sent, by the status they got. */
  verifies: Map<number, number>;
  problems: string[];
}

export async function razorpayStorm(
  suite: Suite,
  options: RazorpayStormOptions,
): Promise<RazorpayStormResult> {
  const result: RazorpayStormResult = { placed: [], verifies: new Map(), problems: [] };
  const shipping = await flatRate(suite);
  let next = 0;
  const shopper = async (prng: Prng) => {
    while (next < options.orders) {
      const i = next++;
      const order = await placeRazorpayOrder(suite, prng, options.phase, i, shipping);
      result.placed.push(order);
      suite.placed.push(order);
      await payAndVerify(suite, prng, order, result);
    }
  };
  await Promise.all(
    Array.from({ length: options.concurrency }, () => shopper(suite.prng.fork())),
  );
  return result;
}

interface Rate {
  id: string;
  amount: number;
}

/** A New Zealand rate with no free tier, so every order's total is its lines plus this. */
async function flatRate(suite: Suite): Promise<Rate> {
  const res = await suite.client.json<(Rate & { freeOver?: number })[]>(
    "/api/shipping-rates?country=NZ",
    "GET",
    undefined,
  );
  const rate = res.status === 200 ? res.data.find((r) => r.freeOver === undefined) : undefined;
  if (!rate) throw new Error(`no flat NZ shipping rate: ${res.status} ${JSON.stringify(res.data)}`);
  return rate;
}

function drawPlan(prng: Prng): Plan {
  let roll = prng.next();
  for (const [plan, weight] of PLAN_WEIGHTS) {
    if ((roll -= weight) < 0) return plan;
  }
  return "paid";
}

interface Created {
  orderId: string;
  providerOrderId: string;
}

async function placeRazorpayOrder(
  suite: Suite,
  prng: Prng,
  phase: string,
  i: number,
  shipping: Rate,
): Promise<PlacedOrder> {
  const plan = drawPlan(prng);
  const lines = drawLines(suite, prng);
  const viaCart = prng.chance(0.1);
  const email = `shopper${i}@${phase}.razorpay.reliability.test`;
  const cookie = viaCart ? await fillCart(suite, lines) : await newClientCookie();
  const details = {
    metadata: { email, phase },
    customer: { email, name: "Storm Shopper" },
    shipping: ADDRESS,
    shippingRateId: shipping.id,
  };
  const body = viaCart ? details : { items: lines, ...details };
  const headers = { "idempotency-key": `${phase}-razorpay-${i}`, cookie };
  for (let attempt = 1;; attempt++) {
    const res = await suite.client.json<Created>(
      "/api/payments/create-order",
      "POST",
      body,
      headers,
    );
    if (res.status === 200) {
      return {
        phase,
        provider: "razorpay",
        orderId: res.data.orderId,
        sessionIds: [res.data.providerOrderId],
        lines,
        total: subtotal(suite, lines) + shipping.amount,
        viaCart,
        plan,
      };
    }
    // 409 checkout_in_progress: the resend met the first try still opening its Razorpay order.
    const transient = res.status >= 500 || res.status === 409;
    if (!transient || attempt === CREATE_TRIES) {
      throw new Error(`create-order ${phase}-${i}: ${res.status} ${JSON.stringify(res.data)}`);
    }
    await sleep(20 * attempt);
  }
}

function subtotal(suite: Suite, lines: OrderLine[]): number {
  return lines.reduce((sum, l) => sum + unitAmount(suite, l.productId) * l.quantity, 0);
}

/** What the shopper does in the popup, then the handler's verify calls. */
async function payAndVerify(
  suite: Suite,
  prng: Prng,
  order: PlacedOrder,
  result: RazorpayStormResult,
): Promise<void> {
  const { razorpay } = suite;
  const id = order.sessionIds[0];
  switch (order.plan) {
    case "paid":
      await verifyAtOnce(suite, prng, order, (await razorpay.pay(id, "success")).response!, result);
      break;
    case "declined_then_paid":
      await razorpay.pay(id, "decline");
      await sleep(prng.int(0, 20));
      await verifyAtOnce(suite, prng, order, (await razorpay.pay(id, "success")).response!, result);
      break;
    case "declined":
      await razorpay.pay(id, "decline");
      break;
    case "async_paid": {
      // A UPI collect: verified while still pending, then approved in the shopper's app.
      const { payment, response } = await razorpay.pay(id, "pending");
      await verifyAtOnce(suite, prng, order, response!, result, 1);
      await sleep(prng.int(0, 30));
      razorpay.settle(payment.id, "approved");
      await verifyAtOnce(suite, prng, order, response!, result);
      break;
    }
    case "abandoned":
      break;
    default:
      throw new Error(`no Razorpay plan ${order.plan}`);
  }
}

/** `count` (default: drawn) verify calls at once, round robin over the processes. */
async function verifyAtOnce(
  suite: Suite,
  prng: Prng,
  order: PlacedOrder,
  handed: SuccessResponse,
  result: RazorpayStormResult,
  count = prng.chance(0.15) ? 0 : prng.int(1, MOST_VERIFIES),
): Promise<void> {
  const body = { orderId: order.orderId, ...handed };
  const answers = await Promise.all(
    Array.from({ length: count }, () => suite.client.json("/api/payments/verify", "POST", body)),
  );
  for (const { status, data } of answers) {
    result.verifies.set(status, (result.verifies.get(status) ?? 0) + 1);
    if (status !== 200 && result.problems.length < 10) {
      result.problems.push(`verify ${order.orderId}: ${status} ${JSON.stringify(data)}`);
    }
  }
}

const SOURCE_NAMES: Record<string, string> = { success_page: "verify", provider: "webhook" };

/** Who recorded each order's payment: verify (`success_page`) or a webhook, counted. */
export async function paymentsAppliedBy(suite: Suite, orders: PlacedOrder[]): Promise<string> {
  const by = new Map<string, number>();
  for (const order of orders) {
    for (const h of await listHistory(suite.kv, order.orderId)) {
      if (h.fact?.kind !== "payment_succeeded" || h.outcome.kind !== "applied") continue;
      const source = SOURCE_NAMES[h.source.kind] ?? h.source.kind;
      by.set(source, (by.get(source) ?? 0) + 1);
    }
  }
  return [...by].sort().map(([source, n]) => `${source} ${n}`).join(", ") || "none";
}
