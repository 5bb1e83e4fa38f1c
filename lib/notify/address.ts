/**
 * The shopper's e-mail address as Settle knows it before asking the payment provider: the
 * order's customer (asked at checkout, or collected by the provider and recorded), else what
 * an API caller put in the order's metadata. The mail tasks and the shopper's pages share it,
 * so a page promises an e-mail only when a task will have somewhere to send it.
 */
import { type Address, FORGOTTEN, type Order } from "../orders/types.ts";

/** A plausible single address; anything else is not worth a bounce. */
export const EMAIL = /^[^\s@<>,]+@[^\s@<>,]+\.[^\s@<>,]+$/;

/** `email` trimmed when it is a plausible address (and not a forgotten one), else null. */
export function usableEmail(email: string | null | undefined): string | null {
  const trimmed = email?.trim();
  return trimmed && trimmed !== FORGOTTEN && EMAIL.test(trimmed) ? trimmed : null;
}

/** `metadata.email` when it is a plausible address, else null. */
export function metadataEmail(order: Pick<Order, "metadata">): string | null {
  return usableEmail(order.metadata.email);
}

/** `order.customer.email`, else `metadata.email`, when plausible; else null. */
export function knownEmail(order: Pick<Order, "metadata" | "customer">): string | null {
  return usableEmail(order.customer?.email) ?? metadataEmail(order);
}

/** A delivery address as the lines of a label: name, street, town, country. */
export function addressLines(a: Address): string[] {
  const town = [a.city, a.region, a.postalCode].filter((p) => p && p.trim()).join(" ");
  return [a.name, a.line1, a.line2 ?? "", town, a.country].filter((l) => l && l.trim());
}
