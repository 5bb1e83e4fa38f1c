/**
 * Placements that arrive together commit together. Every checkout meets the others at the
 * same keys (the day's order-number counter, popular products' stock): committed one by one
 * they either queue or retry each other out. Here a process keeps one commit of placements
 * in flight per store; the placements that arrive meanwhile wait and go into the next
 * commit, which reads each stock key and the counter once, hands out the stock in arrival
 * order and takes one contiguous run of order numbers for the orders it writes.
 *
 * So order numbers are taken in the order's own commit: unique (the counter is checked),
 * increasing in commit order across processes, and without gaps (a refused placement takes
 * none). The last unit has one winner: the batch gives it to the first placement that asks,
 * and the stock keys' checks settle it between processes.
 */
import { boundedAtomic, commitWithRetry, MAX_CHECKS_PER_COMMIT } from "../db/atomic.ts";
import { CHECKOUT_REQUEST_TTL_MS, keys } from "../db/keys.ts";
import { getManyBatched } from "../db/kv.ts";
import { assertInStock } from "../catalog/purchasable.ts";
import { formatOrderNumber, orderNumberDay } from "../orders/order_number.ts";
import type { StockLine } from "../stock/lines.ts";
import { readLevels, stageReservations } from "../stock/reservations.ts";

/** What `["checkout_requests", owner, key]` remembers of the request that first used a key. */
export interface CheckoutRequestRecord {
  orderId: string;
  /** SHA-256 of the request: the key is bound to it. */
  fingerprint: string;
}

/** One placement waiting for a commit. */
export interface Ticket {
  orderId: string;
  /** The Idempotency-Key's record key: checked absent and written with the order. */
  requestKey: Deno.KvKey | null;
  fingerprint: string;
  /** Stock-tracked lines, reserved in the same commit. */
  lines: StockLine[];
  /** Product titles, for the out-of-stock message. */
  titles: Map<string, string>;
  /** Checks the ticket's own writes add (its lapse task's). */
  checks: number;
  /** Adds the order's writes (order, indexes, tasks, holds) under its number. */
  stage(op: Deno.AtomicOperation, number: string, now: Date): void;
  /**
   * Told the versionstamp of the commit that wrote the ticket's order as last staged, before
   * the ticket resolves. Not told when an earlier try is found to have landed after all.
   */
  landed?(versionstamp: string): void;
}

export interface TogetherDeps {
  kv: Deno.Kv;
  now: () => Date;
  orderNumberPrefix: string;
}

/** The day's counter is only read on its own day; a few days' retention is plenty. */
export const COUNTER_TTL_MS = 3 * 24 * 60 * 60 * 1000;

interface Waiting {
  ticket: Ticket;
  resolve(record: CheckoutRequestRecord): void;
  reject(err: unknown): void;
}

interface Lane {
  queue: Waiting[];
  running: boolean;
}

const lanes = new WeakMap<Deno.Kv, Lane>();

/**
 * Places the ticket's order, committed with whatever other placements are waiting. Returns
 * the ticket's own record, or the record already under its Idempotency-Key (another request
 * placed with it first); throws a 422 `out_of_stock` when its lines no longer fit.
 */
export function placeTogether(deps: TogetherDeps, ticket: Ticket): Promise<CheckoutRequestRecord> {
  let lane = lanes.get(deps.kv);
  if (!lane) lanes.set(deps.kv, lane = { queue: [], running: false });
  const done = new Promise<CheckoutRequestRecord>((resolve, reject) =>
    lane.queue.push({ ticket, resolve, reject })
  );
  if (!lane.running) void drain(deps, lane);
  return done;
}

async function drain(deps: TogetherDeps, lane: Lane): Promise<void> {
  lane.running = true;
  try {
    while (lane.queue.length > 0) {
      const batch = lane.queue.splice(0);
      const later = await commitBatch(deps, batch);
      lane.queue.unshift(...later);
    }
  } finally {
    lane.running = false;
  }
}

/**
 * Commits as many of `batch` as one commit's checks allow, settling each placed or refused
 * one; returns those left for the next commit.
 */
