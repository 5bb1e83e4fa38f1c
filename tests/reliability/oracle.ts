/**
 * The oracle: what each order must look like, worked out from its provider's own records
 * (Stripe's sessions paid, expired or declined; Razorpay's payments captured or failed; for
 * how much) and from what the suite asked for, then compared with what the processes left
 * in the KV file.
 */
import { getCart } from "@/lib/db/carts.ts";
import { keys } from "@/lib/db/keys.ts";
import { getOrder, listHistory } from "@/lib/db/orders.ts";
import { getStock } from "@/lib/db/products.ts";
import type { HistoryEntry, Order } from "@/lib/orders/types.ts";
import type { ReceiptMarker } from "@/lib/notify/receipt_task.ts";
import type { ProcessedEvent } from "@/lib/facts/record_fact.ts";
import { listOrderTasks } from "@/lib/tasks/outbox.ts";
import {
  type Expected,
  type ExpectedState,
  type OrderView,
  ProviderView,
} from "./provider_view.ts";
import { RazorpayView } from "./razorpay_view.ts";
import { INITIAL_STOCK } from "./seed.ts";
import type { PlacedOrder, Suite } from "./suite.ts";

export { type Expected, type ExpectedState, type OrderView, ProviderView, RazorpayView };

export interface Verdict {
  orders: number;
  paid: number;
  /** Money or follow-ups that never reached an order. */
  lost: number;
  /** Money or follow-ups that took effect more than once. */
  doubleApplied: number;
  /** Orders handed to a requester who did not place them. */
  nonOwner: number;
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
    nonOwner: 0,
    wrongStates: 0,
    resentReceipts: 0,
    problems: [],
  };
}

const count = (history: HistoryEntry[], kind: string, outcome: string) =>
  history.filter((h) =>
    h.fact?.kind === kind &&
    (h.outcome.kind === "flagged" ? `flagged:${h.outcome.reason}` : h.outcome.kind) === outcome
  ).length;

/**
 * Follow-up tasks each final state must have produced, once each. Every placement queues the
 * checkout's lapse (retired when a session attaches); events kept for the order are applied
 * by one task once its payment is known.
 */
function expectedTasks(exp: Expected, placed: PlacedOrder): string[] {
  const kinds = ["lapse_checkout"];
  if (placed.keptEvents?.length) kinds.push("apply_kept_events");
  if (exp.state === "expired") kinds.push("release_stock");
  if (exp.state !== "paid") return kinds.sort();
  // The suite's refunds are partial: a full one would hold shipping, depending on timing.
  // Fulfilled once, so one shipped notice (it ends "no address" without metadata.email).
  kinds.push("commit_stock", "fulfil", "send_receipt", "send_shipped_notice");
  if (placed.viaCart) kinds.push("trim_cart");
  // Each extra payment and each dispute is flagged, and a flag raises an alert.
  const alerts = exp.paidIntents.length - 1 + exp.disputes;
  for (let i = 0; i < alerts; i++) kinds.push("alert");
  return kinds.sort();
}

