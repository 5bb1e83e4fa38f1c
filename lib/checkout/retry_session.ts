/**
 * Paying again for a saved order: a new provider session for the same items at the saved
 * prices. The previous session is expired at the provider first, so one order can never be
 * paid through two open sessions.
 */
import { commitRetryingLocks } from "../db/atomic.ts";
import { CHECKOUT_REQUEST_TTL_MS, keys } from "../db/keys.ts";
import { getOrder } from "../db/orders.ts";
import { recordFact } from "../facts/record_fact.ts";
import { ConflictError, ForbiddenError, NotFoundError } from "../http/errors.ts";
import { isPaid } from "../orders/order.ts";
import type { FactSource, Order } from "../orders/types.ts";
import { ProviderRejectedError } from "../payments/provider.ts";
import type { AppDeps } from "../state.ts";
import { assertRetakeable } from "./attach_session.ts";
import { type CheckoutResult, EXPIRY_MARGIN_SECONDS, openSession } from "./create_session.ts";
import { signOrderToken, verifyOrderToken } from "./owner_token.ts";
import { OrderIdSchema } from "./shopper_pages.ts";

export interface Owner {
  /** The shopper's cart cookie, if any. */
  cartId: string | null;
  /** The signed token from the cancel URL, if any. */
  token: string | null;
}

/** The order, if `owner` may act on it; 404 unknown, 403 not theirs. */
export async function ownedOrder(deps: AppDeps, orderId: string, owner: Owner): Promise<Order> {
  // An id that cannot be an order's never reaches KV: a key over 2 KiB would throw (500).
  const order = OrderIdSchema.safeParse(orderId).success
    ? (await getOrder(deps.kv, orderId)).value
    : null;
  if (!order) throw new NotFoundError("No such order", { orderId });
  const byCart = owner.cartId !== null && order.cartId === owner.cartId;
  if (!byCart && !(await verifyOrderToken(deps.secret, order.id, owner.token))) {
    throw new ForbiddenError("This order belongs to another shopper");
  }
  return order;
}

export async function retryCheckout(
  deps: AppDeps,
  orderId: string,
  owner: Owner,
): Promise<CheckoutResult> {
  return await reopenCheckout(deps, await ownedOrder(deps, orderId, owner));
}

/** Opens a new session for an unpaid order (the shopper's retry, or an admin's). */
export async function reopenCheckout(
  deps: AppDeps,
  order: Order,
  source: FactSource = { kind: "system" },
): Promise<CheckoutResult> {
  await refuseUnpayable(deps, order);
  if (order.payment.sessionId) {
    order = await closeSession(deps, order, order.payment.sessionId);
    await refuseUnpayable(deps, order);
  }
  await assertRetakeable(deps.kv, order);
  const attempt = order.payment.sessionIds.length + 1;
  const expiresAt = await attemptExpiry(deps, order.id, attempt);
  return await openSession(deps, order.id, attempt, expiresAt, source);
}

export async function refuseUnpayable(deps: AppDeps, order: Order): Promise<void> {
  if (isPaid(order)) {
    const token = await signOrderToken(deps.secret, order.id);
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
 * Expires the order's open session. A session the provider says is no longer open may have
 * been paid meanwhile: that payment is recorded (the retry then stops at 409). A debit
 * still settling is a 409 too; one whose failure the order recorded is done with.
 */
export async function closeSession(
  deps: AppDeps,
  order: Order,
  sessionId: string,
): Promise<Order> {
  try {
    await deps.provider.expireSession(sessionId);
    return order;
  } catch (err) {
    if (!(err instanceof ProviderRejectedError)) throw err;
  }
  const session = await deps.provider.retrieveSession(sessionId);
  if (session.paymentStatus === "paid") {
    const result = await recordFact(
      { kv: deps.kv, now: deps.now },
      order.id,
      {
        kind: "payment_succeeded",
        sessionId,
        paymentIntentId: session.paymentIntentId,
        amount: session.amountTotal,
        currency: session.currency,
      },
      { kind: "system" },
    );
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
 * The first request for an attempt fixes its expiry, so a concurrent retry sends the
 * provider identical parameters under the same idempotency key and gets the same session.
 */
async function attemptExpiry(deps: AppDeps, orderId: string, attempt: number): Promise<number> {
  const key = keys.checkoutRequest(`retry:${orderId}:${attempt}`);
  const expiresAt = Math.floor(deps.now().getTime() / 1000) +
    deps.config.checkoutExpiresMinutes * 60 +
    EXPIRY_MARGIN_SECONDS;
  const res = await commitRetryingLocks(
    deps.kv.atomic().check({ key, versionstamp: null })
      .set(key, { orderId, expiresAt }, { expireIn: CHECKOUT_REQUEST_TTL_MS }),
  );
  if (res.ok) return expiresAt;
  return (await deps.kv.get<{ expiresAt: number }>(key)).value?.expiresAt ?? expiresAt;
}
