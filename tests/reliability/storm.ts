/**
 * The storm: shoppers check out through Settle's public API (some through a cart) and pay
 * on the emulator by plan — most succeed, some are declined first, some only declined, some
 * expire, some pay by bank debit that settles later, a few walk away — while the emulator
 * delivers every event with duplicates, shuffled, many at once, to both processes. Razorpay
 * shoppers (razorpay_storm.ts) pay at the same time, and are reported in a row of their own.
 */
import { clientCookie } from "@/lib/http/cart_cookie.ts";
import { BANK_DEBIT, TEST_CARDS } from "@/lib/payments/emulator/server.ts";
import { SESSION_SECRET } from "./processes.ts";
import { verify } from "./oracle.ts";
import { runSplitPhase } from "./phase.ts";
import { paymentsAppliedBy, razorpayStorm } from "./razorpay_storm.ts";
import type { Prng } from "./prng.ts";
import type { PhaseRow } from "./report.ts";
import { type OrderLine, type PlacedOrder, type Plan, settle, sleep, type Suite } from "./suite.ts";

/** How plans are drawn (cumulative order matters not; weights sum to 1). */
const PLAN_WEIGHTS: [Plan, number][] = [
  ["paid", 0.78],
  ["declined_then_paid", 0.07],
  ["declined", 0.04],
  ["expired", 0.04],
  ["async_paid", 0.04],
  ["abandoned", 0.03],
];

/** Checkouts that fail with 5xx are sent again (same Idempotency-Key), as a client would. */
const CHECKOUT_TRIES = 8;

export interface StormOptions {
  /** Names the phase in keys, metadata and the report. */
  phase: string;
  sessions: number;
  /** Shoppers at once. */
  concurrency: number;
  /** Called after each order is placed and paid (the crash phase kills a process here). */
  onPlaced?: (count: number) => void;
}

export async function storm(suite: Suite, options: StormOptions): Promise<PlacedOrder[]> {
  const placed: PlacedOrder[] = [];
  let next = 0;
  const shopper = async (prng: Prng) => {
    while (next < options.sessions) {
      const i = next++;
      const order = await placeOrder(suite, prng, options.phase, i, drawPlan(prng));
      placed.push(order);
      suite.placed.push(order);
      await carryOut(suite, prng, order);
      options.onPlaced?.(placed.length);
    }
  };
  await Promise.all(
    Array.from({ length: options.concurrency }, () => shopper(suite.prng.fork())),
  );
  return placed;
}

function drawPlan(prng: Prng): Plan {
  let roll = prng.next();
  for (const [plan, weight] of PLAN_WEIGHTS) {
    if ((roll -= weight) < 0) return plan;
  }
  return "paid";
}

/** One or two products, one to three units each. */
export function drawLines(suite: Suite, prng: Prng): OrderLine[] {
  const first = prng.int(0, suite.catalog.length - 1);
  const count = prng.chance(0.4) ? 2 : 1;
  return Array.from({ length: count }, (_, k) => ({
    productId: suite.catalog[(first + k) % suite.catalog.length].id,
    quantity: prng.int(1, 3),
  }));
}

/** Places an order through the public API: straight from items, or from a cart. */
export async function placeOrder(
  suite: Suite,
  prng: Prng,
  phase: string,
  i: number,
  plan: Plan,
  lines = drawLines(suite, prng),
): Promise<PlacedOrder> {
  const viaCart = prng.chance(0.1);
  const metadata = { email: `shopper${i}@${phase}.reliability.test`, phase };
  // Keys are scoped to their owner: a shopper resending after a 5xx or a crash keeps its
  // cookie (the cart's, else the client cookie Settle hands out), or it would be a stranger.
  const cookie = viaCart ? await fillCart(suite, lines) : await newClientCookie();
  const headers = { "idempotency-key": `${phase}-${i}`, cookie };
  const body: unknown = viaCart ? { metadata } : { items: lines, metadata };
  for (let attempt = 1;; attempt++) {
    const res = await suite.client.json<{ id: string; orderId: string }>(
      "/api/payments/create-checkout-session",
      "POST",
      body,
      headers,
    );
    if (res.status === 200) {
      const total = lines.reduce((sum, l) => sum + unitAmount(suite, l.productId) * l.quantity, 0);
      return {
        phase,
        orderId: res.data.orderId,
        sessionIds: [res.data.id],
        lines,
        total,
        viaCart,
        plan,
      };
    }
    if (res.status < 500 || attempt === CHECKOUT_TRIES) {
      throw new Error(`checkout ${phase}-${i}: ${res.status} ${JSON.stringify(res.data)}`);
    }
    await sleep(20 * attempt);
  }
}

