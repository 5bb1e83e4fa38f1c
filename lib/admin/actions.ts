/**
 * What an admin can do to an order. Each action goes through the one fact path with an
 * admin source (who, why), so it is audited in the order's history; each is idempotent;
 * each is refused with a clear 409/422 — before anything is written — where the order's
 * state does not allow it.
 */
import { z } from "zod";
import { getOrder } from "../db/orders.ts";
import { recordFact } from "../facts/record_fact.ts";
import { BusinessRuleError, ConflictError, NotFoundError } from "../http/errors.ts";
import { formatMoney, normaliseCurrency } from "../orders/money.ts";
import { isPaid, refundable } from "../orders/order.ts";
import { apply } from "../orders/transitions.ts";
import {
  ATTENTION_REASONS,
  type Fact,
  type FactSource,
  type Order,
  type Outcome,
} from "../orders/types.ts";
import { ProviderError, type RefundResult } from "../payments/provider.ts";
import { type CheckoutResult, closeSession, openPaymentPage } from "../checkout/payment_page.ts";
import { isRazorpayOrderId, openRazorpayOrder, razorpayOf } from "../checkout/razorpay_order.ts";
import { signOrderToken } from "../checkout/owner_token.ts";
import { type HeldLease, releaseLease, takeLease } from "../reconcile/lease.ts";
import { checkOrder } from "../reconcile/run.ts";
import type { AppDeps } from "../state.ts";

export const ReasonSchema = z.string().trim().min(3, "say why (at least 3 characters)").max(500);

export const RefundSchema = z.object({
  /** Minor units, or "all" for everything not yet refunded: a full refund is never implied. */
  amount: z.union([z.literal("all"), z.number().int().positive()]),
  reason: ReasonSchema,
});

export const AcknowledgeSchema = z.object({
  flag: z.enum(ATTENTION_REASONS),
  note: ReasonSchema,
});

export interface Actor {
  actor: string;
}

const adminSource = ({ actor }: Actor, reason: string): FactSource => ({
  kind: "admin",
  actor,
  reason,
});

async function load(deps: AppDeps, orderId: string): Promise<Order> {
  const order = (await getOrder(deps.kv, orderId)).value;
  if (!order) throw new NotFoundError("No such order", { orderId });
  return order;
}

const REFUSALS: Record<string, string> = {
  would_downgrade: "the order is already paid",
  not_allowed: "the order's state does not allow it",
  stale_session: "the session is no longer the order's current one",
};

/** What an action did: the order after it, and the outcome recorded in its history. */
export interface Acted {
  order: Order;
  /** `duplicate` when it had already been done and nothing was written. */
  outcome: Outcome;
}

/**
 * Records `fact` for the order if the state machine accepts it. A refusal is decided on the
 * order as read and writes nothing; a duplicate (already done) succeeds quietly.
 */
async function act(
  deps: AppDeps,
  orderId: string,
  fact: Fact,
  source: FactSource,
): Promise<Acted> {
  const order = await load(deps, orderId);
  const preview = apply(order, fact, deps.now().toISOString()).outcome;
  if (preview.kind === "duplicate") return { order, outcome: preview };
  if (preview.kind === "ignored") {
    throw new ConflictError(
      "action_not_allowed",
      `Not done: ${REFUSALS[preview.reason] ?? preview.reason}`,
      {
        status: order.status,
        reason: preview.reason,
      },
    );
  }
  const result = await recordFact({ kv: deps.kv, now: deps.now }, orderId, fact, source);
  return { order: result.order ?? order, outcome: result.outcome };
}

/**
 * A new checkout session whose URL the admin can send to the customer. An order whose
 * current attempt is a Razorpay order gets a new Razorpay order (the popup has no URL of its
 * own: the link is the order's page, where its owner pays).
 */
export async function createRetrySession(
  deps: AppDeps,
  orderId: string,
  who: Actor,
): Promise<CheckoutResult> {
  const order = await load(deps, orderId);
  const source = adminSource(who, "retry session");
  if (!isRazorpayOrder(order)) return await openPaymentPage(deps, orderId, "new", source);
  const opened = await openRazorpayOrder(deps, razorpayOf(deps), orderId, source, {
    fresh: true,
  });
  return {
    id: opened.providerOrderId,
    url: `${deps.config.publicOrigin}/orders/${order.id}?token=${
      encodeURIComponent(await signOrderToken(deps.secret, order.id))
    }`,
    orderId: opened.orderId,
    orderNumber: opened.orderNumber,
    orderToken: opened.orderToken,
  };
}

/** The order's current attempt is a Razorpay order (or it was placed for Razorpay). */
function isRazorpayOrder(order: Order): boolean {
  const current = order.payment.sessionId;
  return current ? isRazorpayOrderId(current) : order.payment.provider === "razorpay";
}

