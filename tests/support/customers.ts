/**
 * Orders with customers and delivery addresses written straight to KV (writeNewOrder adds
 * their customer index entries, as checkout does).
 */
import type { Order } from "@/lib/orders/types.ts";
import { writeOrders } from "./admin.ts";

export interface Someone {
  email: string;
  name?: string;
  phone?: string;
}

/** Writes one order per person, oldest first, each with an NZ address and a $5 rate. */
export async function ordersFor(
  kv: Deno.Kv,
  people: Someone[],
  shape: (order: Order, i: number) => void = () => {},
): Promise<Order[]> {
  const orders = await writeOrders(kv, people.length, (order, i) => {
    const who = people[i];
    order.customer = { ...who };
    order.shipping = {
      address: {
        name: who.name ?? "Recipient",
        line1: `${i + 1} Queen Street`,
        line2: "Level 2",
        city: "Auckland",
        region: "Auckland",
        postalCode: "1010",
        country: "NZ",
      },
      rateId: "nz_standard",
      label: "Standard (3–5 days)",
      amount: 500,
    };
    order.total = order.subtotal + 500;
    shape(order, i);
  });
  return orders;
}
