/**
 * The oracle: what each order must look like, worked out from the emulator's own records
 * (which sessions were paid, for how much, which expired or were declined) and from what
 * the suite asked for, then compared with what the processes left in the KV file.
 */
import { getCart } from "@/lib/db/carts.ts";
import { keys } from "@/lib/db/keys.ts";
import { getOrder, listHistory } from "@/lib/db/orders.ts";
import { getStock } from "@/lib/db/products.ts";
import type { HistoryEntry, Order } from "@/lib/orders/types.ts";
import type { CheckoutSession, StripeEvent } from "@/lib/payments/emulator/server.ts";
import type { ReceiptMarker } from "@/lib/notify/receipt_task.ts";
import { listOrderTasks } from "@/lib/tasks/outbox.ts";
import { INITIAL_STOCK } from "./seed.ts";
import type { PlacedOrder, Suite } from "./suite.ts";

export type ExpectedState = "paid" | "failed" | "expired" | "pending";

export interface Expected {
  state: ExpectedState;
  /** Intents of the order's paid sessions, in session order. */
  paidIntents: string[];
  /** What the provider took in, in total. */
  received: number;
}

export interface Verdict {
  orders: number;
  paid: number;
  /** Money or follow-ups that never reached an order. */
  lost: number;
  /** Money or follow-ups that took effect more than once. */
  doubleApplied: number;
  /** Orders (or stock counts) that ended in another state than the provider's records say. */
  wrongStates: number;
  /** Receipts the mailbox got more than once under one idempotency key. */
  resentReceipts: number;
  problems: string[];
}

export function emptyVerdict(): Verdict {
  return {
    orders: 0,
    paid: 0,
    lost: 0,
    doubleApplied: 0,
    wrongStates: 0,
    resentReceipts: 0,
    problems: [],
  };
}

/** The provider's view, indexed by order id (taken from the sessions' own metadata). */
export class ProviderView {
  readonly #sessions = new Map<string, CheckoutSession[]>();
  readonly #failedIntents = new Set<string>();

  constructor(sessions: CheckoutSession[], events: StripeEvent[]) {
    for (const s of sessions) {
      const orderId = s.metadata?.order_id;
      if (!orderId) continue;
      const list = this.#sessions.get(orderId) ?? [];
      list.push(s);
      this.#sessions.set(orderId, list);
    }
    for (const e of events) {
      if (e.type !== "payment_intent.payment_failed") continue;
      this.#failedIntents.add((e.data.object as { id: string }).id);
    }
  }

  sessionsOf(orderId: string): CheckoutSession[] {
    return this.#sessions.get(orderId) ?? [];
  }

  expected(orderId: string): Expected {
    const sessions = this.sessionsOf(orderId);
    const paid = sessions.filter((s) => s.payment_status === "paid");
    const received = paid.reduce((sum, s) => sum + (s.amount_total ?? 0), 0);
    const paidIntents = paid.map((s) => s.payment_intent as string);
    if (paid.length) return { state: "paid", paidIntents, received };
    const latest = sessions.at(-1);
    if (latest?.status === "expired") return { state: "expired", paidIntents, received };
    // A declined attempt on the session still on offer leaves the order failed (payable).
    const intent = latest?.payment_intent as string | null | undefined;
    const failed = intent && this.#failedIntents.has(intent) && latest?.status === "open";
    return { state: failed ? "failed" : "pending", paidIntents, received };
  }
}

const count = (history: HistoryEntry[], kind: string, outcome: string) =>
  history.filter((h) =>
    h.fact?.kind === kind &&
    (h.outcome.kind === "flagged" ? `flagged:${h.outcome.reason}` : h.outcome.kind) === outcome
  ).length;

/** Follow-up tasks each final state must have produced, once each. */
function expectedTasks(state: ExpectedState, placed: PlacedOrder, payments: number): string[] {
  if (state === "expired") return ["release_stock"];
  if (state !== "paid") return [];
  const kinds = ["commit_stock", "fulfil", "send_receipt"];
  if (placed.viaCart) kinds.push("trim_cart");
  // Each extra payment is flagged, and a flag raises an alert.
  for (let i = 1; i < payments; i++) kinds.push("alert");
  return kinds.sort();
}

