/**
 * Forgetting a customer (docs/OPERATIONS.md "Personal data"): the order's e-mail, name,
 * phone and delivery address (but its country) become FORGOTTEN through the one fact path
 * (`customer_forgotten`, with the admin as its source, so the order's history says who and
 * why), and the order's entry in the customer index goes in the same commit. Money, items
 * and the shipping rate and price stay: the books still add up.
 */
import { commitWithRetry } from "../db/atomic.ts";
import { getOrder } from "../db/orders.ts";
import { stageFact } from "../facts/record_fact.ts";
import { NotFoundError } from "../http/errors.ts";
import { FORGOTTEN, type Order } from "../orders/types.ts";
import type { AppDeps } from "../state.ts";
import type { Acted, Actor } from "./actions.ts";

/** True when the order still holds personal data an admin could forget. */
export function hasPersonalData(order: Order): boolean {
  const c = order.customer;
  const a = order.shipping?.address;
  const values = [c?.email, c?.name, c?.phone, a?.name, a?.line1, a?.line2, a?.city];
  return [...values, a?.region, a?.postalCode, order.metadata.email]
    .some((v) => typeof v === "string" && v !== FORGOTTEN);
}

export async function forgetCustomer(
  deps: Pick<AppDeps, "kv" | "now">,
  orderId: string,
  reason: string,
  who: Actor,
): Promise<Acted> {
  return await commitWithRetry<Acted>(async () => {
    const entry = await getOrder(deps.kv, orderId);
    if (!entry.value) throw new NotFoundError("No such order", { orderId });
    const order = entry.value;
    if (!hasPersonalData(order)) {
      return { op: null, result: { order, outcome: { kind: "duplicate" } } };
    }
    const op = deps.kv.atomic();
    const source = { kind: "admin" as const, actor: who.actor, reason };
    const t = stageFact(
      op,
      entry as Deno.KvEntry<Order>,
      { kind: "customer_forgotten" },
      source,
      deps.now(),
    );
    return { op, result: { order: t.order, outcome: t.outcome } };
  });
}
