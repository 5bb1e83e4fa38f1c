/**
 * The provider's view counts refunds (cumulative per charge) and disputes by payment intent,
 * and an order that never got a session is expired only once the suite ran its lapse.
 */
import assert from "node:assert/strict";
import type { CheckoutSession, StripeEvent } from "@/lib/payments/emulator/server.ts";
import { ProviderView } from "./provider_view.ts";

const session = (overrides: Partial<CheckoutSession>) =>
  ({
    id: "cs_1",
    amount_total: 5000,
    payment_status: "paid",
    status: "complete",
    payment_intent: "pi_1",
    metadata: { order_id: "order_1" },
    ...overrides,
  }) as CheckoutSession;

const event = (type: string, object: Record<string, unknown>) =>
  ({ id: `evt_${crypto.randomUUID()}`, type, data: { object } }) as unknown as StripeEvent;

Deno.test("refunds and disputes are counted per paid intent; a lapsed checkout is expired", () => {
  const view = new ProviderView([session({})], [
    event("charge.refunded", { id: "ch_1", payment_intent: "pi_1", amount_refunded: 700 }),
    // A later refund of the same charge reports the running total, not the new amount.
    event("charge.refunded", { id: "ch_1", payment_intent: "pi_1", amount_refunded: 1200 }),
    event("charge.dispute.created", { id: "dp_1", payment_intent: "pi_1" }),
    event("charge.refunded", { id: "ch_9", payment_intent: "pi_other", amount_refunded: 99 }),
  ]);
  const paid = view.expected({ orderId: "order_1", plan: "paid" });
  assert.deepEqual(
    [paid.state, paid.received, paid.refunded, paid.disputes],
    ["paid", 5000, 1200, 1],
  );
  assert.equal(view.expected({ orderId: "order_2", plan: "abandoned" }).state, "pending");
  assert.equal(view.expected({ orderId: "order_2", plan: "lapsed" }).state, "expired");
});
