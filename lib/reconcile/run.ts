/**
 * Reconciliation: asks the provider about orders still pending or failed after a while and
 * records what it says through the one fact path, so a webhook that never came (dropped,
 * endpoint down past Stripe's retries, secret rotated) cannot leave money or stock stuck.
 * Runs every few minutes from Deno.cron (schedule.ts) and as `deno task reconcile`; a KV
 * lease keeps it to one run at a time however many Settle processes share the KV.
 */
import { encodeTime, ulid } from "ulid";
import { keys, RECONCILE_RUN_TTL_MS } from "../db/keys.ts";
import { getOrder } from "../db/orders.ts";
import { applyOverdueKeptPayments } from "../facts/kept_events.ts";
import { recordFact } from "../facts/record_fact.ts";
import { log } from "../log.ts";
import type { Fact, FactSource, Order, OrderStatus } from "../orders/types.ts";
import { ProviderRejectedError } from "../payments/provider.ts";
import { sessionFact } from "../payments/session_fact.ts";
import type { AppDeps } from "../state.ts";
import { isRazorpayOrderId } from "../checkout/razorpay_order.ts";
import { releaseLease, takeLease } from "./lease.ts";
import { razorpayFindings } from "./razorpay.ts";

export type ReconcileDeps = Pick<AppDeps, "kv" | "provider" | "now" | "razorpay"> & {
  config: Pick<AppDeps["config"], "checkoutExpiresMinutes">;
};

export interface ReconcileOptions {
  /** Orders created longer ago than this are checked. */
  olderThanMinutes: number;
  /** The run's clock for thresholds and expiry (default `deps.now()`). */
  now?: Date;
  /** Orders checked per status per run, oldest first (default 500). */
  limit?: number;
  /** How long the run may hold the lease (default 10 minutes). */
  leaseMs?: number;
}

export interface ReconcileSummary {
  runId: string;
  startedAt: string;
  finishedAt: string;
  olderThanMinutes: number;
  checked: number;
  /** Payments found at the provider and recorded. */
  paid: number;
  /** Expiries found (or made: sessions open past their expiry) and recorded. */
  expired: number;
  /** Orders that never got a checkout session, closed once their checkout window passed. */
  lapsed: number;
  /** Kept payments no session tied to an order in time, given to the order they name (held). */
  unverified: number;
  errors: number;
  /** The first failures, for the admin panel. */
  failures: { orderId: string; error: string }[];
  /** True when the run stopped early to stay inside its lease. */
  truncated: boolean;
}

export type ReconcileResult =
  | { ran: true; summary: ReconcileSummary }
  /** Another run holds the lease. */
  | { ran: false; heldBy: string; until: string };

const STATUSES: OrderStatus[] = ["pending", "failed"];
const CONCURRENCY = 4;
const MAX_FAILURES_KEPT = 20;
export type Change = "paid" | "expired" | "lapsed" | "unchanged";

export async function reconcile(
  deps: ReconcileDeps,
  options: ReconcileOptions,
): Promise<ReconcileResult> {
  const now = options.now ?? deps.now();
  const leaseMs = options.leaseMs ?? 10 * 60_000;
  const runId = ulid(now.getTime());
  const lease = await takeLease(deps.kv, "reconcile", runId, leaseMs, now.getTime());
  if ("taken" in lease) {
    return {
      ran: false,
      heldBy: lease.taken.owner,
      until: new Date(lease.taken.until).toISOString(),
    };
  }
  try {
    const summary = await check(deps, options, now, runId, Date.now() + leaseMs / 2);
    await deps.kv.atomic()
      .set(keys.reconcileRun(runId), summary, { expireIn: RECONCILE_RUN_TTL_MS })
      .set(keys.reconcileLatest(), summary)
      .commit();
    log(summary.errors ? "warn" : "info", "reconcile finished", { ...summary });
    return { ran: true, summary };
  } finally {
    await releaseLease(deps.kv, lease.held);
  }
}

