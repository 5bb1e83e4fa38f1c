/**
 * Opening an order's payment page: the one place a provider session is created, found again
 * or closed. Placement, the shopper's retry and the admin's retry all come here, so a
 * provider that fails halfway is handled once:
 *
 * - Each try at creating a session has its own provider idempotency key and a fixed expiry
 *   (`["checkout_attempts", orderId]`). A try that failed is asked once more with the same
 *   key on the next Pay: the provider replays its failure, or hands back a session it made
 *   after all (the response was lost). Then, if need be, a fresh try with a new key and a
 *   fresh expiry: a stored failure is never replayed to the shopper twice.
 * - A session whose attach commit failed is expired at the provider; its events would still
 *   find the order by metadata.
 */
import { commitWithRetry } from "../db/atomic.ts";
import { CHECKOUT_REQUEST_TTL_MS, keys } from "../db/keys.ts";
import { getOrder } from "../db/orders.ts";
import { recordFact } from "../facts/record_fact.ts";
import { ConflictError, NotFoundError } from "../http/errors.ts";
import { log } from "../log.ts";
import { paymentUnderReview } from "../orders/attention.ts";
import { isPaid } from "../orders/order.ts";
import { type FactSource, FORGOTTEN, type Order } from "../orders/types.ts";
import {
  type CheckoutSession,
  type CreateSessionInput,
  type LineItemInput,
  ProviderError,
  ProviderRejectedError,
} from "../payments/provider.ts";
import { sessionFact } from "../payments/session_fact.ts";
import type { AppDeps } from "../state.ts";
import { markDone, type Task } from "../tasks/outbox.ts";
import { abandonRetake, prepareRetake } from "../stock/retake.ts";
import { attachSession } from "./attach_session.ts";
import { UNDER_REVIEW_TEXT } from "./checkout_state.ts";
import { signOrderToken } from "./owner_token.ts";
import { isRazorpayOrderId } from "./razorpay_order.ts";
import { settleRazorpayOrder } from "./razorpay_settle.ts";

export interface CheckoutResult {
  id: string;
  url: string | null;
  orderId: string;
  orderNumber: string;
  /** Proves ownership of the order: retry with `x-order-token`, read `/orders/:id?token=`. */
  orderToken: string;
}

/**
 * Stripe refuses `expires_at` under 30 minutes away; the margin keeps a 30-minute setting
 * valid however long the request takes to reach it.
 */
export const EXPIRY_MARGIN_SECONDS = 60;

/** An open session with less time than this left is closed and replaced, not handed out. */
const MIN_USABLE_MS = 5 * 60_000;

/**
 * A try still "opening" this recently is another request's, in flight: join it (same key,
 * same session). Older, it was abandoned (a crash, a timeout) and is treated as failed.
 */
const JOIN_WINDOW_MS = 60_000;

/** What `["checkout_attempts", orderId]` holds (placement writes the first). */
export interface AttemptRecord {
  /** 1 + the sessions the order had when it began; the provider sees it as `checkout_attempt`. */
  attempt: number;
  /** Within the attempt, +1 after each failed create: part of the provider idempotency key. */
  try: number;
  /** Unix seconds, fixed per try so a repeated create sends identical parameters. */
  expiresAt: number;
  /** Epoch ms. */
  startedAt: number;
  state: "opening" | "failed" | "attached";
  /** The task that lets the stock go if no session is ever attached; retired by the first. */
  lapseTaskId?: string;
}

/** The first try's record, written with the order: its expiry is fixed from placement on. */
export function firstAttempt(deps: AppDeps, lapseTaskId: string): AttemptRecord {
  return { ...freshTry(deps, 1, 1), lapseTaskId };
}

function freshTry(deps: AppDeps, attempt: number, tryNumber: number): AttemptRecord {
  const nowMs = deps.now().getTime();
  return {
    attempt,
    try: tryNumber,
    expiresAt: Math.floor(nowMs / 1000) + deps.config.checkoutExpiresMinutes * 60 +
      EXPIRY_MARGIN_SECONDS,
    startedAt: nowMs,
    state: "opening",
  };
}

/**
 * An order this request has just committed, with the records written beside it (entries at
 * that commit's versionstamp), so its payment page starts without reading them back.
 */
export interface JustPlaced {
  order: Deno.KvEntry<Order>;
  /** The first try, written with the order: this request is the one making it. */
  attempt: AttemptRecord;
  lapseTask: Deno.KvEntry<Task>;
}

