/**
 * A signed event is trusted to say what happened, not which order it happened to: Settle's
 * own indexes decide that. And no signed event, however large its fields or ids, fails
 * forever.
 */
import assert from "node:assert/strict";
import { keys } from "@/lib/db/keys.ts";
import { listKeptEvents } from "@/lib/facts/kept_events.ts";
import { KEPT_PAYMENT_GRACE_MS } from "@/lib/facts/kept_events.ts";
import {
  stripeDispute,
  stripePaymentIntent,
  stripeSession,
} from "@/lib/payments/stripe_fixtures.ts";
import { reconcile } from "@/lib/reconcile/run.ts";
import { createTestApp, type TestApp } from "../support/app.ts";
import { checkoutOk, orderOf, postEvent, snapshot, stockedProducts } from "../support/shop.ts";

async function testApp() {
  const app = await createTestApp({ emulator: { dropRate: 1 } });
  return Object.assign(app, { [Symbol.asyncDispose]: () => app.close() });
}

async function placed(app: TestApp) {
  const [product] = await stockedProducts(app);
  const s = await checkoutOk(app, { items: [{ productId: product.id, quantity: 1 }] });
  return { ...s, total: (await orderOf(app, s.orderId)).total };
}

const pi = () => `pi_test_${crypto.randomUUID().replaceAll("-", "")}`;

Deno.test("a session event naming another order in its metadata pays the session's own order, flagged, and never re-points it", async () => {
  await using app = await testApp();
  const a = await placed(app);
  const b = await placed(app);
  const res = await postEvent(
    app,
    "checkout.session.completed",
    stripeSession({
      id: a.id,
      amount_total: a.total,
      payment_intent: pi(),
      metadata: { order_id: b.orderId, order_number: b.orderNumber },
    }),
  );
  assert.equal(res.status, 200);
  const [orderA, orderB] = [await orderOf(app, a.orderId), await orderOf(app, b.orderId)];
  assert.equal(orderA.status, "paid");
  assert.deepEqual(orderA.needsAttention.map((f) => f.reason), ["metadata_mismatch"]);
  assert.match(orderA.needsAttention[0].detail ?? "", new RegExp(b.orderId));
  assert.deepEqual([orderB.status, orderB.payment.amountReceived, orderB.needsAttention], [
    "pending",
    0,
    [],
  ]);
  const index = await app.kv.get<string>(keys.orderBySession("stripe", a.id));
  assert.equal(index.value, a.orderId, "the session still belongs to A");
  const page = await app.app.request(`/checkout/success?session_id=${a.id}`);
  const html = await page.text();
  assert.ok(html.includes(a.orderNumber) && !html.includes(b.orderNumber));
});

Deno.test("a payment intent no order has seen does not pay the order its metadata names; later it is held, not shipped", async () => {
  await using app = await testApp();
  const y = await placed(app);
  const intent = pi();
  const res = await postEvent(
    app,
    "payment_intent.succeeded",
    stripePaymentIntent({
      id: intent,
      amount: y.total,
      amount_received: y.total,
      metadata: { order_id: y.orderId, order_number: y.orderNumber },
    }),
  );
  assert.equal(res.status, 200);
  assert.equal((await orderOf(app, y.orderId)).status, "pending", "not trusted on metadata");
  const [kept] = await listKeptEvents(app.kv);
  assert.deepEqual([kept.reason, kept.namedOrderId], ["order_unknown", y.orderId]);
  const later = new Date(Date.now() + KEPT_PAYMENT_GRACE_MS);
  const run = await reconcile(app.deps, { olderThanMinutes: 60, now: later });
  assert.ok(run.ran && run.summary.unverified === 1);
  const order = await orderOf(app, y.orderId);
  assert.equal(order.payment.amountReceived, y.total, "the money is recorded, never lost");
  assert.deepEqual(order.needsAttention.map((f) => f.reason), ["unverified_payment"]);
  assert.equal(order.fulfillment.status, "not_attempted");
});

Deno.test("a 900 KB decline message or dispute reason is stored cut short, and the event answers 200", async () => {
  await using app = await testApp();
  const s = await placed(app);
  const intent = pi();
  const huge = "x".repeat(900 * 1024);
  const failed = await postEvent(
    app,
    "payment_intent.payment_failed",
    stripePaymentIntent({
      id: intent,
      amount_received: 0,
      metadata: { order_id: s.orderId },
      last_payment_error: { message: huge },
    }),
  );
  assert.equal(failed.status, 200, await failed.clone().text());
  const order = await orderOf(app, s.orderId);
  assert.equal(order.status, "failed");
  assert.ok(order.payment.failureReason!.length < 600);
  assert.match(order.payment.failureReason!, /\[truncated\]$/);
  const disputed = await postEvent(
    app,
    "charge.dispute.created",
    stripeDispute({ payment_intent: intent, amount: s.total, reason: huge }),
  );
  assert.equal(disputed.status, 200, await disputed.clone().text());
  const flag = (await orderOf(app, s.orderId)).needsAttention.find((f) => f.reason === "dispute");
  assert.ok(flag && flag.detail!.length < 700);
});

Deno.test("3,000-character ids in a signed event answer 400 or 200 and never reach a KV key", async () => {
  await using app = await testApp();
  const s = await placed(app);
  const long = "a".repeat(3000);
  const before = await snapshot(app.kv);
  const eventId = await postEvent(app, "checkout.session.completed", stripeSession(), {
    id: `evt_${long}`,
  });
  assert.equal(eventId.status, 400);
  assert.deepEqual(await snapshot(app.kv), before, "a refused event writes nothing");
  const cases: [string, unknown][] = [
    ["payment_intent.succeeded", stripePaymentIntent({ id: `pi_${long}` })],
    ["checkout.session.completed", stripeSession({ id: `cs_${long}` })],
    ["checkout.session.completed", stripeSession({ payment_intent: `pi_${long}` })],
    [
      "checkout.session.completed",
      stripeSession({ id: s.id, metadata: { order_id: long }, amount_total: s.total }),
    ],
    ["charge.dispute.created", stripeDispute({ payment_intent: `pi_${long}` })],
  ];
  for (const [type, object] of cases) {
    const res = await postEvent(app, type, object);
    assert.equal(res.status, 200, `${type}: ${await res.clone().text()}`);
  }
  assert.equal((await orderOf(app, s.orderId)).status, "paid", "its own session still pays it");
});
