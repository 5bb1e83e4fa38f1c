/**
 * POST /api/payments/webhook/razorpay through the real app and the embedded Razorpay
 * emulator, which delivers signed webhooks to the app's own server: signature failures,
 * each event type, duplicates, replays under new ids, verify racing the webhook, unknown
 * types and an early refund kept until its payment lands.
 */
import assert from "node:assert/strict";
import { refund } from "@/lib/admin/actions.ts";
import { keys } from "@/lib/db/keys.ts";
import { listKeptEvents } from "@/lib/facts/kept_events.ts";
import type { ProcessedEvent } from "@/lib/facts/record_fact.ts";
import type { RazorpayEmulatorOptions } from "@/lib/payments/razorpay/emulator/server.ts";
import { webhookSignature } from "@/lib/payments/razorpay/signature.ts";
import { ADMIN_PASSWORD, getPage, signIn } from "../support/admin.ts";
import { createTestApp, eventually } from "../support/app.ts";
import {
  assertUnchanged,
  NZ_DELIVERY,
  orderOf,
  outcomes,
  snapshot,
  stockedProducts,
} from "../support/shop.ts";

const WEBHOOK_SECRET = "razorpay-test-webhook-secret";
const PATH = "/api/payments/webhook/razorpay";
const ADMIN = { actor: "admin" };

async function testApp(razorpayEmulator: Partial<RazorpayEmulatorOptions> = {}) {
  const app = await createTestApp({
    env: {
      PAYMENT_PROVIDERS: "stripe,razorpay",
      RAZORPAY_KEY_SECRET: "razorpay-test-key-secret",
      RAZORPAY_WEBHOOK_SECRET: WEBHOOK_SECRET,
      ADMIN_PASSWORD,
    },
    razorpayEmulator: { maxAttempts: 3, ...razorpayEmulator },
  });
  return Object.assign(app, {
    rzp: app.razorpayEmulator!,
    [Symbol.asyncDispose]: () => app.close(),
  });
}

type App = Awaited<ReturnType<typeof testApp>>;

/** A saved order with a Razorpay order for it (no shipping: one digital-free basket). */
async function created(app: App) {
  const product = (await stockedProducts(app, 3)).find((p) => p.unitAmount < 8000)!;
  const res = await app.app.request("/api/payments/create-order", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      items: [{ productId: product.id, quantity: 1 }],
      customer: { email: "kim@example.com", name: "Kim Tan" },
      ...NZ_DELIVERY,
    }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return await res.json() as { orderId: string; providerOrderId: string; amount: number };
}

async function post(
  app: App,
  body: string,
  headers: Record<string, string | null>,
): Promise<Response> {
  const h = new Headers({ "content-type": "application/json" });
  for (const [k, v] of Object.entries(headers)) if (v !== null) h.set(k, v);
  return await app.app.request(PATH, { method: "POST", headers: h, body });
}

async function signed(app: App, body: string, eventId = newEventId()) {
  return await post(app, body, {
    "x-razorpay-signature": await webhookSignature(WEBHOOK_SECRET, body),
    "x-razorpay-event-id": eventId,
  });
}

const newEventId = () => `Evt${crypto.randomUUID().replaceAll("-", "").slice(0, 14)}`;

/** The emulator's event of `type` (for `paymentId` when given), as the bytes it signs. */
function eventOf(app: App, type: string, paymentId?: string) {
  const event = app.rzp.events().find((e) =>
    e.body.event === type && (!paymentId || e.body.payload.payment?.entity.id === paymentId)
  );
  if (!event) throw new Error(`no ${type} event`);
  return { id: event.id, raw: JSON.stringify(event.body) };
}

/** Waits for the outbox to finish what the events queued, so KV stays still. */
async function tasksDone(app: App) {
  await eventually(async () => {
    for await (const e of app.kv.list<{ status: string }>({ prefix: ["tasks"] })) {
      if (e.key.length === 2 && e.value.status === "pending") return false;
    }
    return true;
  });
}

async function processed(app: App, eventId: string) {
  return (await app.kv.get<ProcessedEvent>(keys.providerEvent("razorpay", eventId))).value;
}

