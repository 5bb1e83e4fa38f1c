/**
 * What a provider's view of a checkout session says about its order, as a fact. Pure. The
 * success page, the retry path, reconciliation and admin actions all ask the provider about
 * a session and record what it says through the one fact path: this is the one mapping.
 */
import type { Fact } from "../orders/types.ts";
import type { CheckoutSession } from "./provider.ts";

/**
 * A paid (or free and complete) session is a payment; an expired one is an expiry. Open,
 * or complete with an (async) payment still settling: nothing to record yet (null).
 */
export function sessionFact(s: CheckoutSession): Fact | null {
  const free = s.status === "complete" && s.paymentStatus === "no_payment_required";
  if (s.paymentStatus === "paid" || free) {
    return {
      kind: "payment_succeeded",
      sessionId: s.id,
      paymentIntentId: s.paymentIntentId,
      amount: free ? 0 : s.amountTotal,
      currency: s.currency,
    };
  }
  if (s.status === "expired") return { kind: "session_expired", sessionId: s.id };
  return null;
}
