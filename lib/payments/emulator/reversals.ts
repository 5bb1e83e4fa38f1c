/**
 * Money going back: refunds (bounded by what was received minus what was already refunded)
 * and disputes opened by the test helper.
 */
import { formatMoney } from "../../orders/money.ts";
import type { Dispute, Refund } from "./objects.ts";
import { missingResource, StripeApiError } from "./params.ts";
import { randomId, type RequestContext, type Store } from "./store.ts";

export function refund(
  store: Store,
  input: {
    intentId: string;
    amount?: number;
    reason: string | null;
    metadata: Record<string, string>;
  },
  request: RequestContext,
): Refund {
  const intent = store.intents.get(input.intentId);
  if (!intent) {
    throw missingResource("payment_intent", input.intentId, "payment_intent");
  }
  const charge = intent.latest_charge ? store.charges.get(intent.latest_charge) : undefined;
  if (intent.status !== "succeeded" || !charge) {
    throw new StripeApiError(
      400,
      "invalid_request_error",
      `This PaymentIntent (${intent.id}) does not have a successful charge to refund.`,
      { code: "charge_not_refundable", param: "payment_intent" },
    );
  }
  if (charge.disputed) {
    throw new StripeApiError(
      400,
      "invalid_request_error",
      `Charge ${charge.id} has been charged back; cannot issue a refund.`,
      { code: "charge_disputed" },
    );
  }
  const remaining = charge.amount_captured - charge.amount_refunded;
  if (remaining === 0) {
    throw new StripeApiError(
      400,
      "invalid_request_error",
      `Charge ${charge.id} has already been refunded.`,
      {
        code: "charge_already_refunded",
      },
    );
  }
  const amount = input.amount ?? remaining;
  if (amount > remaining) {
    throw new StripeApiError(
      400,
      "invalid_request_error",
      `Refund amount (${formatMoney(amount, charge.currency)}) is greater than unrefunded amount ` +
        `on charge (${formatMoney(remaining, charge.currency)})`,
      { code: "amount_too_large", param: "amount" },
    );
  }
  const created: Refund = {
    id: randomId("re_test_"),
    object: "refund",
    amount,
    charge: charge.id,
    created: store.nowSeconds(),
    currency: charge.currency,
    metadata: input.metadata,
    payment_intent: intent.id,
    reason: input.reason,
    status: "succeeded",
  };
  store.refunds.set(created.id, created);
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded === charge.amount_captured;
  store.emit("charge.refunded", charge, request);
  return created;
}

/** Opens a chargeback on a paid PaymentIntent (`charge.dispute.created`). */
export function dispute(store: Store, intentId: string): Dispute {
  const intent = store.intents.get(intentId);
  const charge = intent?.latest_charge ? store.charges.get(intent.latest_charge) : undefined;
  if (!intent || intent.status !== "succeeded" || !charge) {
    throw new Error(
      `PaymentIntent ${intentId} has no successful charge to dispute`,
    );
  }
  if (charge.disputed) {
    throw new Error(`Charge ${charge.id} is already disputed`);
  }
  const created: Dispute = {
    id: randomId("dp_test_"),
    object: "dispute",
    amount: charge.amount,
    charge: charge.id,
    created: store.nowSeconds(),
    currency: charge.currency,
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: intent.id,
    reason: "fraudulent",
    status: "needs_response",
  };
  store.disputes.set(created.id, created);
  charge.disputed = true;
  store.emit("charge.dispute.created", created);
  return created;
}
