/**
 * `deno bench lib/payments/`: the SDK's constructEventAsync (imports the HMAC key on every
 * call) against createWebhookVerifier (imports it once), on a ~2 KB checkout event.
 */
import Stripe from "stripe";
import { createWebhookVerifier } from "./webhook_signature.ts";

const secret = "whsec_bench_6tY9uI2oP5aS8dF1gH4jK7lZ0xC3vB";
const cryptoProvider = Stripe.createSubtleCryptoProvider();
const sdk = new Stripe("sk_test_unused");
const payload = JSON.stringify({
  id: "evt_bench",
  object: "event",
  created: Math.floor(Date.now() / 1000),
  type: "checkout.session.completed",
  data: {
    object: {
      id: "cs_test_bench",
      object: "checkout.session",
      amount_total: 4200,
      currency: "nzd",
      metadata: { order_id: "01JBENCH", order_number: "SO-20261122-0001" },
      payment_status: "paid",
      custom_text: { submit: null, shipping_address: null, after_submit: null },
      line_items: Array.from(
        { length: 12 },
        (_, i) => ({ id: `li_${i}`, quantity: i + 1 }),
      ),
      payment_method_types: ["card", "link", "afterpay_clearpay", "klarna"],
      success_url: "https://shop.example/checkout/success?session_id={CHECKOUT_SESSION_ID}",
      cancel_url: "https://shop.example/checkout/cancel?order=01JBENCH&token=abcdef0123456789",
      notes: "x".repeat(1000),
    },
  },
});
const header = await sdk.webhooks.generateTestHeaderStringAsync({
  payload,
  secret,
  cryptoProvider,
});
const verifier = createWebhookVerifier({ secret });

Deno.bench("SDK constructEventAsync (key imported per call)", {
  group: "webhook",
  baseline: true,
}, async () => {
  await sdk.webhooks.constructEventAsync(
    payload,
    header,
    secret,
    300,
    cryptoProvider,
  );
});

Deno.bench("createWebhookVerifier.verify (key imported once)", {
  group: "webhook",
}, async () => {
  await verifier.verify(payload, header);
});