/** A `settle_client` cookie as Settle mints it for a cartless caller's first request. */
export async function newClientCookie(): Promise<string> {
  return (await clientCookie(crypto.randomUUID(), SESSION_SECRET, false)).split(";")[0];
}

export function unitAmount(suite: Suite, productId: string): number {
  return suite.catalog.find((p) => p.id === productId)!.unitAmount;
}

/**
 * Builds a cart holding exactly `lines`: an add mints the cart, then PATCH sets the
 * quantity, which stays right even when a request is sent twice after a crash.
 */
export async function fillCart(suite: Suite, lines: OrderLine[]): Promise<string> {
  let cookie = "";
  for (const line of lines) {
    const headers: Record<string, string> = cookie ? { cookie } : {};
    const added = await suite.client.json("/api/cart/items", "POST", {
      productId: line.productId,
      quantity: 1,
    }, headers);
    if (added.status !== 200) throw new Error(`cart add: ${added.status}`);
    cookie ||= (added.headers.get("set-cookie") ?? "").split(";")[0];
    const set = await suite.client.json(
      `/api/cart/items/${line.productId}`,
      "PATCH",
      { quantity: line.quantity },
      { cookie },
    );
    if (set.status !== 200) throw new Error(`cart quantity: ${set.status}`);
  }
  return cookie;
}

/** What the shopper does on the payment page. */
async function carryOut(suite: Suite, prng: Prng, order: PlacedOrder): Promise<void> {
  const { emulator } = suite;
  const id = order.sessionIds[0];
  switch (order.plan) {
    case "paid":
      emulator.pay(id, TEST_CARDS.success);
      break;
    case "declined_then_paid":
      emulator.pay(id, TEST_CARDS.genericDecline);
      await sleep(prng.int(0, 20));
      emulator.pay(id, TEST_CARDS.success);
      break;
    case "declined":
      emulator.pay(id, prng.pick([TEST_CARDS.genericDecline, TEST_CARDS.insufficientFunds]));
      break;
    case "expired":
      emulator.expireNow(id);
      break;
    case "async_paid":
      emulator.pay(id, BANK_DEBIT.succeeds);
      await sleep(prng.int(0, 30));
      emulator.settleAsync(id, "succeeded");
      break;
    case "abandoned":
      break;
  }
}

export interface StormPhaseOptions {
  sessions: number;
  /** Razorpay orders placed and paid during the same storm. */
  razorpayOrders: number;
  concurrency: number;
  /** How long deliveries and follow-ups may take to finish after the last payment. */
  settleMs: number;
}

/**
 * The storm as a phase: place and pay at both providers at once, let everything land, then
 * check every order. Rows: Stripe's, then Razorpay's.
 */
export function stormPhase(suite: Suite, options: StormPhaseOptions): Promise<PhaseRow[]> {
  return runSplitPhase(suite, "storm", async () => {
    // A quarter of the shoppers (at least one) pay with Razorpay, beside the Stripe ones.
    const razorpayShoppers = Math.min(
      Math.max(1, Math.round(options.concurrency / 4)),
      options.razorpayOrders,
    );
    const [orders, rzp] = await Promise.all([
      storm(suite, { phase: "storm", ...options }),
      razorpayStorm(suite, {
        phase: "storm",
        orders: options.razorpayOrders,
        concurrency: razorpayShoppers,
      }),
    ]);
    const left = await settle(suite, options.settleMs);
    const verdict = await verify(suite, orders, { allowResend: false });
    if (left) verdict.problems.push(`${left} tasks still queued after ${options.settleMs} ms`);
    const razorpay = await verify(suite, rzp.placed, { allowResend: false, stock: false });
    razorpay.problems.push(...rzp.problems);
    const verifies = [...rzp.verifies].map(([status, n]) => `${n}× ${status}`).join(", ");
    const appliedBy = await paymentsAppliedBy(suite, rzp.placed);
    return {
      verdict,
      notes: [
        `${orders.length} sessions from ${options.concurrency} shoppers across ` +
        `${suite.processes.length} processes; ${verdict.paid} paid`,
      ],
      razorpay: {
        verdict: razorpay,
        notes: [
          `${rzp.placed.length} Razorpay orders from ${razorpayShoppers} shoppers; ` +
          `${razorpay.paid} paid; verify calls racing the webhooks: ${verifies || "none"}; ` +
          `payments applied by ${appliedBy}`,
        ],
      },
    };
  });
}
