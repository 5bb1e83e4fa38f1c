/**
 * The admin's index of orders by customer e-mail, `["orders_by_customer", email, orderId]`:
 * searching by a whole address reads one short list, newest order last. The e-mail is
 * normalised (trimmed, lower case) both when it is written and when it is searched for.
 */
import { keys } from "./keys.ts";
import { FORGOTTEN, type Order } from "../orders/types.ts";

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

/** The order's index key, or null when it has no customer e-mail (or it was forgotten). */
export function customerIndexKey(order: Pick<Order, "id" | "customer">): Deno.KvKey | null {
  const email = order.customer?.email;
  if (!email || email === FORGOTTEN) return null;
  return keys.orderByCustomer(normaliseEmail(email), order.id);
}
