/**
 * Paying again for a saved order, by its owner: a new provider session for the same items
 * at the saved prices (payment_page.ts closes the previous session first, so one order can
 * never be paid through two open sessions).
 */
import { getOrder } from "../db/orders.ts";
import { ForbiddenError, NotFoundError } from "../http/errors.ts";
import type { Order } from "../orders/types.ts";
import type { AppDeps } from "../state.ts";
import { verifyOrderToken } from "./owner_token.ts";
import { type CheckoutResult, openPaymentPage } from "./payment_page.ts";
import { OrderIdSchema } from "./shopper_pages.ts";

export interface Owner {
  /** The shopper's cart cookie, if any. */
  cartId: string | null;
  /** The signed order token (cancel URL, checkout response), if any. */
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
  const order = await ownedOrder(deps, orderId, owner);
  return await openPaymentPage(deps, order.id, "new");
}