async function commitBatch(deps: TogetherDeps, batch: Waiting[]): Promise<Waiting[]> {
  let open = batch;
  let later: Waiting[] = [];
  let placed: Waiting[] = [];
  let attempt = 0;
  let versionstamp: string | null = null;
  try {
    await commitWithRetry(async () => {
      // Each placement read its key just before it queued. A retry follows a failed check, or
      // a commit that reported a failure and may have landed all the same.
      if (attempt++ > 0) open = await withoutSettled(deps.kv, open);
      ({ taken: placed, later } = fitChecks(open));
      const now = deps.now();
      const counterKey = keys.orderNumberCounter(orderNumberDay(now));
      const [counter, levels] = await Promise.all([
        deps.kv.get<number>(counterKey),
        readLevels(deps.kv, placed.flatMap((w) => w.ticket.lines.map((l) => l.productId))),
      ]);
      const refused = refuseWhatDoesNotFit(placed, levels);
      placed = placed.filter((w) => !refused.has(w));
      open = open.filter((w) => !refused.has(w));
      if (placed.length === 0) return { op: null, result: undefined };
      const op = boundedAtomic(deps.kv);
      stageReservations(op, placed.map((w) => w.ticket), levels, now);
      let seq = counter.value ?? 0;
      for (const { ticket } of placed) {
        ticket.stage(op, formatOrderNumber(deps.orderNumberPrefix, now, ++seq), now);
        if (ticket.requestKey) {
          op.check({ key: ticket.requestKey, versionstamp: null }).set(
            ticket.requestKey,
            { orderId: ticket.orderId, fingerprint: ticket.fingerprint },
            { expireIn: CHECKOUT_REQUEST_TTL_MS },
          );
        }
      }
      op.check(counter).set(counterKey, seq, { expireIn: COUNTER_TTL_MS });
      return { op, result: undefined, landed: (commit) => versionstamp = commit.versionstamp };
    });
  } catch (err) {
    for (const w of open) if (!later.includes(w)) w.reject(err);
    return later;
  }
  const records = new Map<string, CheckoutRequestRecord>();
  for (const { ticket, resolve } of placed) {
    if (versionstamp) ticket.landed?.(versionstamp);
    const record = { orderId: ticket.orderId, fingerprint: ticket.fingerprint };
    if (ticket.requestKey) records.set(JSON.stringify(ticket.requestKey), record);
    resolve(record);
  }
  // Twins of a placed request learn its record now, as they would from the key itself.
  return later.filter((w) => {
    const record = w.ticket.requestKey && records.get(JSON.stringify(w.ticket.requestKey));
    if (record) w.resolve(record);
    return !record;
  });
}

/**
 * Settles the waiting placements that need no commit any more: those whose own order exists
 * (an earlier try landed though it reported a failure) and those whose Idempotency-Key
 * another request has taken.
 */
async function withoutSettled(kv: Deno.Kv, open: Waiting[]): Promise<Waiting[]> {
  const keyed = open.filter((w) => w.ticket.requestKey);
  const [orders, seen] = await Promise.all([
    getManyBatched(kv, open.map((w) => keys.order(w.ticket.orderId))),
    getManyBatched<CheckoutRequestRecord>(kv, keyed.map((w) => w.ticket.requestKey!)),
  ]);
  const settled = new Set<Waiting>();
  orders.forEach((entry, i) => {
    if (!entry.value) return;
    const { ticket } = open[i];
    open[i].resolve({ orderId: ticket.orderId, fingerprint: ticket.fingerprint });
    settled.add(open[i]);
  });
  seen.forEach((entry, i) => {
    if (!entry.value || settled.has(keyed[i])) return;
    keyed[i].resolve(entry.value);
    settled.add(keyed[i]);
  });
  return open.filter((w) => !settled.has(w));
}

/**
 * The placements one commit can carry, in arrival order: the counter's check, one per stock
 * key, one per Idempotency-Key and each ticket's own must stay within the budget. A second
 * placement with a key already in the commit waits (it will find the first one's record).
 */
function fitChecks(open: Waiting[]): { taken: Waiting[]; later: Waiting[] } {
  const taken: Waiting[] = [];
  const later: Waiting[] = [];
  const products = new Set<string>();
  const requestKeys = new Set<string>();
  let checks = 1;
  for (const w of open) {
    const { ticket } = w;
    const key = ticket.requestKey ? JSON.stringify(ticket.requestKey) : null;
    const fresh = ticket.lines.filter((l) => !products.has(l.productId)).length;
    const cost = fresh + (key ? 1 : 0) + ticket.checks;
    if (
      (key && requestKeys.has(key)) || (taken.length > 0 && checks + cost > MAX_CHECKS_PER_COMMIT)
    ) {
      later.push(w);
      continue;
    }
    checks += cost;
    taken.push(w);
    if (key) requestKeys.add(key);
    for (const l of ticket.lines) products.add(l.productId);
  }
  return { taken, later };
}

/**
 * Hands the stock out in arrival order: a placement whose lines no longer fit what those
 * before it left is refused (422 `out_of_stock`). Returns the refused.
 */
function refuseWhatDoesNotFit(
  placed: Waiting[],
  levels: Map<string, Deno.KvEntryMaybe<number>>,
): Set<Waiting> {
  const left = new Map([...levels].map(([id, entry]) => [id, entry.value ?? 0]));
  const refused = new Set<Waiting>();
  for (const w of placed) {
    try {
      for (const line of w.ticket.lines) {
        const title = w.ticket.titles.get(line.productId) ?? line.productId;
        assertInStock(line.productId, title, line.quantity, left.get(line.productId) ?? 0);
      }
    } catch (err) {
      w.reject(err);
      refused.add(w);
      continue;
    }
    for (const line of w.ticket.lines) {
      left.set(line.productId, left.get(line.productId)! - line.quantity);
    }
  }
  return refused;
}