interface Plan extends AttemptRecord {
  /** This try failed before: its create is a probe whose answer the provider replays. */
  recovering: boolean;
}

export type OpenMode =
  /** A repeated checkout request: hand back the current session while it is open. */
  | "resume"
  /** A retry: always a new session, the current one closed first. */
  | "new";

/** The order's payment page: found again (resume) or opened anew. */
export async function openPaymentPage(
  deps: AppDeps,
  orderId: string,
  mode: OpenMode,
  source: FactSource = { kind: "system" },
  justPlaced: JustPlaced | null = null,
): Promise<CheckoutResult> {
  let order = justPlaced?.order.value ?? (await getOrder(deps.kv, orderId)).value;
  if (!order) throw new NotFoundError("No such order", { orderId });
  await refuseUnpayable(deps, order);
  const current = order.payment.sessionId;
  if (current) {
    // A Razorpay order has no Stripe session to resume: paying by card closes it instead.
    if (mode === "resume" && !isRazorpayOrderId(current)) {
      const session = await deps.provider.retrieveSession(current);
      if (usable(deps, session)) {
        return resultFor(order, session, await signOrderToken(deps.secret, order.id));
      }
    }
    order = await closeSession(deps, order, current);
    await refuseUnpayable(deps, order);
  }
  // An order that gave its stock back takes it again first (a 422 when it is gone).
  const retake = await prepareRetake(deps.kv, order, {
    now: deps.now,
    windowMs: deps.config.placementWindowMs,
  });
  try {
    return await createAndAttach(deps, order, source, justPlaced);
  } catch (err) {
    // A retake in chunks that never got its session gives back what it took, now.
    if (retake?.started) {
      await abandonRetake(deps.kv, order.id, retake.taskId, { now: deps.now }).catch((undo) =>
        log("warn", "could not give back a retake at once", {
          orderId: order.id,
          error: undo instanceof Error ? undo.message : String(undo),
        })
      );
    }
    throw err;
  }
}

async function createAndAttach(
  deps: AppDeps,
  order: Order,
  source: FactSource,
  justPlaced: JustPlaced | null,
): Promise<CheckoutResult> {
  let plan: Plan = justPlaced
    ? { ...justPlaced.attempt, recovering: false }
    : await claimTry(deps, order, null);
  const token = await signOrderToken(deps.secret, order.id);
  while (true) {
    let session: CheckoutSession | null = null;
    let failure: ProviderError | null = null;
    try {
      session = await createFor(deps, order, plan, token);
      // A replayed create answers with the session as it was then: ask how it is now.
      if (plan.recovering) session = await deps.provider.retrieveSession(session.id);
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      failure = err;
    }
    if (session && usable(deps, session)) {
      return await attach(deps, { order, plan, session, source, token, justPlaced });
    }
    if (session) await expireQuietly(deps, session.id);
    if (!plan.recovering) {
      await markFailed(deps, order.id, plan);
      throw failure ?? new Error("a new session was not usable");
    }
    plan = await claimTry(deps, order, plan);
  }
}

/**
 * The try this request makes: the next attempt's first, the in-flight one (joined), the
 * failed one again (recovering), or, after `failed`, a fresh try of the same attempt.
 */
async function claimTry(deps: AppDeps, order: Order, failed: Plan | null): Promise<Plan> {
  const key = keys.checkoutAttempt(order.id);
  const nowMs = deps.now().getTime();
  return await commitWithRetry(async () => {
    const entry = await deps.kv.get<AttemptRecord>(key);
    const rec = entry.value;
    const nextAttempt = order.payment.sessionIds.length + 1;
    let next: AttemptRecord;
    if (failed && rec?.attempt === failed.attempt && rec.try === failed.try) {
      next = freshTry(deps, failed.attempt, failed.try + 1);
    } else if (rec && rec.attempt === nextAttempt && rec.state !== "attached") {
      const joinable = rec.state === "opening" && nowMs - rec.startedAt < JOIN_WINDOW_MS;
      return { op: null, result: { ...rec, recovering: !joinable } };
    } else {
      next = freshTry(deps, nextAttempt, 1);
    }
    if (rec?.lapseTaskId && rec.state !== "attached") next.lapseTaskId = rec.lapseTaskId;
    const op = deps.kv.atomic().check(entry)
      .set(key, next, { expireIn: CHECKOUT_REQUEST_TTL_MS });
    return { op, result: { ...next, recovering: false } };
  });
}