Deno.test("a missing, wrong or tampered signature, or another secret, gets 400 and changes nothing", async () => {
  await using app = await testApp();
  const order = await created(app);
  app.rzp.setWebhookUrl(undefined);
  const { payment } = await app.rzp.pay(order.providerOrderId, "success");
  await app.rzp.idle();
  const { raw } = eventOf(app, "payment.captured", payment.id);
  const good = await webhookSignature(WEBHOOK_SECRET, raw);
  const before = await snapshot(app.kv);
  const cases: [string, string, Record<string, string | null>][] = [
    ["missing", raw, { "x-razorpay-signature": null, "x-razorpay-event-id": newEventId() }],
    ["empty", raw, { "x-razorpay-signature": "", "x-razorpay-event-id": newEventId() }],
    ["wrong", raw, { "x-razorpay-signature": "ab".repeat(32), "x-razorpay-event-id": "E1" }],
    ["not hex", raw, { "x-razorpay-signature": "zz", "x-razorpay-event-id": "E2" }],
    ["tampered body", raw.replace(`"amount":${order.amount}`, '"amount":1'), {
      "x-razorpay-signature": good,
      "x-razorpay-event-id": "E3",
    }],
    ["wrong secret", raw, {
      "x-razorpay-signature": await webhookSignature("another-secret", raw),
      "x-razorpay-event-id": "E4",
    }],
    ["signed, no event id", raw, { "x-razorpay-signature": good, "x-razorpay-event-id": null }],
    ["signed, odd event id", raw, {
      "x-razorpay-signature": good,
      "x-razorpay-event-id": "x".repeat(3000),
    }],
    ["signed, not an event", "[1]", {
      "x-razorpay-signature": await webhookSignature(WEBHOOK_SECRET, "[1]"),
      "x-razorpay-event-id": "E5",
    }],
  ];
  for (const [name, body, headers] of cases) {
    const res = await post(app, body, headers);
    assert.equal(res.status, 400, name);
    await res.body?.cancel();
  }
  await assertUnchanged(app.kv, before);
  assert.equal((await orderOf(app, order.orderId)).status, "pending");
});

Deno.test("a card payment: authorized, captured and order.paid pay the order once, with its card", async () => {
  await using app = await testApp();
  const order = await created(app);
  const { payment } = await app.rzp.pay(order.providerOrderId, "success");
  await app.rzp.idle();
  const paid = await orderOf(app, order.orderId);
  assert.equal(paid.status, "paid");
  assert.equal(paid.payment.provider, "razorpay");
  assert.equal(paid.payment.amountReceived, order.amount);
  assert.deepEqual(paid.payment.paidIntentIds, [payment.id]);
  assert.deepEqual(paid.payment.method, { brand: "visa", last4: "1111" });
  const payments = (await outcomes(app, order.orderId)).filter((o) => o.startsWith("payment_"));
  assert.deepEqual(payments, [
    "payment_succeeded:applied",
    "payment_succeeded:duplicate",
    "payment_succeeded:duplicate",
  ]);
  for (const type of ["payment.authorized", "payment.captured", "order.paid"]) {
    assert.ok(await processed(app, eventOf(app, type).id), type);
  }
});

Deno.test("payment.authorized without auto-capture is captured by Settle, idempotently", async () => {
  await using app = await testApp({ autoCapture: false });
  const order = await created(app);
  const { payment } = await app.rzp.pay(order.providerOrderId, "success");
  await app.rzp.idle();
  assert.equal(app.rzp.payments().find((p) => p.id === payment.id)?.status, "captured");
  const paid = await orderOf(app, order.orderId);
  assert.equal(paid.status, "paid");
  assert.equal(paid.payment.amountReceived, order.amount);
  // The same authorization again under a new id: "already captured", a duplicate.
  const authorized = eventOf(app, "payment.authorized");
  const res = await signed(app, authorized.raw);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).outcome, "duplicate");
  assert.equal((await orderOf(app, order.orderId)).payment.amountReceived, order.amount);
});

Deno.test("a decline fails the order with the bank's message; a rejected UPI too", async () => {
  await using app = await testApp();
  const order = await created(app);
  await app.rzp.pay(order.providerOrderId, "decline");
  await app.rzp.idle();
  const failed = await orderOf(app, order.orderId);
  assert.equal(failed.status, "failed");
  assert.equal(
    failed.payment.failureReason,
    "Your payment has been declined by the bank. Try another card.",
  );
  const { payment } = await app.rzp.pay(order.providerOrderId, "pending");
  app.rzp.settle(payment.id, "rejected");
  await app.rzp.idle();
  assert.equal((await orderOf(app, order.orderId)).payment.paymentIntentId, payment.id);
  assert.equal((await orderOf(app, order.orderId)).status, "failed");
});

Deno.test("a pending UPI payment pays the order once it settles", async () => {
  await using app = await testApp();
  const order = await created(app);
  const { payment } = await app.rzp.pay(order.providerOrderId, "pending");
  await app.rzp.idle();
  assert.equal((await orderOf(app, order.orderId)).status, "pending");
  app.rzp.settle(payment.id, "approved");
  await app.rzp.idle();
  const paid = await orderOf(app, order.orderId);
  assert.equal(paid.status, "paid");
  assert.equal(paid.payment.method ?? null, null);
});

