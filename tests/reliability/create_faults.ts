/**
 * The provider failing while Settle opens a session: before a checkout's first Pay the
 * emulator is armed with a 500 it stores under the request's key, a request it never
 * answers, or a response it cuts off after making the session; then the shopper pays
 * again with the same Idempotency-Key and cookie. Each checkout must end with one order and
 * one open session tied to it, which then takes the payment. Checkouts whose every try
 * fails must give their stock back when the checkout window closes: their lapse task is
 * checked and run early by a worker whose clock is at the window's end.
 *
 * Faults are taken by whichever create comes next, so a batch runs alone: no other
 * session is opened while faults are armed. The processes' SDK retries twice with the same
 * key: a replayed 500 and a replayed lost response take no fault, a timed-out request
 * (20 s, the SDK's default) runs afresh and would take the next one.
 */
import { getOrder } from "@/lib/db/orders.ts";
import { keys } from "@/lib/db/keys.ts";
import { getStock } from "@/lib/db/products.ts";
import { orderTaskHandlers } from "@/lib/facts/task_handlers.ts";
import type { Order } from "@/lib/orders/types.ts";
import { type Fault, TEST_CARDS } from "@/lib/payments/emulator/server.ts";
import { listOrderTasks } from "@/lib/tasks/outbox.ts";
import { createWorker } from "@/lib/tasks/worker.ts";
import type { Verdict } from "./oracle.ts";
import { CHECKOUT_EXPIRES_MINUTES } from "./processes.ts";
import type { Prng } from "./prng.ts";
import { drawLines, newClientCookie, unitAmount } from "./storm.ts";
import { type OrderLine, type PlacedOrder, settle, type Suite } from "./suite.ts";

const WINDOW_MS = CHECKOUT_EXPIRES_MINUTES * 60_000;

interface Checkout {
  tag: string;
  fault: Fault;
  lines: OrderLine[];
  headers: Record<string, string>;
  body: { items: OrderLine[]; metadata: Record<string, string> };
}

interface Placed {
  id: string;
  orderId: string;
}

type Answer = { status: number; data: Placed };

export interface FaultResult {
  orders: PlacedOrder[];
  note: string;
  /** Orders left without any session (a problem already): closed with the lapsed ones. */
  stranded?: PlacedOrder[];
}

interface Lapse {
  id: string;
  dueAt: number;
}

async function newCheckout(suite: Suite, prng: Prng, tag: string, fault: Fault) {
  const lines = drawLines(suite, prng);
  const checkout: Checkout = {
    tag,
    fault,
    lines,
    headers: { "idempotency-key": `${tag}-pay`, cookie: await newClientCookie() },
    body: { items: lines, metadata: { edge: tag, email: `${tag}@edges.reliability.test` } },
  };
  return checkout;
}

/** One Pay; `provoked` when the provider was told to fail (a 502 is then the right answer). */
async function pay(suite: Suite, c: Checkout, provoked: boolean): Promise<Answer> {
  const res = await suite.client.json<Placed>(
    "/api/payments/create-checkout-session",
    "POST",
    c.body,
    c.headers,
    provoked ? { expected: [502] } : {},
  );
  return { status: res.status, data: res.data };
}

/**
 * Arms one fault per checkout, then sends every first Pay at once, then every second Pay
 * (armed again when `everyTry` fails).
 */
async function batch(
  suite: Suite,
  checkouts: Checkout[],
  v: Verdict,
  everyTry = false,
): Promise<[Answer[], Answer[]]> {
  const failing = async () => {
    for (const c of checkouts) suite.emulator.failNext("create_session", c.fault);
    const answers = await Promise.all(checkouts.map((c) => pay(suite, c, true)));
    const left = suite.emulator.pendingFaults().length;
    if (left) {
      // A Pay that makes no create of its own (it replayed the failed try instead of a fresh
      // one) leaves its fault armed for whichever create comes next: take them here.
      v.problems.push(`faults: ${left} Pays opened no try of their own (fault left armed)`);
      await drainFaults(suite, left);
    }
    return answers;
  };
  const firsts = await failing();
  const seconds = everyTry
    ? await failing()
    : await Promise.all(checkouts.map((c) => pay(suite, c, false)));
  return [firsts, seconds];
}

/** Sends `count` bare creates to the emulator itself, each taking one armed fault. */
async function drainFaults(suite: Suite, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await fetch(`${suite.emulator.url}/v1/checkout/sessions`, {
      method: "POST",
      headers: {
        authorization: "Bearer sk_test_reliability",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "",
      signal: AbortSignal.timeout(2000),
    }).then((res) => res.body?.cancel(), () => {});
  }
}

