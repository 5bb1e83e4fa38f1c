/**
 * Events that arrive before the order they refer to is known are kept, not dropped, and
 * applied as soon as it is: the final state does not depend on arrival order.
 */
import assert from "node:assert/strict";
import { keys } from "@/lib/db/keys.ts";
import { listKeptEvents } from "@/lib/facts/kept_events.ts";
import type { ProcessedEvent } from "@/lib/facts/record_fact.ts";
import type { Order } from "@/lib/orders/types.ts";
import {
  stripeCharge,
  stripeDispute,
  stripePaymentIntent,
  stripeSession,
} from "@/lib/payments/stripe_fixtures.ts";
import { listOrderTasks } from "@/lib/tasks/outbox.ts";
import { createTestApp, eventually, type TestApp } from "../support/app.ts";
import { adminApp, getPage, signIn } from "../support/admin.ts";
import { checkoutOk, orderOf, postEvent, stockedProducts } from "../support/shop.ts";

async function testApp() {
  // No deliveries from the emulator: every event in these tests is posted by hand.
  const app = await createTestApp({ emulator: { dropRate: 1 } });
  return Object.assign(app, { [Symbol.asyncDispose]: () => app.close() });
}

async function placed(app: TestApp) {
  const [product] = await stockedProducts(app);
  const s = await checkoutOk(app, { items: [{ productId: product.id, quantity: 1 }] });
  return { ...s, total: (await orderOf(app, s.orderId)).total };
}

/** The four events of one paid, partly refunded and disputed order; charges carry no metadata. */
function eventsFor(s: { id: string; orderId: string; orderNumber: string; total: number }) {
  const pi = `pi_test_${crypto.randomUUID().replaceAll("-", "")}`;
  const meta = { order_id: s.orderId, order_number: s.orderNumber };
  return {
    pi,
    events: {
      completed: stripeSession({
        id: s.id,
        amount_total: s.total,
        amount_subtotal: s.total,
        metadata: meta,
        payment_intent: pi,
      }),
      succeeded: stripePaymentIntent({
        id: pi,
        amount: s.total,
        amount_received: s.total,
        metadata: meta,
      }),
      refunded: stripeCharge({
        amount: s.total,
        amount_refunded: 300,
        refunded: false,
        payment_intent: pi,
        metadata: {},
      }),
      disputed: stripeDispute({ amount: s.total, payment_intent: pi, metadata: {} }),
    } as Record<string, unknown>,
  };
}

const TYPES: Record<string, string> = {
  completed: "checkout.session.completed",
  succeeded: "payment_intent.succeeded",
  refunded: "charge.refunded",
  disputed: "charge.dispute.created",
};

/** What must not depend on arrival order. */
function finalState(order: Order) {
  return {
    status: order.status,
    payment: order.payment.status,
    received: order.payment.amountReceived,
    refunded: order.payment.refundedAmount,
    intents: order.payment.paidIntentIds.length,
    flags: order.needsAttention.map((a) => a.reason).sort(),
  };
}

/** Waits until no kept event is left for the order and its follow-ups have run. */
async function settled(app: TestApp, orderId: string): Promise<Order> {
  await eventually(async () => {
    const tasks = await listOrderTasks(app.kv, orderId);
    const kept = await listKeptEvents(app.kv);
    return kept.length === 0 && tasks.every((t) => t.status !== "pending" || t.dueAt > Date.now());
  });
  return await orderOf(app, orderId);
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest])
  );
}

Deno.test("a refund naming an unindexed payment intent is kept, then applied when the payment lands", async () => {
  await using app = await testApp();
  const s = await placed(app);
  const { events } = eventsFor(s);
  const early = await postEvent(app, TYPES.refunded, events.refunded);
  assert.equal(early.status, 200);
  const [kept] = await listKeptEvents(app.kv);
  assert.equal(kept.reason, "order_unknown");
  assert.equal(kept.type, "charge.refunded");
  assert.ok(kept.payload?.includes(kept.refs[0].id), "the verified payload is kept");
  assert.equal((await orderOf(app, s.orderId)).payment.refundedAmount, 0);
  await postEvent(app, TYPES.completed, events.completed);
  const order = await settled(app, s.orderId);
  assert.deepEqual([order.payment.refundedAmount, order.payment.status], [
    300,
    "partially_refunded",
  ]);
});