/** Fetches the order's session from the provider and applies what it says. */
export async function reconcileOne(deps: AppDeps, orderId: string, who: Actor): Promise<string> {
  await load(deps, orderId);
  const change = await checkOrder(deps, orderId, deps.now(), adminSource(who, "reconcile"));
  return change ?? "unchanged";
}

/**
 * Money taken outside the provider. Every session the order had is closed at the provider
 * first, as for a cancel, so none can take a second payment; a session that cannot be
 * closed refuses the action, and one found paid means the customer paid after all.
 */
export async function markPaid(
  deps: AppDeps,
  orderId: string,
  reason: string,
  who: Actor,
): Promise<Acted> {
  const order = await load(deps, orderId);
  if (isPaid(order)) {
    throw new ConflictError(
      "order_paid",
      `Not marked paid: the order is already paid (${receivedMoney(order)} received)`,
    );
  }
  // Someone decided this order is not to be paid; money for it means a new order.
  if (order.status === "cancelled") {
    throw new ConflictError(
      "order_cancelled",
      `Not marked paid: the order (${formatMoney(order.total, order.currency)}) is cancelled`,
    );
  }
  const closed = await closeEverySession(deps, order, "marked paid");
  if (isPaid(closed)) {
    throw new ConflictError(
      "order_paid",
      `Not marked paid: the customer has just paid ${receivedMoney(closed)} through the provider`,
    );
  }
  return await act(deps, orderId, { kind: "manually_paid" }, adminSource(who, reason));
}

const receivedMoney = ({ payment, currency }: Order) =>
  formatMoney(payment.amountReceived, payment.currency ?? currency);

/**
 * Closes every session the order ever had, newest first, stopping at one found paid; a
 * provider that cannot close one is turned into a clear refusal. A Razorpay order cannot
 * be closed at Razorpay: its payments are asked for instead and applied (captured, or
 * authorized and then captured, means the customer paid), and one still being made (a UPI
 * collect not yet approved) refuses the action, as a Stripe debit still settling does.
 */
async function closeEverySession(deps: AppDeps, order: Order, action: string): Promise<Order> {
  try {
    for (const sessionId of [...order.payment.sessionIds].reverse()) {
      order = await closeSession(deps, order, sessionId);
      if (isPaid(order)) return order;
    }
    return order;
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    throw new ConflictError(
      "session_not_closed",
      `Not ${action}: a payment page of this order could not be closed at the provider, so ` +
        `the customer could still pay there. Nothing was changed; try again in a moment.`,
      { provider: err.message },
    );
  }
}

/** A refund's own story: what the provider did and what the order recorded of it. */
export interface RefundDone extends Acted {
  /** The provider's refund: its id, and the amount and currency it actually sent back. */
  refund: { id: string; amount: number; currency: string };
}

/** One refund holds its order's refund claim this long at most (provider call and record). */
const REFUND_CLAIM_MS = 60_000;
/** A second refund of the same order waits this long for the first to finish. */
const REFUND_WAIT_MS = 15_000;

/**
 * Takes the order's refund claim, waiting while another refund of it holds the claim, so
 * each refund decides what is left on an order that already records the ones before it.
 */
async function claimRefunds(deps: AppDeps, orderId: string): Promise<HeldLease> {
  const owner = crypto.randomUUID();
  const deadline = Date.now() + REFUND_WAIT_MS;
  for (let attempt = 0;; attempt++) {
    const now = deps.now().getTime();
    const got = await takeLease(deps.kv, `refund:${orderId}`, owner, REFUND_CLAIM_MS, now);
    if ("held" in got) return got.held;
    if (Date.now() >= deadline) {
      throw new ConflictError(
        "refund_in_progress",
        "Not refunded: another refund of this order is still under way. Nothing was changed; " +
          "try again in a moment.",
      );
    }
    const ms = Math.min(200, 10 * 2 ** attempt);
    await new Promise((r) => setTimeout(r, ms));
  }
}

const notRefundable = () =>
  new ConflictError("not_refundable", "Only a paid order with a provider payment can be refunded");

/**
 * The minor units a refund of `requested` would send back now, or the refusal the refund
 * would meet: the confirm step asks this before the refund itself asks it again.
 */
export function refundAmount(order: Order, requested: number | "all"): number {
  const pay = order.payment;
  if (!isPaid(order) || !pay.paymentIntentId) throw notRefundable();
  const currency = pay.currency ?? order.currency;
  const left = refundable(order);
  const amount = requested === "all" ? left : requested;
  if (amount <= 0 || amount > left) {
    const message = left === 0
      ? `Nothing is left to refund: ${formatMoney(pay.refundedAmount, currency)} has gone back`
      : `At most ${formatMoney(left, currency)} can still be refunded` +
        ` (asked for ${formatMoney(amount, currency)})`;
    throw new BusinessRuleError("refund_too_large", message, {
      refundable: left,
      requested: amount,
      currency,
    });
  }
  return amount;
}

/**
 * Refunds through the provider, bounded by what was received and not yet refunded. Refunds
 * of one order take turns (a short KV claim), and each is recorded by the provider's refund
 * id with its own amount, so webhooks and other refunds can land in any order.
 */
