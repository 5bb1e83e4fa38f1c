import assert from "node:assert/strict";
import {
  paymentSignature,
  verifyPaymentSignature,
  verifyWebhookSignature,
  webhookSignature,
} from "./signature.ts";

// Vectors computed independently with `printf '<message>' | openssl dgst -sha256 -hmac '<key>'`.
const PAYMENT = {
  secret: "test_secret_123",
  orderId: "order_IluGWxBm9U8zJ8",
  paymentId: "pay_IluGWxBm9U8zJ9",
  hex: "eae74881894a93dede8df36f300b7519fb5bd53246d4fd46f302836b928e295c",
};
const WEBHOOK = {
  secret: "whsec_razor",
  body: '{"entity":"event","event":"payment.captured"}',
  hex: "e5e56266f6caf022ca8170a36447b8ba04421c27ce3738e990c0081eaa45f34d",
};
const UTF8_KEY_HEX = "08f477b85d92141e6853a01672b9cf3e5aaa8f300d2be6dc0c9273e7c6b85b54";

Deno.test("paymentSignature matches openssl's HMAC of order_id|payment_id", async () => {
  assert.equal(
    await paymentSignature(PAYMENT.secret, PAYMENT.orderId, PAYMENT.paymentId),
    PAYMENT.hex,
  );
});

Deno.test("paymentSignature encodes a non-ASCII key as UTF-8, as openssl does", async () => {
  assert.equal(await paymentSignature("k€y", "order_A", "pay_B"), UTF8_KEY_HEX);
});

Deno.test("webhookSignature matches openssl's HMAC of the raw body", async () => {
  assert.equal(await webhookSignature(WEBHOOK.secret, WEBHOOK.body), WEBHOOK.hex);
});

Deno.test("verifyPaymentSignature accepts the vector in lower or upper case hex", async () => {
  const { secret, orderId, paymentId, hex } = PAYMENT;
  assert.equal(await verifyPaymentSignature(secret, orderId, paymentId, hex), true);
  assert.equal(await verifyPaymentSignature(secret, orderId, paymentId, hex.toUpperCase()), true);
});

Deno.test("verifyPaymentSignature refuses swapped ids, another secret and a flipped digit", async () => {
  const { secret, orderId, paymentId, hex } = PAYMENT;
  const flipped = (hex[0] === "e" ? "f" : "e") + hex.slice(1);
  assert.equal(await verifyPaymentSignature(secret, paymentId, orderId, hex), false);
  assert.equal(await verifyPaymentSignature("other", orderId, paymentId, hex), false);
  assert.equal(await verifyPaymentSignature(secret, orderId, paymentId, flipped), false);
});

Deno.test("verify refuses malformed, short, long and non-string signatures without throwing", async () => {
  const { secret, orderId, paymentId, hex } = PAYMENT;
  for (
    const bad of [
      "",
      hex.slice(0, 62),
      hex + "00",
      "zz" + hex.slice(2),
      `sha256=${hex}`,
      undefined,
      null,
      42,
      ["x"],
    ]
  ) {
    assert.equal(await verifyPaymentSignature(secret, orderId, paymentId, bad), false, String(bad));
    assert.equal(await verifyWebhookSignature(WEBHOOK.secret, WEBHOOK.body, bad), false);
  }
});

Deno.test("verify with an empty secret is false rather than a thrown import error", async () => {
  assert.equal(await verifyWebhookSignature("", WEBHOOK.body, WEBHOOK.hex), false);
});

Deno.test("verifyWebhookSignature accepts the raw body and refuses a re-serialised one", async () => {
  assert.equal(await verifyWebhookSignature(WEBHOOK.secret, WEBHOOK.body, WEBHOOK.hex), true);
  const reserialised = JSON.stringify(JSON.parse(WEBHOOK.body), null, 1);
  assert.equal(await verifyWebhookSignature(WEBHOOK.secret, reserialised, WEBHOOK.hex), false);
  assert.equal(
    await verifyWebhookSignature(WEBHOOK.secret, WEBHOOK.body + " ", WEBHOOK.hex),
    false,
  );
});
