/**
 * The shopper's view of an order, by checkout session (the success page) or by order id for
 * its owner (the cancel and status pages). While the order is unpaid it asks the provider
 * too and records what the session says through the same fact path as the webhook, so a
 * page and a late webhook settle the order exactly once between them. The provider is asked
 * at most once per order per PROVIDER_CHECK_WINDOW_MS, whoever asks and from which process.
 */
import { commitRetryingLocks } from "../db/atomic.ts";
import { keys, PROVIDER_CHECK_TTL_MS } from "../db/keys.ts";
import { findOrderIdBySession, getOrder } from "../db/orders.ts";
import { recordFact } from "../facts/record_fact.ts";
import { NotFoundError } from "../http/errors.ts";
import { knownEmail } from "../notify/address.ts";
import { paymentUnderReview } from "../orders/attention.ts";
import { normaliseOrder, type PublicOrderView, publicView } from "../orders/order.ts";
import type { Order } from "../orders/types.ts";
import { ProviderError } from "../payments/provider.ts";
import { sessionFact } from "../payments/session_fact.ts";
import type { AppDeps } from "../state.ts";
import type { ShopperOrderView } from "./checkout_state.ts";
import { isRazorpayOrderId } from "./razorpay_order.ts";
import { applyRazorpayPayments } from "./razorpay_verify.ts";
import { ownedOrder, type Owner } from "./retry_session.ts";

/**
 * The webhook is the source of truth; this check only spares a shopper a wait when it is
 * late. A few seconds of staleness costs them nothing, while asking on every poll and page
 * view would let anyone holding a session id spend the shop's provider API quota.
 */
export const PROVIDER_CHECK_WINDOW_MS = 5_000;

/**
 * What the shopper is shown of an order: the public view and whether Settle can e-mail them,
 * except that a payment that does not match the order (open amount_mismatch) reads
 * "under_review", not paid, with no amounts. The stored order stays paid: the money is real
 * and recorded; only a person can say it is enough.
 */
export function shopperView(stored: Order): ShopperOrderView {
  const view = { ...publicView(stored), emailKnown: knownEmail(stored) !== null };
  if (!paymentUnderReview(normaliseOrder(stored))) return view;
  return { ...view, status: "under_review", paymentStatus: "under_review", amounts: null };
}

export async function orderBySession(deps: AppDeps, sessionId: string): Promise<ShopperOrderView> {
  const { kv, provider } = deps;
  // A Razorpay order id (order_…) is the session of an order paid through Razorpay Checkout.
  const providerName = isRazorpayOrderId(sessionId) ? "razorpay" : provider.name;
  const orderId = await findOrderIdBySession(kv, providerName, sessionId);
  const order = orderId ? (await getOrder(kv, orderId)).value : null;
  if (!order) throw new NotFoundError("No order for this checkout session", { sessionId });
  return shopperView(await confirmIfPaid(deps, order, sessionId));
}

/** The order as its owner sees it (404 unknown, 403 not theirs), its current session checked. */
export async function ownedOrderView(
  deps: AppDeps,
  orderId: string,
  owner: Owner,
): Promise<ShopperOrderView> {
  return shopperView(await ownedOrderChecked(deps, orderId, owner));
}

/**
 * The order for its owner with its lifecycle status as stored (a payment under review reads
 * paid here): prefer ownedOrderView for anything the shopper reads.
 */
export async function ownedOrderStatus(
  deps: AppDeps,
  orderId: string,
  owner: Owner,
): Promise<PublicOrderView> {
  return publicView(await ownedOrderChecked(deps, orderId, owner));
}

async function ownedOrderChecked(deps: AppDeps, orderId: string, owner: Owner): Promise<Order> {
  const order = await ownedOrder(deps, orderId, owner);
  const sessionId = order.payment.sessionId;
  return sessionId ? await confirmIfPaid(deps, order, sessionId) : order;
}

async function confirmIfPaid(deps: AppDeps, order: Order, sessionId: string): Promise<Order> {
  if (order.payment.status !== "pending" && order.payment.status !== "failed") return order;
  if (!await claimProviderCheck(deps, order.id, sessionId)) return order;
  if (isRazorpayOrderId(sessionId)) {
    if (!deps.razorpay) return order;
    try {
      return await applyRazorpayPayments(deps, deps.razorpay, order, sessionId);
    } catch (err) {
      if (err instanceof ProviderError) return order;
      throw err;
    }
  }
  let session;
  try {
    session = await deps.provider.retrieveSession(sessionId);
  } catch (err) {
    // The provider being down must not hide the order: show what we know.
    if (err instanceof ProviderError) return order;
    throw err;
  }
  const fact = sessionFact(session);
  // An earlier session's expiry says nothing new: recording it would only add noise.
  const stale = fact?.kind === "session_expired" && sessionId !== order.payment.sessionId;
  if (!fact || stale) return order;
  const result = await recordFact({ kv: deps.kv, now: deps.now }, order.id, fact, {
    kind: "success_page",
  });
  return result.order ?? order;
}

/**
 * True when this request may ask the provider about the order now: nobody did within the
 * window. Of concurrent requests exactly one wins the versionstamp check; the others answer
 * from the order as stored.
 */
async function claimProviderCheck(
  deps: AppDeps,
  orderId: string,
  sessionId: string,
): Promise<boolean> {
  const key = keys.providerCheck(orderId, sessionId);
  const now = deps.now().getTime();
  const last = await deps.kv.get<number>(key);
  // abs: a time stamped by a process whose clock runs well ahead must not silence the rest.
  if (last.value !== null && Math.abs(now - last.value) < PROVIDER_CHECK_WINDOW_MS) return false;
  const claimed = await commitRetryingLocks(
    deps.kv.atomic().check(last).set(key, now, { expireIn: PROVIDER_CHECK_TTL_MS }),
  );
  return claimed.ok;
}