/** Every order carrying `edge: <tag>` in its metadata, by tag. */
async function ordersByTag(suite: Suite): Promise<Map<string, Order[]>> {
  const byTag = new Map<string, Order[]>();
  for await (const e of suite.kv.list<Order>({ prefix: keys.orders() })) {
    const tag = e.value.metadata?.edge;
    if (tag) byTag.set(tag, [...byTag.get(tag) ?? [], e.value]);
  }
  return byTag;
}

/** The one order `c` placed, or null after counting what is wrong with it. */
function oneOrder(c: Checkout, byTag: Map<string, Order[]>, v: Verdict): Order | null {
  const orders = byTag.get(c.tag) ?? [];
  if (orders.length === 1) return orders[0];
  if (orders.length === 0) v.lost++;
  else v.doubleApplied++;
  v.problems.push(`${c.tag} (${c.fault}): ${orders.length} orders for one checkout`);
  return null;
}

/**
 * Checkouts with one fault each, in one batch. Each must end with one order whose one open
 * session the second Pay handed back; that session is then paid.
 */
export async function faultCheckouts(
  suite: Suite,
  faults: Fault[],
  name: string,
  v: Verdict,
): Promise<FaultResult> {
  const prng = suite.prng.fork();
  const checkouts = await Promise.all(
    faults.map((fault, i) => newCheckout(suite, prng, `${name}-${i}`, fault)),
  );
  const [firsts, seconds] = await batch(suite, checkouts, v);
  const byTag = await ordersByTag(suite);
  const sessions = suite.emulator.sessions();
  const orders: PlacedOrder[] = [];
  const firstStatuses = new Map<string, number>();
  const stranded: PlacedOrder[] = [];
  let good = 0;
  checkouts.forEach((c, i) => {
    const [first, second] = [firsts[i], seconds[i]];
    const label = `${c.fault}→${first.status}`;
    firstStatuses.set(label, (firstStatuses.get(label) ?? 0) + 1);
    const order = oneOrder(c, byTag, v);
    if (!order) return;
    const mine = sessions.filter((s) => s.metadata?.order_id === order.id);
    const open = mine.filter((s) => s.status === "open");
    const problem = (text: string) => v.problems.push(`${c.tag} (${c.fault}): ${text}`);
    if (second.status !== 200) problem(`second Pay answered ${second.status}`);
    else if (second.data.orderId !== order.id) {
      v.nonOwner++;
      problem(`second Pay handed out order ${second.data.orderId}, not ${order.id}`);
    } else if (first.status === 200 && first.data.id !== second.data.id) {
      problem(`second Pay opened ${second.data.id} beside ${first.data.id}`);
    }
    if (open.length > 1) v.doubleApplied++;
    if (open.length !== 1 || open[0].id !== order.payment.sessionId) {
      v.wrongStates++;
      problem(`open sessions [${open.map((s) => s.id)}], attached ${order.payment.sessionId}`);
    } else good++;
    if (second.status === 200) {
      const paid = suite.emulator.pay(second.data.id, TEST_CARDS.success);
      if (paid.status !== "succeeded") problem(`paying its session: ${paid.status}`);
    }
    const ids = mine.map((s) => s.id);
    // Never got a session: its stock waits for the lapse, which the suite then runs early.
    const entry = placed(suite, name, order, c.lines, ids, ids.length ? "paid" : "lapsed");
    orders.push(entry);
    if (!ids.length) stranded.push(entry);
  });
  const spread = [...firstStatuses].sort().map(([k, n]) => `${k} ${n}`).join(", ");
  return {
    orders,
    stranded,
    note: `${checkouts.length} checkouts with a failing create (first Pay: ${spread}); ` +
      `${good} ended with one order and one open session, then paid`,
  };
}

/**
 * Checkouts whose every try fails (a 500 for the first Pay's try and for the second Pay's
 * fresh try): no session, stock held until the window closes. Their lapse task must be due
 * within the window; run then, it closes them and puts every unit back, with those of
 * `stranded` orders (earlier checkouts left without a session).
 */
