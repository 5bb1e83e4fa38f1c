/**
 * Which payment providers a shopper's page offers (config.paymentProviders, Razorpay only
 * when it is set up), and the headers a page needs to open Razorpay Checkout: its CSP is
 * widened for exactly that script's origin, on that page only.
 */
import { allowRazorpayCheckout, RAZORPAY_CHECKOUT_URL } from "../http/security_headers.ts";
import type { AppDeps } from "../state.ts";

export interface ShopperProviders {
  /** Stripe's hosted page: works without JavaScript. */
  card: boolean;
  /** Razorpay Checkout (a popup: needs JavaScript), with the script to load. */
  razorpay: { scriptUrl: string } | null;
}

/** The words after "Pay $12.00", when the page offers more than one way to pay. */
export const CARD_WORDS = "with card";
export const RAZORPAY_WORDS = "with UPI, cards or netbanking";
export const RAZORPAY_NEEDS_JS = "Paying with UPI, cards or netbanking (Razorpay) needs " +
  "JavaScript, which is off in this browser.";

export function shopperProviders(deps: AppDeps): ShopperProviders {
  const offered = deps.config.paymentProviders;
  return {
    card: offered.includes("stripe"),
    razorpay: offered.includes("razorpay") && deps.razorpay
      ? { scriptUrl: deps.razorpay.checkoutUrl ?? RAZORPAY_CHECKOUT_URL }
      : null,
  };
}

/** `headers`, plus the CSP widening when the page offers Razorpay. */
export function providerHeaders(
  providers: ShopperProviders,
  headers: Record<string, string>,
): Record<string, string> {
  return providers.razorpay
    ? allowRazorpayCheckout(headers, providers.razorpay.scriptUrl)
    : headers;
}
