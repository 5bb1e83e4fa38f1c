/**
 * The shopper's e-mail address as Settle knows it before asking the payment provider: what
 * an API caller put in the order's metadata. The receipt task and the shopper's pages share
 * it, so a page promises an e-mail only when the task will have somewhere to send it.
 */
import type { Order } from "../orders/types.ts";

/** A plausible single address; anything else is not worth a bounce. */
export const EMAIL = /^[^\s@<>,]+@[^\s@<>,]+\.[^\s@<>,]+$/;

/** `metadata.email` when it is a plausible address, else null. */
export function metadataEmail(order: Pick<Order, "metadata">): string | null {
  const email = order.metadata.email?.trim();
  return email && EMAIL.test(email) ? email : null;
}