Deno.test("a dispute before its payment is kept and flags the order once the payment lands", async () => {
  await using app = await testApp();
  const s = await placed(app);
  const { events } = eventsFor(s);
  await postEvent(app, TYPES.disputed, events.disputed);
  await postEvent(app, TYPES.completed, events.completed);
  const order = await settled(app, s.orderId);
  assert.deepEqual(finalState(order).flags, ["dispute"]);
});

Deno.test("every order of {session completed, intent succeeded, partial refund, dispute} ends in the same state", async () => {
  await using app = await testApp();
  const names = Object.keys(TYPES);
  const finals = new Map<string, string>();
  for (const order of permutations(names)) {
    const s = await placed(app);
    const { events } = eventsFor(s);
    for (const name of order) {
      const res = await postEvent(app, TYPES[name], events[name]);
      assert.equal(res.status, 200, `${order.join(" → ")}: ${name}`);
    }
    finals.set(order.join(" → "), JSON.stringify(finalState(await settled(app, s.orderId))));
  }
  assert.equal(finals.size, 24);
  assert.deepEqual(new Set(finals.values()).size, 1, [...finals].join("\n"));
  assert.deepEqual(JSON.parse([...finals.values()][0]), {
    status: "paid",
    payment: "partially_refunded",
    received: JSON.parse([...finals.values()][0]).received,
    refunded: 300,
    intents: 1,
    flags: ["dispute"],
  });
});

Deno.test("an event about another app's objects stays kept and visible as unmatched", async () => {
  await using app = await testApp();
  const foreign = stripeCharge({
    amount: 999,
    amount_refunded: 999,
    payment_intent: "pi_other_app_123",
    metadata: {},
  });
  const res = await postEvent(app, "charge.refunded", foreign, { id: "evt_foreign_1" });
  assert.equal(res.status, 200);
  const again = await postEvent(app, "charge.refunded", foreign, { id: "evt_foreign_1" });
  assert.equal((await again.json()).outcome, "already_processed");
  const kept = await listKeptEvents(app.kv);
  assert.deepEqual(kept.map((k) => [k.eventId, k.reason]), [["evt_foreign_1", "order_unknown"]]);
  assert.match(kept[0].summary, /pi_other_app_123/);
  const processed = await app.kv.get<ProcessedEvent>(
    keys.providerEvent("stripe", "evt_foreign_1"),
  );
  assert.equal(processed.value?.kept, "order_unknown");
});

Deno.test("a signed event whose payload fails the schema is kept as malformed_payload, not unhandled_type", async () => {
  await using app = await testApp();
  const res = await postEvent(app, "charge.refunded", { id: "ch_broken", currency: 12 }, {
    id: "evt_malformed_1",
  });
  assert.equal(res.status, 200);
  const processed = await app.kv.get<ProcessedEvent>(
    keys.providerEvent("stripe", "evt_malformed_1"),
  );
  assert.deepEqual(processed.value?.outcome, { kind: "ignored", reason: "malformed_payload" });
  const [kept] = await listKeptEvents(app.kv);
  assert.deepEqual([kept.eventId, kept.reason, kept.fact], [
    "evt_malformed_1",
    "malformed_payload",
    null,
  ]);
  assert.ok(kept.detail, "says why it did not parse");
});

Deno.test("admins see unmatched events with their count, age, reason and a payload summary", async () => {
  await using app = await adminApp({ emulator: { dropRate: 1 } });
  const foreign = stripeCharge({ amount: 999, payment_intent: "pi_other_app_456", metadata: {} });
  await postEvent(app, "charge.refunded", foreign, { id: "evt_foreign_2" });
  await postEvent(app, "charge.refunded", { id: "ch_x", currency: 7 }, { id: "evt_bad_2" });
  const page = await getPage(app, await signIn(app), "/admin/events");
  assert.equal(page.status, 200);
  assert.equal(page.headers.get("cache-control"), "no-store");
  const html = await page.text();
  assert.match(html, /data-kept-count="2"/);
  assert.match(html, /evt_foreign_2/);
  assert.match(html, /pi_other_app_456/);
  assert.match(html, /No order has this session or payment yet/);
  assert.match(html, /Signed, but not in the shape Settle reads/);
  assert.match(html, /0 min/);
});
