/**
 * The number in the header's cart badge, shared by every island on a page: AddToCart and
 * QuantityStepper write it from the cart the server returns, CartCountLive shows it.
 * Client-safe (no Deno APIs): it is bundled for the browser, and one chunk holds it, so
 * all islands see the same signal.
 */
import { signal } from "@preact/signals-core";

/** Null until the badge seeds it with the server-rendered count or an island learns a newer one. */
export const cartCount = signal<number | null>(null);