async function createFor(
  deps: AppDeps,
  order: Order,
  plan: Plan,
  token: string,
): Promise<CheckoutSession> {
  const origin = deps.config.publicOrigin;
  return await deps.provider.createCheckoutSession({
    orderId: order.id,
    orderNumber: order.number,
    attempt: plan.attempt,
    try: plan.try,
    items: providerLineItems(order),
    currency: order.currency,
    successUrl: `${origin}/checkout/success?session_id={CHECKOUT_SESSION_ID}`,
    cancelUrl: `${origin}/checkout/cancel?order=${order.id}&token=${token}`,
    expiresAt: plan.expiresAt,
    metadata: order.metadata,
    ...providerPrefill(order),
  });
}

/**
 * What the provider is asked to charge: the order's items and, when it ships for a fee,
 * the shipping as a line of its own ("Shipping: Standard"), so the provider's total is the
 * order's total. Every session of an order (first, resumed, retried) sends the same lines.
 */
export function providerLineItems(order: Order): LineItemInput[] {
  const lines: LineItemInput[] = order.items.map((i) => ({
    title: i.title,
    unitAmount: i.unitAmount,
    quantity: i.quantity,
  }));
  if (order.shipping && order.shipping.amount > 0) {
    lines.push({
      title: `Shipping: ${order.shipping.label}`,
      unitAmount: order.shipping.amount,
      quantity: 1,
    });
  }
  return lines;
}

/** The e-mail and the address the payment page is prefilled with (a forgotten customer's are not sent). */
export function providerPrefill(
  order: Order,
): Pick<CreateSessionInput, "customerEmail" | "shipping"> {
  const prefill: Pick<CreateSessionInput, "customerEmail" | "shipping"> = {};
  const email = order.customer?.email;
  if (email && email !== FORGOTTEN) prefill.customerEmail = email;
  const address = order.shipping?.address;
  if (address && address.name !== FORGOTTEN) {
    prefill.shipping = {
      name: address.name,
      line1: address.line1,
      city: address.city,
      postalCode: address.postalCode,
      country: address.country,
      ...(address.line2 ? { line2: address.line2 } : {}),
      ...(address.region ? { region: address.region } : {}),
      ...(order.customer?.phone && order.customer.phone !== FORGOTTEN
        ? { phone: order.customer.phone }
        : {}),
    };
  }
  return prefill;
}

/** Ties the session to the order; a session that cannot be tied is closed at the provider. */
async function attach(
  deps: AppDeps,
  { order, plan, session, source, token, justPlaced }: {
    order: Order;
    plan: Plan;
    session: CheckoutSession;
    source: FactSource;
    token: string;
    justPlaced: JustPlaced | null;
  },
): Promise<CheckoutResult> {
  const { recovering: _, lapseTaskId, ...rest } = plan;
  const attached: AttemptRecord = { ...rest, state: "attached" };
  // Read while the order is read; a commit that has to go again reads it afresh.
  let lapseTask = !lapseTaskId
    ? null
    : justPlaced?.lapseTask.value.id === lapseTaskId
    ? Promise.resolve(justPlaced.lapseTask)
    : deps.kv.get<Task>(keys.task(lapseTaskId));
  // Not awaited when the attach fails first: its failure must not go unhandled.
  lapseTask?.catch(() => {});
  try {
    const after = await attachSession(
      deps,
      order.id,
      { sessionId: session.id, provider: deps.provider.name },
      source,
      async (op) => {
        op.set(keys.checkoutAttempt(order.id), attached, { expireIn: CHECKOUT_REQUEST_TTL_MS });
        if (!lapseTaskId) return;
        retireLapse(deps, op, await (lapseTask ?? deps.kv.get<Task>(keys.task(lapseTaskId))));
        lapseTask = null;
      },
      justPlaced?.order,
    );
    return resultFor(after, session, token);
  } catch (err) {
    // Closed, and the try marked failed: a later replay of its create is not handed out.
    await expireQuietly(deps, session.id);
    await markFailed(deps, order.id, plan);
    throw err;
  }
}

/** The order has a session now: its own expiry decides, so the lapse task is done with. */
function retireLapse(
  deps: AppDeps,
  op: Deno.AtomicOperation,
  task: Deno.KvEntryMaybe<Task>,
): void {
  if (task.value?.status === "pending") {
    markDone(op, task as Deno.KvEntry<Task>, "a session was attached", deps.now());
  }
}

