/**
 * The shopper's view of an order, by checkout session (the success page) or by order id for
 * its owner (the cancel and status pages). While the order is unpaid it asks the provider
 * too and records a confirmed payment through the same fact path as the webhook, so a page
 * and a late webhook settle the order exactly once between them.
 */
import { findOrderIdBySession, getOrder } from "../db/orders.ts";
import { recordFact } from "../facts/record_fact.ts";
import { NotFoundError, ProviderError } from "../http/errors.ts";
import { type PublicOrderView, publicView } from "../orders/order.ts";
import type { Order } from "../orders/types.ts";
import type { AppDeps } from "../state.ts";
import { ownedOrder, type Owner } from "./retry_session.ts";

export async function orderBySession(deps: AppDeps, sessionId: string): Promise<PublicOrderView> {
  const { kv, provider } = deps;
  const orderId = await findOrderIdBySession(kv, provider.name, sessionId);
  const order = orderId ? (await getOrder(kv, orderId)).value : null;
  if (!order) throw new NotFoundError("No order for this checkout session", { sessionId });
  return publicView(await confirmIfPaid(deps, order, sessionId));
}

/** The order for its owner (404 unknown, 403 not theirs), its current session checked. */
export async function ownedOrderStatus(
  deps: AppDeps,
  orderId: string,
  owner: Owner,
): Promise<PublicOrderView> {
  const order = await ownedOrder(deps, orderId, owner);
  const sessionId = order.payment.sessionId;
  return publicView(sessionId ? await confirmIfPaid(deps, order, sessionId) : order);
}

async function confirmIfPaid(deps: AppDeps, order: Order, sessionId: string): Promise<Order> {
  if (order.payment.status !== "pending" && order.payment.status !== "failed") return order;
  let session;
  try {
    session = await deps.provider.retrieveSession(sessionId);
  } catch (err) {
    // The provider being down must not hide the order: show what we know.
    if (err instanceof ProviderError) return order;
    throw err;
  }
  if (session.paymentStatus !== "paid") return order;
  const result = await recordFact(
    { kv: deps.kv, now: deps.now },
    order.id,
    {
      kind: "payment_succeeded",
      sessionId: session.id,
      paymentIntentId: session.paymentIntentId,
      amount: session.amountTotal,
      currency: session.currency,
    },
    { kind: "success_page" },
  );
  return result.order ?? order;
}
