/**
 * Money in the wrong amount or currency is not "paid" to the shopper. A signed completed
 * session that does not match its order is recorded (money facts win) and flagged, but the
 * shopper's status API and pages say it is under review, a retry is refused as such, the
 * order keeps its own currency with what arrived recorded beside it, and nothing ships
 * until an admin acknowledges the flag. Adaptive Pricing paid in full stays plainly paid.
 */
import {
  deepStrictEqual as assertEquals,
  doesNotMatch,
  equal,
  match,
  ok,
} from "node:assert/strict";
import { UNDER_REVIEW_TITLE } from "@/lib/checkout/checkout_state.ts";
import { signOrderToken } from "@/lib/checkout/owner_token.ts";
import { createProduct, getStock, randomProduct } from "@/lib/db/products.ts";
import { stripeSession } from "@/lib/payments/stripe_fixtures.ts";
import { listOrderTasks } from "@/lib/tasks/outbox.ts";
import { eventually, type TestApp } from "../support/app.ts";
import { act, adminApp, getPage, signIn } from "../support/admin.ts";
import { type Checkout, checkoutOk, orderOf, postEvent } from "../support/shop.ts";

/**
 * Webhooks from the emulator are dropped (the signed events below are the only ones), and
 * the demo supplier ships whatever is handed to it, so "not shipped" means held.
 */
async function testApp() {
  return await adminApp({ emulator: { dropRate: 1 }, env: { FULFILLMENT_ADAPTER: "demo" } });
}

/** An order for one 18.00 NZD cap, the example. */
async function capOrder(app: TestApp): Promise<Checkout & { productId: string }> {
  const cap = await createProduct(app.kv, randomProduct({ unitAmount: 1800 }), 5);
  const s = await checkoutOk(app, { items: [{ productId: cap.id, quantity: 1 }] });
  equal((await orderOf(app, s.orderId)).total, 1800);
  return { ...s, productId: cap.id };
}

/** A signed checkout.session.completed for the order's session, paid as `paid`. */
async function completed(app: TestApp, s: Checkout, paid: Record<string, unknown>) {
  const res = await postEvent(
    app,
    "checkout.session.completed",
    stripeSession({
      id: s.id,
      payment_intent: `pi_test_${s.orderId}`,
      metadata: { order_id: s.orderId, order_number: s.orderNumber },
      ...paid,
    }),
  );
  equal(res.status, 200, await res.clone().text());
}

async function statusJson(app: TestApp, sessionId: string) {
  const res = await app.app.request(`/api/orders/by-session/${sessionId}`);
  equal(res.status, 200);
  return await res.json();
}

async function retry(app: TestApp, orderId: string) {
  const token = await signOrderToken(app.deps.secret, orderId);
  return await app.app.request(`/api/orders/${orderId}/retry-session?token=${token}`, {
    method: "POST",
  });
}

/** Waits until every follow-up the order has queued so far has run. */
async function settled(app: TestApp, orderId: string) {
  await eventually(async () =>
    (await listOrderTasks(app.kv, orderId)).every((t) => t.status !== "pending")
  );
}

/**
 * Everything the shopper and the shop see of a payment under review, then the admin's
 * go-ahead: `arrived` is what the signed event said came in.
 */