/**
 * Records a failed try, unless another request has moved the attempt on meanwhile. The mark
 * has to land: a try left "opening" is joined as in flight for JOIN_WINDOW_MS, so the next
 * Pay would replay its failure instead of making a fresh try. A locked store (several
 * processes on one SQLite file) is waited out like any other commit's.
 */
async function markFailed(deps: AppDeps, orderId: string, plan: Plan): Promise<void> {
  const key = keys.checkoutAttempt(orderId);
  try {
    await commitWithRetry(async () => {
      const entry = await deps.kv.get<AttemptRecord>(key);
      const rec = entry.value;
      if (!rec || rec.attempt !== plan.attempt || rec.try !== plan.try || rec.state !== "opening") {
        return { op: null, result: undefined };
      }
      const op = deps.kv.atomic().check(entry)
        .set(key, { ...rec, state: "failed" }, { expireIn: CHECKOUT_REQUEST_TTL_MS });
      return { op, result: undefined };
    });
  } catch (err) {
    // The caller's own failure is the answer; the try counts as failed once the window passes.
    log("warn", "could not record a failed checkout try", {
      orderId,
      try: plan.try,
      error: err instanceof Error ? err.message : String(err),
    });
  }
}

function usable(deps: AppDeps, session: CheckoutSession): boolean {
  return session.status === "open" && session.url !== null &&
    session.expiresAt * 1000 - deps.now().getTime() >= MIN_USABLE_MS;
}

async function expireQuietly(deps: AppDeps, sessionId: string): Promise<void> {
  try {
    await deps.provider.expireSession(sessionId);
  } catch (err) {
    // Not open any more, or the provider is down: its events still find the order.
    log("warn", "could not expire a session Settle will not use", {
      sessionId,
      error: err instanceof Error ? err.message : String(err),
    });
  }
}

function resultFor(order: Order, session: CheckoutSession, token: string): CheckoutResult {
  return {
    id: session.id,
    url: session.url,
    orderId: order.id,
    orderNumber: order.number,
    orderToken: token,
  };
}

export async function refuseUnpayable(deps: AppDeps, order: Order): Promise<void> {
  if (isPaid(order)) {
    const token = await signOrderToken(deps.secret, order.id);
    // Money came but does not match: not "already paid", and paying again is no fix either.
    if (paymentUnderReview(order)) {
      throw new ConflictError("payment_under_review", UNDER_REVIEW_TEXT, {
        status: "under_review",
        statusUrl: `/orders/${order.id}?token=${token}`,
      });
    }
    throw new ConflictError("order_paid", "This order is already paid", {
      status: order.status,
      statusUrl: `/orders/${order.id}?token=${token}`,
    });
  }
  if (order.status === "cancelled") {
    throw new ConflictError("order_cancelled", "This order was cancelled and cannot be paid");
  }
}

/**
 * Expires one of the order's sessions. A session the provider says is no longer open may
 * have been paid meanwhile: that payment is recorded (callers then stop at 409). A debit
 * still settling is a 409 too; one whose failure the order recorded is done with.
 */
export async function closeSession(
  deps: AppDeps,
  order: Order,
  sessionId: string,
): Promise<Order> {
  if (isRazorpayOrderId(sessionId)) return await settleRazorpayOrder(deps, order, sessionId);
  try {
    await deps.provider.expireSession(sessionId);
    return order;
  } catch (err) {
    if (!(err instanceof ProviderRejectedError)) throw err;
  }
  const session = await deps.provider.retrieveSession(sessionId);
  const fact = sessionFact(session);
  if (fact?.kind === "payment_succeeded") {
    const result = await recordFact({ kv: deps.kv, now: deps.now }, order.id, fact, {
      kind: "system",
    });
    return result.order ?? order;
  }
  // A complete, unpaid session is a bank debit: still settling, unless the order has
  // already heard that it failed (the session then stays complete for good).
  const failedHere = order.status === "failed" && order.payment.sessionId === sessionId;
  if (session.status === "complete" && !failedHere) {
    throw new ConflictError(
      "payment_processing",
      "A payment for this order is still being processed; wait for it to settle",
    );
  }
  return order;
}

/**
 * Closes every session the order ever had, newest first, before an admin settles it by
 * hand: none may take money afterwards. Stops as soon as one turns out to be paid.
 */
export async function closeAllSessions(deps: AppDeps, order: Order): Promise<Order> {
  for (const sessionId of [...order.payment.sessionIds].reverse()) {
    order = await closeSession(deps, order, sessionId);
    if (isPaid(order)) return order;
  }
  return order;
}