Deno.test("refunds count by refund id, a failed one is flagged and counts nothing, disputes flag; unknown types are ignored", async () => {
  await using app = await testApp({ refundOutcome: "pending" });
  const order = await created(app);
  const { payment } = await app.rzp.pay(order.providerOrderId, "success");
  const client = app.deps.razorpay!.client;
  const first = await client.refund(payment.id, { amount: 500, receipt: "r1" });
  const second = await client.refund(payment.id, { amount: 300, receipt: "r2" });
  app.rzp.settleRefund(first.id, "processed");
  app.rzp.settleRefund(second.id, "failed");
  await app.rzp.idle();
  let after = await orderOf(app, order.orderId);
  assert.deepEqual(after.payment.refunds, [
    { id: first.id, paymentIntentId: payment.id, amount: 500 },
    { id: second.id, paymentIntentId: payment.id, amount: 300, failed: true },
  ]);
  assert.equal(after.payment.status, "partially_refunded");
  assert.equal(after.payment.refundedAmount, 500);
  const failed = await processed(app, eventOf(app, "refund.failed").id);
  assert.deepEqual(failed?.outcome, { kind: "flagged", reason: "refund_failed" });
  assert.equal(failed?.orderId, order.orderId);
  const flag = after.needsAttention.find((a) => a.reason === "refund_failed");
  assert.match(flag?.detail ?? "", new RegExp(second.id));
  const created_ = await processed(app, eventOf(app, "refund.created").id);
  assert.deepEqual(created_?.outcome, { kind: "ignored", reason: "unhandled_type" });

  const dispute = app.rzp.dispute(payment.id);
  await app.rzp.idle();
  after = await orderOf(app, order.orderId);
  const flags = after.needsAttention.filter((a) => a.reason === "dispute");
  assert.equal(flags.length, 1);
  assert.match(flags[0].detail ?? "", new RegExp(dispute.id));

  const res = await signed(
    app,
    JSON.stringify({ entity: "event", event: "payment.downtime.started", payload: {} }),
  );
  assert.equal(res.status, 200);
  assert.equal((await res.json()).outcome, "ignored");
});

Deno.test("an admin refund Razorpay accepts then fails stops counting, shows as failed to the admin, and the next refund is a new one", async () => {
  await using app = await testApp({ refundOutcome: "pending" });
  const order = await created(app);
  const { payment } = await app.rzp.pay(order.providerOrderId, "success");
  await app.rzp.idle();
  const first = await refund(app.deps, order.orderId, { amount: 400, reason: "dented" }, ADMIN);
  let after = await orderOf(app, order.orderId);
  assert.equal(after.payment.status, "partially_refunded");
  assert.equal(after.payment.refundedAmount, 400);

  app.rzp.settleRefund(first.refund.id, "failed");
  await app.rzp.idle();
  after = await orderOf(app, order.orderId);
  assert.equal(after.status, "paid");
  assert.equal(after.payment.status, "paid", "the money never left");
  assert.equal(after.payment.refundedAmount, 0);
  assert.ok(after.needsAttention.some((a) => a.reason === "refund_failed"));
  const page = await (await getPage(app, await signIn(app), `/admin/orders/${order.orderId}`))
    .text();
  assert.match(page, /A refund failed: the money was not returned/);
  assert.match(
    page,
    new RegExp(`${first.refund.id}</span> <span[^>]*>\\$4.00</span><span[^>]*>failed, not`),
  );

  const retried = await refund(app.deps, order.orderId, { amount: 400, reason: "dented" }, ADMIN);
  assert.notEqual(retried.refund.id, first.refund.id, "not the failed refund handed back");
  app.rzp.settleRefund(retried.refund.id, "processed");
  await app.rzp.idle();
  after = await orderOf(app, order.orderId);
  assert.equal(after.payment.refundedAmount, 400);
  assert.equal(after.payment.status, "partially_refunded");
  const made = app.rzp.refunds().filter((r) => r.payment_id === payment.id);
  assert.deepEqual(made.map((r) => r.status).sort(), ["failed", "processed"]);
});

