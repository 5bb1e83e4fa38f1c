/**
 * "Closing" a Razorpay order: Razorpay orders cannot be expired, so the order's payments are
 * asked for instead and applied (captured, or authorized and then captured, means the
 * customer paid); one still being made (a UPI collect not yet approved) refuses whatever
 * wanted the order closed, as a Stripe debit still settling does.
 */
import { recordFact } from "../facts/record_fact.ts";
import { ConflictError } from "../http/errors.ts";
import { isPaid } from "../orders/order.ts";
import type { Order } from "../orders/types.ts";
import { razorpayFindings } from "../reconcile/razorpay.ts";
import type { AppDeps } from "../state.ts";
import { razorpayOf } from "./razorpay_order.ts";

/** What Razorpay says of one of the order's Razorpay orders, recorded; the order after it. */
export async function settleRazorpayOrder(
  deps: AppDeps,
  order: Order,
  providerOrderId: string,
): Promise<Order> {
  const found = await razorpayFindings(razorpayOf(deps), order, [providerOrderId]);
  for (const fact of found.facts) {
    if (fact.kind !== "payment_succeeded") continue;
    const result = await recordFact({ kv: deps.kv, now: deps.now }, order.id, fact, {
      kind: "system",
    });
    order = result.order ?? order;
  }
  if (isPaid(order)) return order;
  if (found.inFlight) {
    throw new ConflictError(
      "payment_processing",
      "A payment for this order is still being processed at Razorpay; wait for it to settle",
    );
  }
  return order;
}
