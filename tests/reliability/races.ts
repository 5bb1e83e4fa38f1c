/**
 * Two races at scale. The success page: while the emulator delivers an order's events, the
 * shopper's status page (GET /api/orders/by-session/:id, which asks the provider and records
 * a payment it finds) is hammered on both processes; the payment must apply once. And a
 * retry racing a late payment: POST /api/orders/:id/retry-session (signed order token)
 * while the old session is being paid; the retry must either get 409 or leave the old
 * session expired, and an order paid twice must be flagged — never a silent double charge.
 */
import { signOrderToken } from "@/lib/checkout/owner_token.ts";
import { listHistory } from "@/lib/db/orders.ts";
import { BANK_DEBIT, TEST_CARDS } from "@/lib/payments/emulator/server.ts";
import { verify } from "./oracle.ts";
import { runPhase } from "./phase.ts";
import { SESSION_SECRET } from "./processes.ts";
import type { Prng } from "./prng.ts";
import type { PhaseRow } from "./report.ts";
import { placeOrder } from "./storm.ts";
import { type PlacedOrder, pool, settle, sleep, type Suite } from "./suite.ts";

export interface RaceOptions {
  /** Orders whose status page is hammered while their payment is delivered. */
  pageRaces: number;
  /** Orders whose retry races a payment on the old session. */
  retryRaces: number;
  concurrency: number;
  settleMs: number;
}

/** Status page reads per order, all at once, spread over the processes. */
const READS = 4;

type RetryKind = "card" | "bank_debit" | "declined";

export function racePhase(suite: Suite, options: RaceOptions): Promise<PhaseRow> {
  return runPhase(suite, "races", async () => {
    const problems: string[] = [];
    const orders: PlacedOrder[] = [];
    const statuses = new Map<number, number>();
    const outcomes = new Map<string, number>();
    const tally = (map: Map<string | number, number>, key: string | number) =>
      map.set(key, (map.get(key) ?? 0) + 1);
    await pool(suite, options.pageRaces, options.concurrency, async (prng, i) => {
      const order = await placeOrder(suite, prng, "page", i, "paid");
      orders.push(order);
      suite.placed.push(order);
      suite.emulator.pay(order.sessionIds[0], TEST_CARDS.success);
      const reads = await Promise.all(
        Array.from(
          { length: READS },
          () => suite.client.send(`/api/orders/by-session/${order.sessionIds[0]}`),
        ),
      );
      for (const r of reads) tally(statuses, r.status);
    });
    await pool(suite, options.retryRaces, options.concurrency, async (prng, i) => {
      const kind = prng.pick<RetryKind>(["card", "card", "bank_debit", "declined"]);
      const order = await placeOrder(suite, prng, "retry", i, "paid");
      orders.push(order);
      suite.placed.push(order);
      const outcome = await retryRace(suite, prng, order, kind, problems);
      tally(outcomes, `${kind}→${outcome}`);
    });
    const left = await settle(suite, options.settleMs);
    const verdict = await verify(suite, orders, { allowResend: false });
    verdict.problems.push(...problems);
    for (const [status, n] of statuses) {
      if (status !== 200) verdict.problems.push(`status page answered ${status} ${n}×`);
    }
    if (left) verdict.problems.push(`${left} tasks still queued after ${options.settleMs} ms`);
    const bySuccessPage = await appliedBySuccessPage(suite, orders);
    return {
      verdict,
      notes: [
        `${options.pageRaces} orders × ${READS} status reads during delivery: ` +
        `${bySuccessPage} payments recorded by the status page, the rest by webhooks`,
        `${options.retryRaces} retries racing a payment: ` +
        [...outcomes].sort().map(([k, n]) => `${k} ${n}`).join(", "),
      ],
    };
  });
}

/**
 * One retry racing one payment on the old session. Returns what happened; adds a problem
 * when the retry answered anything but 200 or 409, or opened a new session while the old
 * one could still be paid.
 */
async function retryRace(
  suite: Suite,
  prng: Prng,
  order: PlacedOrder,
  kind: RetryKind,
  problems: string[],
): Promise<string> {
  const { emulator } = suite;
  const old = order.sessionIds[0];
  const token = await signOrderToken(SESSION_SECRET, order.orderId);
  const retry = () =>
    suite.client.json<{ id: string }>(
      `/api/orders/${order.orderId}/retry-session`,
      "POST",
      undefined,
      { "x-order-token": token },
    );
  let paid = "none";
  if (kind === "bank_debit") {
    emulator.pay(old, BANK_DEBIT.succeeds);
  } else if (kind === "declined") {
    emulator.pay(old, TEST_CARDS.genericDecline);
  }
  const [res] = await Promise.all([
    retry(),
    (async () => {
      await sleep(prng.int(0, 30));
      if (kind !== "bank_debit") paid = emulator.pay(old, TEST_CARDS.success).status;
    })(),
  ]);
  if (kind === "bank_debit") emulator.settleAsync(old, "succeeded");
  const label = `${order.phase}-${order.orderId}`;
  if (res.status === 409) return "409";
  if (res.status !== 200) {
    problems.push(`${label}: retry-session answered ${res.status} ${JSON.stringify(res.data)}`);
    return String(res.status);
  }
  order.sessionIds.push(res.data.id);
  const before = emulator.sessions().find((s) => s.id === old);
  if (before?.status !== "expired") {
    problems.push(`${label}: a new session opened while ${old} is ${before?.status}`);
  }
  // The shopper pays the new session (most do); a late try on the old one must be refused.
  if (prng.chance(0.7)) emulator.pay(res.data.id, TEST_CARDS.success);
  const late = emulator.pay(old, TEST_CARDS.success).status;
  if (late !== "unavailable") problems.push(`${label}: the expired session took a payment`);
  return paid === "succeeded" ? "200+paid-old" : "200";
}

async function appliedBySuccessPage(suite: Suite, orders: PlacedOrder[]): Promise<number> {
  let n = 0;
  for (const order of orders) {
    const history = await listHistory(suite.kv, order.orderId);
    n += history.filter((h) =>
      h.fact?.kind === "payment_succeeded" && h.outcome.kind === "applied" &&
      h.source.kind === "success_page"
    ).length;
  }
  return n;
}
