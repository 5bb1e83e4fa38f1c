/**
 * Razorpay through the real app and the embedded Razorpay emulator: POST
 * /api/payments/create-order (placement shared with create-checkout-session, the server's
 * amount, receipt and notes, owner-only pay of a saved order, Idempotency-Key rules) and
 * POST /api/payments/verify (signatures, the provider asked, capture, applied once).
 */
import assert from "node:assert/strict";
import { keys } from "@/lib/db/keys.ts";
import { getStock } from "@/lib/db/products.ts";
import { recordFact } from "@/lib/facts/record_fact.ts";
import { paymentSignature } from "@/lib/payments/razorpay/signature.ts";
import type { RazorpayEmulatorOptions } from "@/lib/payments/razorpay/emulator/server.ts";
import { parseConfig } from "@/lib/config.ts";
import { startRuntime } from "@/lib/runtime.ts";
import { createTestApp } from "../support/app.ts";
import { testIslands } from "../support/islands.ts";
import {
  assertUnchanged,
  checkout,
  clientHeaders,
  orderOf,
  outcomes,
  snapshot,
  stockedProducts,
} from "../support/shop.ts";

const KEY_SECRET = "razorpay-test-key-secret";

async function testApp(razorpayEmulator: Partial<RazorpayEmulatorOptions> = {}) {
  const app = await createTestApp({
    env: {
      PAYMENT_PROVIDERS: "stripe,razorpay",
      RAZORPAY_KEY_SECRET: KEY_SECRET,
      RAZORPAY_WEBHOOK_SECRET: "razorpay-test-webhook-secret",
    },
    razorpayEmulator: { maxAttempts: 1, ...razorpayEmulator },
  });
  // Verify alone: no webhook reaches the app (tests/api/razorpay_webhook_test.ts has those).
  app.razorpayEmulator?.setWebhookUrl(undefined);
  return Object.assign(app, { [Symbol.asyncDispose]: () => app.close() });
}

type App = Awaited<ReturnType<typeof testApp>>;

const ADDRESS = {
  name: "Kim Tan",
  line1: "1 Queen Street",
  city: "Auckland",
  postalCode: "1010",
  country: "NZ",
};
const CUSTOMER = { email: "kim@example.com", name: "Kim Tan" };

interface Created {
  provider: string;
  keyId: string;
  providerOrderId: string;
  amount: number;
  currency: string;
  orderId: string;
  orderNumber: string;
  orderToken: string;
}