export async function lapsedCheckouts(
  suite: Suite,
  count: number,
  settleMs: number,
  v: Verdict,
  stranded: PlacedOrder[] = [],
): Promise<FaultResult> {
  const prng = suite.prng.fork();
  const products = suite.catalog.map((p) => p.id);
  const lapses: Lapse[] = [];
  for (const order of stranded) {
    const stored = (await getOrder(suite.kv, order.orderId)).value;
    const lapse = stored && await pendingLapse(suite, stored, v);
    if (lapse) lapses.push(lapse);
  }
  // Nothing else may move stock meanwhile: earlier follow-ups finish first.
  await settle(suite, settleMs, new Set(lapses.map((t) => t.id)));
  const stockBefore = await getStock(suite.kv, products);
  const checkouts = await Promise.all(
    Array.from({ length: count }, (_, i) => newCheckout(suite, prng, `lapse-${i}`, "error_500")),
  );
  const [firsts, seconds] = await batch(suite, checkouts, v, true);
  const byTag = await ordersByTag(suite);
  const sessions = suite.emulator.sessions();
  const orders: PlacedOrder[] = [];
  for (const [i, c] of checkouts.entries()) {
    const problem = (text: string) => v.problems.push(`${c.tag}: ${text}`);
    if (firsts[i].status !== 502 || seconds[i].status !== 502) {
      problem(`Pays answered ${firsts[i].status}, ${seconds[i].status}; expected 502, 502`);
    }
    const order = oneOrder(c, byTag, v);
    if (!order) continue;
    if (sessions.some((s) => s.metadata?.order_id === order.id) || order.payment.sessionId) {
      problem(`a session was opened although every create failed`);
    }
    const lapse = await pendingLapse(suite, order, v);
    if (lapse) lapses.push(lapse);
    orders.push(placed(suite, "lapse", order, c.lines, [], "lapsed"));
  }
  const held = sumUnits(orders);
  const ran = await runLapses(suite, lapses, settleMs, v);
  const stockAfter = await getStock(suite.kv, products);
  // The stranded orders held their units before the count started.
  const missing = products.reduce(
    (n, id) => n + (stockBefore.get(id) ?? 0) - (stockAfter.get(id) ?? 0),
    sumUnits(stranded),
  );
  if (missing) {
    v.wrongStates++;
    v.problems.push(`lapse: stock is ${missing} units short of before the lapsed checkouts`);
  }
  for (const order of [...orders, ...stranded]) {
    const stored = (await getOrder(suite.kv, order.orderId)).value;
    if (stored?.status !== "expired" || stored.stock !== "released") {
      v.wrongStates++;
      v.problems.push(`${order.orderId}: ${stored?.status}/${stored?.stock} after its lapse`);
    }
  }
  return {
    orders,
    note: `${count} checkouts failing at every try: lapse due within ${CHECKOUT_EXPIRES_MINUTES}` +
      ` min for ${lapses.length}; run at the window's end (${ran} tasks), ` +
      `${held - missing} of ${held} held units back`,
  };
}

/**
 * Once nothing else is queued: a worker at 1 s before the earliest window end must find
 * nothing due; one at the latest runs the lapses and the stock releases they queue.
 */
async function runLapses(
  suite: Suite,
  lapses: Lapse[],
  settleMs: number,
  v: Verdict,
): Promise<number> {
  if (!lapses.length) return 0;
  const left = await settle(suite, settleMs, new Set(lapses.map((t) => t.id)));
  if (left) v.problems.push(`lapse: ${left} other tasks still queued after ${settleMs} ms`);
  const at = (ms: number) =>
    createWorker({ kv: suite.kv, handlers: orderTaskHandlers, now: () => new Date(ms) });
  const dues = lapses.map((t) => t.dueAt);
  const early = await at(Math.min(...dues) - 1000).runOnce();
  if (early) v.problems.push(`lapse: ${early} tasks ran before the checkout window closed`);
  const onTime = at(Math.max(...dues));
  let ran = 0;
  while (true) {
    const n = await onTime.runOnce();
    if (n === 0) return ran;
    ran += n;
  }
}

/** The order's lapse task, still pending and due within its checkout window. */
async function pendingLapse(suite: Suite, order: Order, v: Verdict): Promise<Lapse | null> {
  const lapse = (await listOrderTasks(suite.kv, order.id))
    .find((t) => t.kind === "lapse_checkout" && t.status === "pending");
  const created = new Date(order.createdAt).getTime();
  if (!lapse) {
    v.lost++;
    v.problems.push(`${order.id}: no pending lapse_checkout task: its stock is held for good`);
    return null;
  }
  if (lapse.dueAt < created || lapse.dueAt > created + WINDOW_MS) {
    v.wrongStates++;
    v.problems.push(`${order.id}: lapse due ${lapse.dueAt - created} ms after placement`);
    return null;
  }
  return lapse;
}

function sumUnits(orders: { lines: OrderLine[] }[]): number {
  return orders.reduce((n, c) => n + c.lines.reduce((m, l) => m + l.quantity, 0), 0);
}

function placed(
  suite: Suite,
  phase: string,
  order: Order,
  lines: OrderLine[],
  sessionIds: string[],
  plan: PlacedOrder["plan"] = "paid",
): PlacedOrder {
  const total = lines.reduce((sum, l) => sum + unitAmount(suite, l.productId) * l.quantity, 0);
  const entry: PlacedOrder = {
    phase,
    orderId: order.id,
    sessionIds,
    lines,
    total,
    viaCart: false,
    plan,
  };
  suite.placed.push(entry);
  return entry;
}