/** Compares one order with the provider's records; adds what is wrong to `v`. */
export async function checkOrder(
  suite: Suite,
  view: ProviderView,
  placed: PlacedOrder,
  v: Verdict,
  { allowResend }: { allowResend: boolean },
): Promise<void> {
  const { kv } = suite;
  const id = placed.orderId;
  const problem = (column: "lost" | "doubleApplied" | "wrongStates", text: string) => {
    v[column]++;
    if (v.problems.length < 30) v.problems.push(`${placed.phase} ${id} (${placed.plan}): ${text}`);
  };
  v.orders++;
  const exp = view.expected(id);
  const order = (await getOrder(kv, id)).value;
  if (!order) return problem("lost", "order missing from KV");
  const history = await listHistory(kv, id);
  const tasks = await listOrderTasks(kv, id);
  if (order.total !== placed.total) {
    problem("wrongStates", `total ${order.total} ≠ ${placed.total}`);
  }
  for (const s of view.sessionsOf(id)) {
    if (s.amount_total !== placed.total) {
      problem(
        "wrongStates",
        `session ${s.id} asked ${s.amount_total}, order costs ${placed.total}`,
      );
    }
  }
  const applied = count(history, "payment_succeeded", "applied");
  const seconds = count(history, "payment_succeeded", "flagged:second_payment");
  const payments = exp.paidIntents.length;
  if (exp.state === "paid") v.paid++;

  // Money: each provider payment counted exactly once.
  if (order.payment.amountReceived < exp.received) {
    problem("lost", `received ${order.payment.amountReceived} of ${exp.received}`);
  } else if (order.payment.amountReceived > exp.received) {
    problem(
      "doubleApplied",
      `received ${order.payment.amountReceived}, provider took ${exp.received}`,
    );
  }
  const wantApplied = payments > 0 ? 1 : 0;
  if (applied < wantApplied || seconds < payments - wantApplied) {
    problem(
      "lost",
      `payment facts applied ${applied}, second payments ${seconds}; paid ${payments}×`,
    );
  } else if (applied > wantApplied || seconds > payments - wantApplied) {
    problem("doubleApplied", `payment applied ${applied}×, second payments ${seconds}×`);
  }

  checkState(order, exp, payments, problem);
  const expiredSessions = view.sessionsOf(id).filter((s) => s.status === "expired").length;
  checkTasks(tasks, expectedTasks(exp.state, placed, payments), expiredSessions, problem);
  if (exp.state === "paid") {
    const once = (kind: string) => count(history, kind, "applied");
    if (once("stock_committed") > 1) problem("doubleApplied", "stock committed twice");
    if (once("fulfillment_succeeded") > 1) problem("doubleApplied", "fulfilled twice");
    if (once("fulfillment_succeeded") === 0) problem("lost", "never fulfilled");
    await checkReceipt(suite, order, exp.paidIntents[0], problem, v, allowResend);
    if (placed.viaCart && order.cartId) {
      const cart = await getCart(kv, order.cartId);
      if (cart && cart.items.length) {
        problem("wrongStates", `cart still holds ${JSON.stringify(cart.items)}`);
      }
    }
  }
}

type Problem = (column: "lost" | "doubleApplied" | "wrongStates", text: string) => void;

function checkState(order: Order, exp: Expected, payments: number, problem: Problem): void {
  const want: Record<ExpectedState, [string, string, string]> = {
    paid: ["fulfilled", "paid", "committed"],
    failed: ["failed", "failed", "reserved"],
    expired: ["expired", "expired", "released"],
    pending: ["pending", "pending", "reserved"],
  };
  const [status, paymentStatus, stock] = want[exp.state];
  const got = [order.status, order.payment.status, order.stock];
  if (got.join() !== [status, paymentStatus, stock].join()) {
    problem("wrongStates", `status/payment/stock ${got.join("/")}, expected ${exp.state}`);
  }
  const flags = order.needsAttention.map((a) => a.reason);
  const wantFlags = payments > 1 ? ["second_payment"] : [];
  if ([...new Set(flags)].sort().join() !== wantFlags.join()) {
    problem("wrongStates", `flags [${flags}], expected [${wantFlags}]`);
  }
}

/**
 * `want` once each; besides, one release_stock per expired session of an order that was
 * offered again (its expiry can land before the new session does; stock is checked apart).
 */
function checkTasks(
  tasks: { kind: string; status: string }[],
  want: string[],
  expiredSessions: number,
  problem: Problem,
) {
  const kinds = tasks.map((t) => t.kind).sort();
  for (const kind of new Set([...want, ...kinds])) {
    const have = kinds.filter((k) => k === kind).length;
    const need = want.filter((k) => k === kind).length;
    const may = kind === "release_stock" ? Math.max(need, expiredSessions) : need;
    if (have < need) problem("lost", `${kind} task missing (${have} of ${need})`);
    if (have > may) problem("doubleApplied", `${kind} task ${have}× (expected ${need})`);
  }
  for (const t of tasks) {
    if (t.status !== "done") problem("lost", `${t.kind} task ${t.status}`);
  }
}

async function checkReceipt(
  suite: Suite,
  order: Order,
  intent: string,
  problem: Problem,
  v: Verdict,
  allowResend: boolean,
): Promise<void> {
  const marker = await suite.kv.get<ReceiptMarker>(keys.receiptSent(order.id, intent));
  if (marker.value?.status !== "sent") problem("lost", `receipt marker ${marker.value?.status}`);
  const sends = suite.mailbox.byKey().get(`receipt:${order.id}:${intent}`) ?? 0;
  if (sends === 0) problem("lost", "receipt never reached the mail API");
  if (sends > 1) {
    v.resentReceipts++;
    // A receipt re-sent under its idempotency key is one e-mail; without a crash it is a bug.
    if (!allowResend) problem("doubleApplied", `receipt sent ${sends}×`);
  }
}

/**
 * Stock of every product against the seeded amount minus what every placed order holds
 * (paid: committed; pending or failed: reserved; expired: released).
 */
export async function checkStock(suite: Suite, view: ProviderView, v: Verdict): Promise<void> {
  const held = new Map<string, number>(suite.catalog.map((p) => [p.id, 0]));
  for (const placed of suite.placed) {
    if (view.expected(placed.orderId).state === "expired") continue;
    for (const line of placed.lines) {
      held.set(line.productId, held.get(line.productId)! + line.quantity);
    }
  }
  const stock = await getStock(suite.kv, [...held.keys()]);
  for (const [productId, units] of held) {
    const want = INITIAL_STOCK - units;
    const have = stock.get(productId) ?? 0;
    if (have === want) continue;
    const column = have < want ? "doubleApplied" : "wrongStates";
    v[column]++;
    v.problems.push(`stock of ${productId}: ${have}, expected ${want} (${have - want})`);
  }
}

/** Checks `orders` and the stock of everything placed so far. */
export async function verify(
  suite: Suite,
  orders: PlacedOrder[],
  options: { allowResend: boolean },
): Promise<Verdict> {
  const view = new ProviderView(suite.emulator.sessions(), suite.emulator.events());
  const v = emptyVerdict();
  for (const placed of orders) await checkOrder(suite, view, placed, v, options);
  await checkStock(suite, view, v);
  return v;
}