async function createOrder(app: App, body: unknown, headers: Record<string, string> = {}) {
  return await app.app.request("/api/payments/create-order", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

async function verify(app: App, body: unknown): Promise<Response> {
  return await app.app.request("/api/payments/verify", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function cheapProduct(app: App) {
  const product = (await stockedProducts(app, 3)).find((p) => p.unitAmount < 8000);
  if (!product) throw new Error("no product under $80 in the demo catalog");
  return product;
}

/** A shippable basket of one cheap product, with the address and a rate (shipping $6). */
async function basket(app: App, quantity = 1) {
  const product = await cheapProduct(app);
  return {
    product,
    body: {
      items: [{ productId: product.id, quantity }],
      customer: CUSTOMER,
      shipping: ADDRESS,
      shippingRateId: "standard",
    },
  };
}

async function createdOk(app: App, body: unknown, headers: Record<string, string> = {}) {
  const res = await createOrder(app, body, headers);
  assert.equal(res.status, 200, await res.clone().text());
  return await res.json() as Created;
}

/** Pays in the emulator's popup and returns what checkout hands the shop's handler. */
async function paid(app: App, created: Created, outcome: "success" | "pending" = "success") {
  const result = await app.razorpayEmulator!.pay(created.providerOrderId, outcome);
  return {
    orderId: created.orderId,
    ...result.response!,
  };
}

Deno.test("create-order places the order with the server's total and opens a Razorpay order for it", async () => {
  await using app = await testApp();
  const { product, body } = await basket(app, 2);
  const created = await createdOk(app, { ...body, amount: 1, total: 1 });
  const order = await orderOf(app, created.orderId);
  assert.equal(order.status, "pending");
  assert.equal(order.payment.provider, "razorpay");
  assert.equal(order.total, 2 * product.unitAmount + 600);
  assert.deepEqual(
    { ...created, orderToken: typeof created.orderToken },
    {
      provider: "razorpay",
      keyId: "rzp_test_emulator",
      providerOrderId: order.payment.sessionId,
      amount: order.total,
      currency: "NZD",
      orderId: order.id,
      orderNumber: order.number,
      orderToken: "string",
    },
  );
  const [rzpOrder] = app.razorpayEmulator!.orders();
  assert.equal(rzpOrder.id, created.providerOrderId);
  assert.equal(rzpOrder.amount, order.total);
  assert.equal(rzpOrder.receipt, order.number);
  assert.deepEqual((rzpOrder.notes as Record<string, string>).order_id, order.id);
  const index = await app.kv.get(keys.orderBySession("razorpay", created.providerOrderId));
  assert.equal(index.value, order.id);
  const stock = await getStock(app.kv, [product.id]);
  assert.equal(stock.get(product.id), product.stock - 2);
  assert.equal(order.shipping?.amount, 600);
});

Deno.test("create-order: bad input is refused naming the field, and nothing is written anywhere", async () => {
  await using app = await testApp();
  const { product, body } = await basket(app);
  const before = await snapshot(app.kv);
  const cases: [string, unknown, number, string[]][] = [
    ["no address for goods", { items: body.items }, 422, ["shipping", "shippingRateId"]],
    ["no rate", { ...body, shippingRateId: undefined }, 422, ["shippingRateId"]],
    [
      "bad postcode",
      { ...body, shipping: { ...ADDRESS, postalCode: "10100" } },
      422,
      ["shipping.postalCode"],
    ],
    ["bad e-mail", { ...body, customer: { email: "nope" } }, 422, ["customer.email"]],
    ["zero quantity", { ...body, items: [{ productId: product.id, quantity: 0 }] }, 400, [
      "items.0.quantity",
    ]],
    ["no items", { ...body, items: [] }, 400, ["items"]],
    ["saved order with items", { orderId: "01ARZ3NDEKTSV4RRFFQ69G5FAV", items: body.items }, 400, [
      "items",
    ]],
  ];
  for (const [name, request, status, paths] of cases) {
    const res = await createOrder(app, request);
    assert.equal(res.status, status, `${name}: ${await res.clone().text()}`);
    const error = (await res.json()).error;
    const named = JSON.stringify(error.details ?? error);
    for (const path of paths) assert.ok(named.includes(`"${path}"`), `${name}: ${named}`);
  }
  const unknown = await createOrder(app, { items: [{ productId: "nope", quantity: 1 }] });
  assert.equal(unknown.status, 422);
  await assertUnchanged(app.kv, before);
  assert.equal(app.razorpayEmulator!.orders().length, 0);
});

Deno.test("create-order: a saved order is paid by its owner only, through one open Razorpay order", async () => {
  await using app = await testApp();
  const { body } = await basket(app);
  const first = await createdOk(app, body, await clientHeaders(app));
  const other = await clientHeaders(app);
  for (
    const token of [
      undefined,
      "x".repeat(43),
      first.orderToken.slice(0, -1) + (first.orderToken.endsWith("A") ? "E" : "A"),
    ]
  ) {
    const res = await createOrder(app, { orderId: first.orderId, token }, other);
    assert.equal(res.status, 403, await res.text());
  }
  const missing = await createOrder(app, {
    orderId: "01ARZ3NDEKTSV4RRFFQ69G5FAV",
    token: first.orderToken,
  });
  assert.equal(missing.status, 404);
  const again = await createdOk(app, { orderId: first.orderId, token: first.orderToken }, other);
  assert.equal(again.providerOrderId, first.providerOrderId, "the open Razorpay order is reused");
  assert.equal(app.razorpayEmulator!.orders().length, 1);
});

Deno.test("create-order: a Stripe-placed order paid with Razorpay closes its Stripe session first", async () => {
  await using app = await testApp();
  const { body } = await basket(app);
  const res = await checkout(app, body);
  assert.equal(res.status, 200);
  const stripe = await res.json();
  const created = await createdOk(app, { orderId: stripe.orderId, token: stripe.orderToken });
  const session = await app.deps.provider.retrieveSession(stripe.id);
  assert.equal(session.status, "expired");
  const order = await orderOf(app, stripe.orderId);
  assert.equal(order.payment.sessionId, created.providerOrderId);
  assert.equal(created.amount, order.total);
  const index = await app.kv.get(keys.orderBySession("razorpay", created.providerOrderId));
  assert.equal(index.value, order.id);
});

Deno.test("create-order: an Idempotency-Key replays its order, refuses another request and the other provider's", async () => {
  await using app = await testApp();
  const { body } = await basket(app);
  const client = await clientHeaders(app);
  const headers = { ...client, "idempotency-key": "rzp-key-1" };
  const a = await createdOk(app, body, headers);
  const b = await createdOk(app, body, headers);
  assert.deepEqual([b.orderId, b.providerOrderId], [a.orderId, a.providerOrderId]);
  assert.equal(app.razorpayEmulator!.orders().length, 1);
  const changed = await createOrder(app, { ...body, shippingRateId: "express" }, headers);
  assert.equal(changed.status, 422);
  assert.equal((await changed.json()).error.code, "idempotency_key_reused");
  const viaStripe = await checkout(app, body, headers);
  assert.equal(viaStripe.status, 422);
  assert.equal((await viaStripe.json()).error.code, "idempotency_key_reused");
  // Keys are scoped to their owner: another client's same key is its own order.
  const elsewhere = await createdOk(app, body, {
    ...(await clientHeaders(app)),
    "idempotency-key": "rzp-key-1",
  });
  assert.notEqual(elsewhere.orderId, a.orderId);
});

Deno.test("create-order: the same Idempotency-Key ×20 at once places one order, one Razorpay order and one hold", async () => {
  await using app = await testApp();
  const { product, body } = await basket(app, 2);
  const [before] = (await getStock(app.deps.kv, [product.id])).values();
  const headers = { ...(await clientHeaders(app)), "idempotency-key": "rzp-burst" };
  const answers = await Promise.all(
    Array.from({ length: 20 }, () => createOrder(app, body, headers)),
  );
  const placed = new Set<string>();
  for (const res of answers) {
    const answer = await res.json();
    // A twin still being placed is told so (409) rather than made a second time.
    if (res.status === 409) assert.equal(answer.error.code, "checkout_in_progress");
    else {
      assert.equal(res.status, 200, JSON.stringify(answer));
      placed.add(answer.orderId);
    }
  }
  const replay = await createdOk(app, body, headers);
  assert.deepEqual([...placed], [replay.orderId]);
  const orders = await Array.fromAsync(app.deps.kv.list({ prefix: keys.orders() }));
  assert.equal(orders.length, 1);
  assert.equal(app.razorpayEmulator!.orders().length, 1);
  const [after] = (await getStock(app.deps.kv, [product.id])).values();
  assert.equal(before - after, 2);
});

Deno.test("verify: a missing, bad or tampered signature is refused and nothing changes", async () => {
  await using app = await testApp();
  const { body } = await basket(app);
  const created = await createdOk(app, body);
  const good = await paid(app, created);
  const other = await createdOk(app, body);
  const before = await snapshot(app.kv);
  const bad: [unknown, string][] = [
    [{ ...good, razorpay_signature: undefined }, "invalid_request"],
    [{ ...good, razorpay_signature: "" }, "invalid_request"],
    [{ ...good, razorpay_signature: "0".repeat(64) }, "invalid_signature"],
    [
      { ...good, razorpay_signature: good.razorpay_signature.toUpperCase() + "0" },
      "invalid_signature",
    ],
    [{
      ...good,
      razorpay_signature: await paymentSignature(
        "another-secret",
        good.razorpay_order_id,
        good.razorpay_payment_id,
      ),
    }, "invalid_signature"],
    [{ ...good, razorpay_payment_id: "pay_Tampered0000001" }, "invalid_signature"],
    [{ ...good, razorpay_order_id: other.providerOrderId }, "invalid_signature"],
    // Correctly signed, but for another order of the shop's.
    [{ ...good, orderId: other.orderId }, "invalid_signature"],
  ];
  for (const [request, code] of bad) {
    const res = await verify(app, request);
    assert.equal(res.status, 400, JSON.stringify(request));
    assert.equal((await res.json()).error.code, code, JSON.stringify(request));
  }
  await assertUnchanged(app.kv, before);
  assert.equal((await orderOf(app, created.orderId)).status, "pending");
});

Deno.test("verify: a good signature for a captured payment marks the order paid, once however often it comes", async () => {
  await using app = await testApp();
  const { body } = await basket(app);
  const created = await createdOk(app, body);
  const handed = await paid(app, created);
  for (let i = 0; i < 3; i++) {
    const res = await verify(app, handed);
    assert.equal(res.status, 200);
    const view = await res.json();
    assert.equal(view.status, "paid");
  }
  const order = await orderOf(app, created.orderId);
  assert.equal(order.status, "paid");
  assert.equal(order.payment.amountReceived, order.total);
  assert.deepEqual(order.payment.paidIntentIds, [handed.razorpay_payment_id]);
  const applied = (await outcomes(app, created.orderId)).filter((o) =>
    o === "payment_succeeded:applied"
  );
  assert.equal(applied.length, 1);
});

Deno.test("verify: an authorized payment is captured, then recorded paid", async () => {
  await using app = await testApp({ autoCapture: false });
  const { body } = await basket(app);
  const created = await createdOk(app, body);
  const handed = await paid(app, created);
  assert.equal(app.razorpayEmulator!.payments()[0].status, "authorized");
  const res = await verify(app, handed);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).status, "paid");
  const [payment] = app.razorpayEmulator!.payments();
  assert.equal(payment.status, "captured");
  // Again: Razorpay refuses a second capture; Settle reads the payment and is done.
  assert.equal((await verify(app, handed)).status, 200);
  assert.equal((await orderOf(app, created.orderId)).payment.paidIntentIds.length, 1);
});

Deno.test("verify ×20 at once for an authorized payment: captured once, applied once, every answer paid", async () => {
  await using app = await testApp({ autoCapture: false });
  const { body } = await basket(app);
  const created = await createdOk(app, body);
  const handed = await paid(app, created);
  const answers = await Promise.all(Array.from({ length: 20 }, () => verify(app, handed)));
  for (const res of answers) {
    assert.equal(res.status, 200);
    assert.equal((await res.json()).status, "paid");
  }
  const [payment] = app.razorpayEmulator!.payments();
  assert.equal(payment.status, "captured");
  const order = await orderOf(app, created.orderId);
  assert.deepEqual(order.payment.paidIntentIds, [handed.razorpay_payment_id]);
  assert.equal(order.payment.amountReceived, order.total);
  const applied = (await outcomes(app, created.orderId)).filter((o) =>
    o === "payment_succeeded:applied"
  );
  assert.equal(applied.length, 1);
});

Deno.test("verify: a pending UPI payment changes nothing yet; a failed one marks the order failed", async () => {
  await using app = await testApp();
  const { body } = await basket(app);
  const created = await createdOk(app, body);
  const pending = await paid(app, created, "pending");
  const res = await verify(app, pending);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).status, "pending");
  app.razorpayEmulator!.settle(pending.razorpay_payment_id, "rejected");
  const failed = await verify(app, pending);
  assert.equal(failed.status, 200);
  assert.equal((await failed.json()).status, "failed");
  assert.equal((await orderOf(app, created.orderId)).status, "failed");
});