export async function refund(
  deps: AppDeps,
  orderId: string,
  input: z.infer<typeof RefundSchema>,
  who: Actor,
): Promise<RefundDone> {
  await load(deps, orderId);
  const claim = await claimRefunds(deps, orderId);
  try {
    return await refundClaimed(deps, orderId, input, who);
  } finally {
    // A release that fails only leaves the claim to run out on its own.
    await releaseLease(deps.kv, claim).catch(() => {});
  }
}

async function refundClaimed(
  deps: AppDeps,
  orderId: string,
  input: z.infer<typeof RefundSchema>,
  who: Actor,
): Promise<RefundDone> {
  const order = await load(deps, orderId);
  const pay = order.payment;
  const paymentIntentId = pay.paymentIntentId;
  if (!paymentIntentId) throw notRefundable();
  const currency = pay.currency ?? order.currency;
  const amount = refundAmount(order, input.amount);
  // The n-th refund of this order: a retry after a lost answer or record carries the same
  // key, so the provider hands back the refund it made instead of making a second one.
  const nth = (pay.refunds ?? []).length + 1;
  const made = isRazorpayPaymentId(paymentIntentId)
    ? await razorpayRefund(deps, order, paymentIntentId, amount, nth)
    : await deps.provider.refund({
      paymentIntentId,
      amount,
      idempotencyKey: `refund:${order.id}:n${nth}:${amount}`,
      reason: "requested_by_customer",
      metadata: { order_id: order.id },
    });
  if (made.status === "failed" || made.status === "canceled") {
    throw new ConflictError(
      "refund_failed",
      `Not refunded: the provider answered that the refund of ` +
        `${formatMoney(amount, currency)} ${made.status === "failed" ? "failed" : "was cancelled"}`,
      { refundId: made.id, status: made.status },
    );
  }
  const refunded = {
    id: made.id,
    amount: made.amount,
    currency: made.currency ? normaliseCurrency(made.currency) : currency,
  };
  const fact: Fact = {
    kind: "refund_issued",
    refundId: refunded.id,
    paymentIntentId: made.paymentIntentId ?? paymentIntentId,
    amount: refunded.amount,
    currency: refunded.currency,
  };
  const result = await recordFact(
    { kv: deps.kv, now: deps.now },
    orderId,
    fact,
    adminSource(who, input.reason),
  );
  return { order: result.order ?? order, outcome: result.outcome, refund: refunded };
}

const isRazorpayPaymentId = (id: string) => id.startsWith("pay_");

/**
 * The n-th refund of the order through Razorpay: `POST /v1/payments/:id/refund` with an
 * `X-Refund-Idempotency` key from the order, the refund's sequence and its amount, and a
 * request identical on every retry, so a repeat after a lost answer or a failed record gets
 * the refund already made. Razorpay's statuses are told as Stripe's: processed is
 * succeeded; pending (money on its way) is recorded now, its webhook then a duplicate.
 */
async function razorpayRefund(
  deps: AppDeps,
  order: Order,
  paymentId: string,
  amount: number,
  nth: number,
): Promise<RefundResult> {
  const made = await razorpayOf(deps).client.refund(paymentId, {
    amount,
    receipt: `${order.number}-r${nth}`.slice(0, 40),
    notes: { order_id: order.id, order_number: order.number },
    idempotencyKey: `refund-${order.id}-n${nth}-${amount}`,
  });
  return {
    id: made.id,
    status: made.status === "processed" ? "succeeded" : made.status,
    amount: made.amount,
    currency: made.currency.toLowerCase(),
    paymentIntentId: made.payment_id ?? paymentId,
  };
}

/** A paid order is refunded, never cancelled; the confirm step asks this too. */
export function assertCancellable(order: Order): void {
  if (isPaid(order)) {
    throw new ConflictError("order_paid", "A paid order cannot be cancelled: refund it");
  }
}

/** Cancels an unpaid order: its open session is expired first, then the stock released. */
export async function cancel(
  deps: AppDeps,
  orderId: string,
  reason: string,
  who: Actor,
): Promise<Acted> {
  let order = await load(deps, orderId);
  if (order.status === "cancelled") return { order, outcome: { kind: "duplicate" } };
  assertCancellable(order);
  order = await closeEverySession(deps, order, "cancelled");
  if (isPaid(order)) {
    throw new ConflictError("order_paid", "The customer paid just now: refund it instead");
  }
  return await act(deps, orderId, { kind: "cancelled" }, adminSource(who, reason));
}

export async function acknowledge(
  deps: AppDeps,
  orderId: string,
  input: z.infer<typeof AcknowledgeSchema>,
  who: Actor,
): Promise<Acted> {
  return await act(
    deps,
    orderId,
    { kind: "attention_acknowledged", reason: input.flag, note: input.note },
    adminSource(who, input.note),
  );
}
