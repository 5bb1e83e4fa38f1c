/**
 * What Razorpay says of an order's Razorpay orders, as facts: reconciliation, the admin's
 * cancel and mark-paid, and the end of an abandoned popup's window all ask here. Razorpay
 * orders cannot be closed, so every one the order ever had is asked, not only the current.
 *
 * - captured (or refunded, which was captured first): paid, once per payment (the fact path
 *   dedupes by payment id).
 * - authorized: captured first for exactly the order's total, then paid; a payment for
 *   another amount is left to lapse at Razorpay. A capture refused as already done is
 *   answered by fetching the payment again.
 * - failed, on the current Razorpay order and with nothing better: a failed payment.
 * - created (a UPI collect not yet approved): still being made, `inFlight`.
 */
import type { Fact, Order } from "../orders/types.ts";
import { capture, paymentFact } from "../checkout/razorpay_verify.ts";
import type { RazorpayDeps } from "../state.ts";

export interface RazorpayFindings {
  /** Payments that took money, each as `payment_succeeded`; or one `payment_failed`. */
  facts: Fact[];
  /** A payment is still being made: nothing may be closed or expired under it. */
  inFlight: boolean;
}

export async function razorpayFindings(
  rzp: RazorpayDeps,
  order: Order,
  providerOrderIds: string[],
): Promise<RazorpayFindings> {
  const facts: Fact[] = [];
  let inFlight = false;
  let failed: Fact | null = null;
  for (const providerOrderId of providerOrderIds) {
    for (let payment of await rzp.client.orderPayments(providerOrderId)) {
      if (payment.status === "authorized") payment = await capture(rzp, order, payment);
      if (payment.status === "created") inFlight = true;
      // Still authorized: not the order's amount, left to lapse at Razorpay (logged).
      if (payment.status === "created" || payment.status === "authorized") continue;
      const fact = paymentFact(payment);
      if (fact?.kind === "payment_succeeded") facts.push(fact);
      else if (
        fact?.kind === "payment_failed" && !failed &&
        providerOrderId === order.payment.sessionId
      ) {
        // Razorpay lists an order's payments newest first: the latest failure speaks.
        failed = fact;
      }
    }
  }
  if (facts.length === 0 && failed && !inFlight) facts.push(failed);
  return { facts, inFlight };
}