Deno.test("duplicates ×20 apply once, and replays under new ids after the dedupe record expires are harmless", async () => {
  await using app = await testApp({ refundOutcome: "processed" });
  const order = await created(app);
  const { payment } = await app.rzp.pay(order.providerOrderId, "success");
  const refund = await app.deps.razorpay!.client.refund(payment.id, { amount: 700, receipt: "r" });
  app.rzp.dispute(payment.id);
  await app.rzp.idle();
  const settled = await orderOf(app, order.orderId);
  assert.equal(settled.payment.refundedAmount, 700);
  await tasksDone(app);
  const before = await snapshot(app.kv);
  const types = ["payment.captured", "order.paid", "refund.processed", "payment.dispute.created"];
  for (let i = 0; i < 20; i++) {
    for (const type of types) app.rzp.redeliver(eventOf(app, type).id);
  }
  await app.rzp.idle();
  await assertUnchanged(app.kv, before);

  // The dedupe records expire; the same signed bytes come back under new ids.
  for (const type of [...types, "payment.authorized"]) {
    const event = eventOf(app, type);
    await app.kv.delete(keys.providerEvent("razorpay", event.id));
    const res = await signed(app, event.raw);
    assert.equal(res.status, 200);
    assert.equal((await res.json()).outcome, "duplicate", type);
  }
  const after = await orderOf(app, order.orderId);
  assert.equal(after.payment.amountReceived, order.amount);
  assert.equal(after.payment.refundedAmount, 700);
  assert.deepEqual(after.payment.refunds?.map((r) => r.id), [refund.id]);
  assert.equal(after.needsAttention.filter((a) => a.reason === "dispute").length, 1);
  assert.equal(after.needsAttention.some((a) => a.reason === "second_payment"), false);
});

Deno.test("a failure replayed after the order is paid does not downgrade it", async () => {
  await using app = await testApp();
  const order = await created(app);
  await app.rzp.pay(order.providerOrderId, "decline");
  await app.rzp.pay(order.providerOrderId, "success");
  await app.rzp.idle();
  assert.equal((await orderOf(app, order.orderId)).status, "paid");
  const res = await signed(app, eventOf(app, "payment.failed").raw);
  assert.equal((await res.json()).outcome, "ignored");
  assert.equal((await orderOf(app, order.orderId)).status, "paid");
});

Deno.test("verify racing the real webhook applies one payment", async () => {
  await using app = await testApp();
  const order = await created(app);
  const { response } = await app.rzp.pay(order.providerOrderId, "success");
  const verify = app.app.request("/api/payments/verify", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ orderId: order.orderId, ...response }),
  });
  const [res] = await Promise.all([verify, app.rzp.idle()]);
  assert.equal(res.status, 200, await res.clone().text());
  const paid = await orderOf(app, order.orderId);
  assert.equal(paid.status, "paid");
  assert.equal(paid.payment.amountReceived, order.amount);
  assert.equal(paid.payment.paidIntentIds.length, 1);
  assert.equal(paid.needsAttention.length, 0);
  const payments = (await outcomes(app, order.orderId)).filter((o) => o.startsWith("payment_"));
  assert.deepEqual(payments.filter((o) => o.endsWith(":applied")), ["payment_succeeded:applied"]);
  assert.ok(payments.length >= 2, "the webhook's events were recorded too");
});

Deno.test("a refund that arrives before its payment is kept, then applied once the payment lands", async () => {
  await using app = await testApp({ refundOutcome: "processed" });
  const order = await created(app);
  app.rzp.setWebhookUrl(undefined);
  const { payment } = await app.rzp.pay(order.providerOrderId, "success");
  const refund = await app.deps.razorpay!.client.refund(payment.id, { amount: 400, receipt: "r" });
  await app.rzp.idle();
  app.rzp.setWebhookUrl(`${app.url}${PATH}`);
  const early = eventOf(app, "refund.processed");
  app.rzp.redeliver(early.id);
  await app.rzp.idle();
  assert.equal((await processed(app, early.id))?.kept, "order_unknown");
  const kept = await listKeptEvents(app.kv);
  assert.deepEqual(kept.map((k) => [k.provider, k.eventId, k.type]), [
    ["razorpay", early.id, "refund.processed"],
  ]);
  assert.match(kept[0].summary, new RegExp(`refund ${refund.id}, 400`));
  assert.equal((await orderOf(app, order.orderId)).payment.refundedAmount, 0);

  app.rzp.redeliver(eventOf(app, "payment.captured").id);
  await app.rzp.idle();
  const after = await eventually(async () => {
    const o = await orderOf(app, order.orderId);
    return o.payment.refundedAmount === 400 ? o : null;
  });
  assert.equal(after.status, "paid");
  assert.deepEqual(after.payment.refunds?.map((r) => r.id), [refund.id]);
  assert.equal((await processed(app, early.id))?.kept, undefined);
  assert.deepEqual(await listKeptEvents(app.kv), []);
});

Deno.test("/api/payments/webhook/stripe is Stripe's webhook too", async () => {
  await using app = await testApp();
  const res = await app.app.request("/api/payments/webhook/stripe", {
    method: "POST",
    headers: { "content-type": "application/json", "stripe-signature": "t=1,v1=00" },
    body: "{}",
  });
  assert.equal(res.status, 400);
  assert.match(await res.text(), /webhook_verification_failed/);
});