async function assertUnderReviewUntilAcknowledged(
  app: TestApp,
  s: Checkout & { productId: string },
  arrived: { amount: number; currency: string },
) {
  const order = await orderOf(app, s.orderId);
  assertEquals([order.currency, order.payment.currency], ["nzd", "nzd"]);
  assertEquals(order.payment.received, arrived);
  assertEquals(order.needsAttention.map((a) => a.reason), ["amount_mismatch"]);

  const json = await statusJson(app, s.id);
  assertEquals([json.status, json.paymentStatus, json.currency, json.total], [
    "under_review",
    "under_review",
    "nzd",
    1800,
  ]);

  const success = await (await app.app.request(`/checkout/success?session_id=${s.id}`)).text();
  match(success, /data-state="under_review"/);
  match(success, new RegExp(UNDER_REVIEW_TITLE));
  match(success, /Please don’t pay again/);
  doesNotMatch(success, /Payment received\. Thank you!/);
  const token = await signOrderToken(app.deps.secret, s.orderId);
  const page = await (await app.app.request(`/orders/${s.orderId}?token=${token}`)).text();
  match(page, /Payment under review/);
  doesNotMatch(page, /Paid, being prepared/);
  const cancel = await (await app.app.request(
    `/checkout/cancel?order=${s.orderId}&token=${token}`,
  )).text();
  match(cancel, new RegExp(UNDER_REVIEW_TITLE));
  doesNotMatch(cancel, /already paid/);

  const refused = await retry(app, s.orderId);
  equal(refused.status, 409);
  const { error } = await refused.json();
  equal(error.code, "payment_under_review");
  match(error.message, /doesn’t match/);
  equal(app.emulator!.sessions().length, 1, "no new payment page was opened");

  const cookie = await signIn(app);
  const admin = await (await getPage(app, cookie, `/admin/orders/${s.orderId}`)).text();
  match(admin, new RegExp(`data-payment-received="${arrived.amount} ${arrived.currency}"`));

  await settled(app, s.orderId);
  const held = await orderOf(app, s.orderId);
  assertEquals([held.fulfillment.status, held.stock], ["not_attempted", "reserved"]);

  const ack = await act(app, cookie, s.orderId, {
    action: "acknowledge",
    flag: "amount_mismatch",
    note: "Checked with the customer; accepted",
  });
  equal(ack.status, 303);
  const shipped = await eventually(async () => {
    const o = await orderOf(app, s.orderId);
    return o.status === "fulfilled" && o;
  });
  equal(shipped.fulfillment.status, "success");
  equal((await getStock(app.kv, [s.productId])).get(s.productId), 4);
  equal((await statusJson(app, s.id)).status, "fulfilled");
}

Deno.test("a signed completed session for 1 USD on an 18.00 NZD order keeps NZD, records 100 USD beside it, reads under review in the status API, success and order pages, refuses a retry as payment_under_review, and ships only after an admin acknowledges it", async () => {
  await using app = await testApp();
  const s = await capOrder(app);
  await completed(app, s, { amount_total: 100, amount_subtotal: 100, currency: "usd" });
  await assertUnderReviewUntilAcknowledged(app, s, { amount: 100, currency: "usd" });
});

Deno.test("a signed completed session for 17.00 NZD on an 18.00 NZD order is under review the same way, with 1700 NZD recorded, until an admin acknowledges it", async () => {
  await using app = await testApp();
  const s = await capOrder(app);
  await completed(app, s, { amount_total: 1700, amount_subtotal: 1700, currency: "nzd" });
  await assertUnderReviewUntilAcknowledged(app, s, { amount: 1700, currency: "nzd" });
});

Deno.test("an Adaptive Pricing session paid in full (18.00 NZD charged as 10.35 USD) reads Paid everywhere and records no mismatch", async () => {
  await using app = await testApp();
  const s = await capOrder(app);
  await completed(app, s, {
    amount_total: 1800,
    amount_subtotal: 1800,
    currency: "nzd",
    presentment_details: { presentment_amount: 1035, presentment_currency: "usd" },
  });
  const order = await orderOf(app, s.orderId);
  assertEquals([order.status, order.payment.currency, order.payment.amountReceived], [
    "paid",
    "nzd",
    1800,
  ]);
  assertEquals(order.payment.presentment, { amount: 1035, currency: "usd" });
  equal(order.payment.received, undefined);
  assertEquals(order.needsAttention, []);
  const json = await statusJson(app, s.id);
  assertEquals([json.status, json.paymentStatus], ["paid", "paid"]);
  const success = await (await app.app.request(`/checkout/success?session_id=${s.id}`)).text();
  match(success, /data-state="paid"/);
  match(success, /Payment received\. Thank you!/);
  const refused = await retry(app, s.orderId);
  equal(refused.status, 409);
  equal((await refused.json()).error.code, "order_paid");
  ok(await eventually(async () => (await orderOf(app, s.orderId)).status === "fulfilled"));
});
