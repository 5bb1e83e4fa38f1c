import assert from "node:assert/strict";
import type { RazorpayPayment } from "../payments/razorpay/client.ts";
import { RazorpayEnvelope, toRazorpayFact } from "../payments/razorpay/events.ts";
import { paymentFact } from "./razorpay_verify.ts";

const failed = (errors: Partial<RazorpayPayment>) => ({
  id: "pay_F1",
  entity: "payment",
  amount: 2500,
  currency: "INR",
  status: "failed",
  order_id: "order_O1",
  error_code: "BAD_REQUEST_ERROR",
  ...errors,
});

const cases: [string, Partial<RazorpayPayment>][] = [
  ["a description", { error_description: "Payment declined by the bank" }],
  ["an empty description, a reason", { error_description: "", error_reason: "payment_cancelled" }],
  ["no description, a reason", { error_description: null, error_reason: "payment_timed_out" }],
  ["only a code", { error_description: null, error_reason: null }],
  ["a description past the limit", { error_description: "x".repeat(5000) }],
];

for (const [name, errors] of cases) {
  Deno.test(`a failed payment with ${name} reads the same from verify as from its webhook`, () => {
    const payment = failed(errors);
    const viaWebhook = toRazorpayFact(RazorpayEnvelope.parse({
      entity: "event",
      event: "payment.failed",
      payload: { payment: { entity: payment } },
    }));
    assert.ok("fact" in viaWebhook);
    assert.deepEqual(paymentFact(payment as RazorpayPayment), viaWebhook.fact);
  });
}