Deno.test("verify racing the webhook's fact: one payment, applied once", async () => {
  await using app = await testApp();
  const { body } = await basket(app);
  const created = await createdOk(app, body);
  const handed = await paid(app, created);
  const [payment] = app.razorpayEmulator!.payments();
  // What the webhook will record (lib/payments/razorpay event mapping): the same fact.
  const webhook = (i: number) =>
    recordFact(
      {
        kv: app.kv,
        now: () => new Date(),
        event: { provider: "razorpay", id: `evt_${i}`, type: "payment.captured" },
      },
      created.orderId,
      {
        kind: "payment_succeeded",
        sessionId: created.providerOrderId,
        paymentIntentId: payment.id,
        amount: payment.amount,
        currency: payment.currency.toLowerCase(),
      },
      { kind: "provider", eventId: `evt_${i}`, eventType: "payment.captured" },
    );
  const results = await Promise.all([
    ...Array.from({ length: 10 }, () => verify(app, handed).then((r) => r.status)),
    ...Array.from({ length: 10 }, (_, i) => webhook(i).then(() => 200)),
  ]);
  assert.deepEqual(new Set(results), new Set([200]));
  const order = await orderOf(app, created.orderId);
  assert.equal(order.status, "paid");
  assert.deepEqual(order.payment.paidIntentIds, [payment.id]);
  assert.equal(order.payment.amountReceived, order.total);
  const applied = (await outcomes(app, created.orderId)).filter((o) =>
    o === "payment_succeeded:applied"
  );
  assert.equal(applied.length, 1);
});

Deno.test("create-order and verify answer 422 when Razorpay is not offered", async () => {
  const config = parseConfig({
    SETTLE_ENV: "test",
    KV_PATH: ":memory:",
    PORT: "0",
    SESSION_SECRET: "test-secret-test-secret-test-secret!",
    STRIPE_WEBHOOK_SECRET: "whsec_test_secret",
    PAYMENT_PROVIDERS: "stripe",
    LOG_LEVEL: "error",
  });
  const runtime = await startRuntime(config, { islands: await testIslands(), listen: false });
  try {
    assert.equal(runtime.razorpayEmulator, null);
    const res = await runtime.app.request("/api/payments/create-order", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ items: [{ productId: "x", quantity: 1 }] }),
    });
    assert.equal(res.status, 422);
    assert.equal((await res.json()).error.code, "provider_not_enabled");
  } finally {
    await runtime.close();
  }
});
