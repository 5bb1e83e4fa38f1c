import assert from "node:assert/strict";
import type { CheckoutSession } from "./provider.ts";
import { sessionFact } from "./session_fact.ts";

const session = (over: Partial<CheckoutSession>): CheckoutSession => ({
  id: "cs_test_1",
  url: null,
  status: "complete",
  paymentStatus: "paid",
  amountTotal: 1800,
  currency: "nzd",
  paymentIntentId: "pi_1",
  expiresAt: 0,
  metadata: {},
  clientReferenceId: null,
  ...over,
});

Deno.test("sessionFact: a paid session is a payment of its amount and intent", () => {
  assert.deepEqual(sessionFact(session({})), {
    kind: "payment_succeeded",
    sessionId: "cs_test_1",
    paymentIntentId: "pi_1",
    amount: 1800,
    currency: "nzd",
  });
});

Deno.test("sessionFact: a free, complete session is a payment of zero", () => {
  const fact = sessionFact(session({ paymentStatus: "no_payment_required" }));
  assert.deepEqual(fact?.kind === "payment_succeeded" && fact.amount, 0);
});

Deno.test("sessionFact: an expired session is an expiry; open or settling is nothing yet", () => {
  assert.deepEqual(sessionFact(session({ status: "expired", paymentStatus: "unpaid" })), {
    kind: "session_expired",
    sessionId: "cs_test_1",
  });
  assert.deepEqual(sessionFact(session({ status: "open", paymentStatus: "unpaid" })), null);
  assert.deepEqual(sessionFact(session({ status: "complete", paymentStatus: "unpaid" })), null);
});