/** Compares one order with its provider's records; adds what is wrong to `v`. */
export async function checkOrder(
  suite: Suite,
  view: OrderView,
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
  const exp = view.expected(placed);
  const order = (await getOrder(kv, id)).value;
  if (!order) return problem("lost", "order missing from KV");
  const history = await listHistory(kv, id);
  const tasks = await listOrderTasks(kv, id);
  if (order.total !== placed.total) {
    problem("wrongStates", `total ${order.total} ≠ ${placed.total}`);
  }
  const sessions = view.attemptsOf(id);
  for (const s of sessions) {
    if (s.amount !== placed.total) {
      problem("wrongStates", `session ${s.id} asked ${s.amount}, order costs ${placed.total}`);
    }
  }
  for (const text of view.stranded?.(id) ?? []) problem("lost", text);
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

  checkRefunds(order, history, exp, problem);
  checkState(order, exp, problem);
  const expiredSessions = sessions.filter((s) => s.expired).length;
  checkTasks(
    tasks,
    expectedTasks(exp, placed),
    { expiredSessions, sessions: sessions.length },
    problem,
  );
  const lapse = tasks.find((t) => t.kind === "lapse_checkout");
  const lapsed = exp.state === "expired" && sessions.length === 0;
  const attached = placed.provider === "razorpay"
    ? "a Razorpay order was attached"
    : "a session was attached";
  const why = lapsed ? "checkout_lapsed" : attached;
  if (lapse && lapse.status === "done" && lapse.result !== why) {
    problem("wrongStates", `lapse_checkout ended "${lapse.result}", expected "${why}"`);
  }
  await checkKept(suite, placed, problem);
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

/** Money back and chargebacks: each provider refund and dispute counted exactly once. */
function checkRefunds(order: Order, history: HistoryEntry[], exp: Expected, problem: Problem) {
  const got = order.payment.refundedAmount;
  if (got < exp.refunded) problem("lost", `refunded ${got} of ${exp.refunded}`);
  if (got > exp.refunded) {
    problem("doubleApplied", `refunded ${got}, provider gave ${exp.refunded}`);
  }
  const disputes = count(history, "dispute_opened", "flagged:dispute");
  if (disputes < exp.disputes) problem("lost", `disputes recorded ${disputes} of ${exp.disputes}`);
  if (disputes > exp.disputes) problem("doubleApplied", `dispute recorded ${disputes}×`);
}

/** Events the suite made Settle keep must all have reached this order, and left no trace. */
async function checkKept(suite: Suite, placed: PlacedOrder, problem: Problem): Promise<void> {
  for (const eventId of placed.keptEvents ?? []) {
    const [kept, processed] = await suite.kv.getMany<[unknown, ProcessedEvent]>([
      keys.eventKept(placed.provider ?? "stripe", eventId),
      keys.providerEvent(placed.provider ?? "stripe", eventId),
    ]);
    if (kept.value) problem("lost", `event ${eventId} is still kept`);
    else if (processed.value?.orderId !== placed.orderId || processed.value.kept) {
      problem("lost", `event ${eventId} processed as ${JSON.stringify(processed.value)}`);
    }
  }
}

function checkState(order: Order, exp: Expected, problem: Problem): void {
  const refund = exp.refunded === 0
    ? "paid"
    : exp.refunded < exp.received
    ? "partially_refunded"
    : "refunded";
  const want: Record<ExpectedState, [string, string, string]> = {
    // Refunds move only the money: the order stays paid (here: fulfilled).
    paid: ["fulfilled", refund, "committed"],
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
  const wantFlags = [
    ...(exp.disputes ? ["dispute"] : []),
    ...(exp.paidIntents.length > 1 ? ["second_payment"] : []),
  ];
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
  { expiredSessions, sessions }: { expiredSessions: number; sessions: number },
  problem: Problem,
) {
  const kinds = tasks.map((t) => t.kind).sort();
  for (const kind of new Set([...want, ...kinds])) {
    const have = kinds.filter((k) => k === kind).length;
    const need = want.filter((k) => k === kind).length;
    const may = kind === "release_stock"
      ? Math.max(need, expiredSessions)
      // A payment intent's events can come before its session's and wait for it: each
      // session's intent, once indexed, applies what waited with one task.
      : kind === "apply_kept_events"
      ? Math.max(need, sessions)
      : need;
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
  const sends = suite.mailbox.byKey().get(`receipt:${order.id}:${intent}`) ?? 0;
  // A shopper who gave no address (the API clients of the edges phase) gets no receipt.
  if (!order.metadata.email) {
    if (marker.value || sends > 0) problem("doubleApplied", "a receipt without an address");
    return;
  }
  if (marker.value?.status !== "sent") problem("lost", `receipt marker ${marker.value?.status}`);
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
export async function checkStock(
  suite: Suite,
  viewOf: (placed: PlacedOrder) => OrderView,
  v: Verdict,
): Promise<void> {
  const held = new Map<string, number>(suite.catalog.map((p) => [p.id, 0]));
  for (const placed of suite.placed) {
    if (viewOf(placed).expected(placed).state === "expired") continue;
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

/** Adds `more` to `v`. */
export function merge(v: Verdict, more: Verdict): Verdict {
  for (const k of ["orders", "paid", "lost", "doubleApplied", "nonOwner", "wrongStates"] as const) {
    v[k] += more[k];
  }
  v.resentReceipts += more.resentReceipts;
  v.problems.push(...more.problems);
  return v;
}

/**
 * Checks `orders`, each against its own provider, and (unless `stock` is false, for a
 * second verdict of the same moment) the stock of everything placed so far.
 */
export async function verify(
  suite: Suite,
  orders: PlacedOrder[],
  options: { allowResend: boolean; stock?: boolean },
): Promise<Verdict> {
  const stripe = new ProviderView(suite.emulator.sessions(), suite.emulator.events());
  const { razorpay } = suite;
  const rzp = new RazorpayView(razorpay.orders(), razorpay.payments(), razorpay.events());
  const viewOf = (placed: PlacedOrder) => placed.provider === "razorpay" ? rzp : stripe;
  const v = emptyVerdict();
  for (const placed of orders) await checkOrder(suite, viewOf(placed), placed, v, options);
  if (options.stock !== false) await checkStock(suite, viewOf, v);
  return v;
}