async function check(
  deps: ReconcileDeps,
  options: ReconcileOptions,
  now: Date,
  runId: string,
  deadline: number,
): Promise<ReconcileSummary> {
  const summary: ReconcileSummary = {
    runId,
    startedAt: deps.now().toISOString(),
    finishedAt: "",
    olderThanMinutes: options.olderThanMinutes,
    checked: 0,
    paid: 0,
    expired: 0,
    lapsed: 0,
    unverified: 0,
    errors: 0,
    failures: [],
    truncated: false,
  };
  summary.unverified = await applyOverdueKeptPayments(deps.kv, deps.now, now);
  const queue = await candidates(deps.kv, now, options);
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      if (Date.now() > deadline) {
        summary.truncated = true;
        return;
      }
      try {
        const change = await checkOrder(deps, id, now);
        if (change === null) continue;
        summary.checked++;
        if (change !== "unchanged") summary[change]++;
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        summary.checked++;
        summary.errors++;
        if (summary.failures.length < MAX_FAILURES_KEPT) {
          summary.failures.push({ orderId: id, error });
        }
        log("warn", "reconcile: order check failed", { orderId: id, error });
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  summary.finishedAt = deps.now().toISOString();
  return summary;
}

/** Ids of pending and failed orders created before the threshold (ids are time-ordered ULIDs). */
async function candidates(kv: Deno.Kv, now: Date, options: ReconcileOptions): Promise<string[]> {
  const cutoff = encodeTime(Math.max(0, now.getTime() - options.olderThanMinutes * 60_000), 10);
  const ids: string[] = [];
  for (const status of STATUSES) {
    const prefix = keys.ordersByStatus(status);
    const entries = kv.list<string>({ prefix, end: [...prefix, cutoff] }, {
      limit: options.limit ?? 500,
    });
    for await (const e of entries) ids.push(e.value);
  }
  return ids;
}

/**
 * Asks the provider about one order and records what it adds. null when the order no
 * longer waits for anything (changed since it was listed). Admins run it for one order.
 */
export async function checkOrder(
  deps: ReconcileDeps,
  orderId: string,
  now: Date,
  source: FactSource = { kind: "reconcile" },
): Promise<Change | null> {
  const order = (await getOrder(deps.kv, orderId)).value;
  if (!order || !STATUSES.includes(order.status)) return null;
  const sessionId = order.payment.sessionId;
  const facts = sessionId && isRazorpayOrderId(sessionId)
    ? await razorpayFacts(deps, order, sessionId, now)
    : [await providerFact(deps, order, now)].filter((f) => f !== null);
  let change: Change = "unchanged";
  for (const fact of facts) {
    const result = await recordFact({ kv: deps.kv, now: deps.now }, order.id, fact, source);
    const acted = result.outcome.kind === "applied" || result.outcome.kind === "flagged";
    if (!acted || change === "paid") continue;
    change = fact.kind === "payment_succeeded"
      ? "paid"
      : fact.kind === "checkout_lapsed"
      ? "lapsed"
      : fact.kind === "session_expired"
      ? "expired"
      : change;
  }
  return change;
}

/**
 * A Razorpay order cannot be closed, nor does it expire: every Razorpay order the order had
 * is asked for its payments (a missed webhook repaired), and once the current one's window
 * (`checkoutExpiresMinutes` from its creation) has passed with no money and none on its way,
 * the order expires and its stock goes back, as a Stripe session's expiry does. A payment
 * made on it later still finds the order (it is then a late payment, as for Stripe).
 */
async function razorpayFacts(
  deps: ReconcileDeps,
  order: Order,
  current: string,
  now: Date,
): Promise<Fact[]> {
  const rzp = deps.razorpay;
  if (!rzp) throw new Error("the order is at Razorpay, which this shop does not offer now");
  const ids = order.payment.sessionIds.filter(isRazorpayOrderId);
  const found = await razorpayFindings(rzp, order, ids.length ? ids : [current]);
  const paid = found.facts.some((f) => f.kind === "payment_succeeded");
  if (paid || found.inFlight) return found.facts;
  const opened = await rzp.client.fetchOrder(current);
  const openedAt = opened.created_at ? opened.created_at * 1000 : Date.parse(order.createdAt);
  const windowEnd = openedAt + deps.config.checkoutExpiresMinutes * 60_000;
  if (now.getTime() < windowEnd) return found.facts;
  return [...found.facts, { kind: "session_expired", sessionId: current }];
}

/** What the provider's view of the order's current session adds, if anything. */
async function providerFact(deps: ReconcileDeps, order: Order, now: Date): Promise<Fact | null> {
  const sessionId = order.payment.sessionId;
  if (!sessionId) {
    // The session was never created (the provider failed during checkout): once the
    // checkout window has passed, the stock goes back (the lapse task does the same on time).
    const age = now.getTime() - new Date(order.createdAt).getTime();
    return age >= deps.config.checkoutExpiresMinutes * 60_000 ? { kind: "checkout_lapsed" } : null;
  }
  let session = await deps.provider.retrieveSession(sessionId);
  if (session.status === "open" && session.expiresAt * 1000 <= now.getTime()) {
    // Past its expiry but still open: close it at the provider first, so it cannot take
    // money after the stock is released.
    session = await deps.provider.expireSession(sessionId).catch(async (err) => {
      if (!(err instanceof ProviderRejectedError)) throw err;
      return await deps.provider.retrieveSession(sessionId);
    });
  }
  // Open, or complete with an (async) payment still settling: nothing to record yet.
  return sessionFact(session);
}

/** The latest run's summary, for the admin panel. */
export async function latestReconcile(kv: Deno.Kv): Promise<ReconcileSummary | null> {
  return (await kv.get<ReconcileSummary>(keys.reconcileLatest())).value;
}

/** Recent runs, newest first. */
export async function listReconcileRuns(kv: Deno.Kv, limit = 20): Promise<ReconcileSummary[]> {
  const runs: ReconcileSummary[] = [];
  for await (
    const e of kv.list<ReconcileSummary>({ prefix: keys.reconcileRuns() }, { limit, reverse: true })
  ) {
    runs.push(e.value);
  }
  return runs;
}
