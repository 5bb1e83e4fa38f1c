/**
 * The checkout's total as the shopper's choices make it, shared by the checkout page's
 * islands: ShippingChoice writes it when the delivery method changes, PayButton shows it.
 * Client-safe: one chunk holds it, so both islands see the same signal.
 */
import { signal } from "@preact/signals-core";

/** The "Pay …" amount, formatted; null until a choice changes the server-rendered one. */
export const payAmount = signal<string | null>(null);
