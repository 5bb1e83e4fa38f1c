/**
 * Admin refunds that overlap each other and the provider's `charge.refunded` webhooks, on KV
 * `:memory:` with the Stripe emulator: each refund is recorded once by its provider id with
 * its own amount, whatever commits first, and every answer says what was actually done.
 */
import { deepStrictEqual as assertEquals, equal, ok } from "node:assert/strict";
import { listHistory } from "@/lib/db/orders.ts";
import { runAction } from "@/lib/admin/order_action.ts";
import { formatMoney, toMajorUnits } from "@/lib/orders/money.ts";
import type { Order } from "@/lib/orders/types.ts";
import type { PaymentProvider } from "@/lib/payments/provider.ts";
import { sdk } from "@/lib/payments/emulator/testing.ts";
import { eventually, type TestApp } from "../support/app.ts";
import { adminApp, API_TOKEN } from "../support/admin.ts";
import { checkoutOk, orderOf, postEvent, stockedProducts } from "../support/shop.ts";

const CARD = "4242424242424242";

/** A paid order of at least `minTotal` minor units. */
async function paidOrder(app: TestApp, minTotal: number): Promise<Order> {
  const products = await stockedProducts(app, 1);
  const pick = products
    .map((p) => ({ p, quantity: Math.ceil(minTotal / p.unitAmount) }))
    .find(({ p, quantity }) => quantity <= p.stock && quantity <= 20);
  if (!pick) throw new Error(`no demo product makes an order of ${minTotal}`);
  const s = await checkoutOk(app, {
    items: [{ productId: pick.p.id, quantity: pick.quantity }],
  });
  app.emulator!.pay(s.id, CARD);
  await eventually(async () => {
    const order = await orderOf(app, s.orderId);
    return order.status === "paid" && order.payment.paymentIntentId;
  });
  await app.emulator!.idle();
  return await orderOf(app, s.orderId);
}

interface Answer {
  status: number;
  message: string;
}

/** `POST /api/admin/orders/:id/actions` with the API token: its status and message. */
async function refundApi(app: TestApp, orderId: string, amount: string): Promise<Answer> {
  const res = await app.app.request(`/api/admin/orders/${orderId}/actions`, {
    method: "POST",
    headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ action: "refund", amount, reason: "customer asked" }),
  });
  const body = await res.json();
  return { status: res.status, message: body.message ?? body.error?.message };
}

/** The `charge.refunded` events the emulator made for the order's payment, oldest first. */
function refundEvents(app: TestApp, order: Order) {
  return app.emulator!.events().filter((e) =>
    e.type === "charge.refunded" &&
    (e.data.object as { payment_intent?: string }).payment_intent ===
      order.payment.paymentIntentId
  );
}

/** What the provider has refunded of the order's charge in total. */
function providerRefunded(app: TestApp, order: Order): number {
  const amounts = refundEvents(app, order).map((e) =>
    (e.data.object as { amount_refunded: number }).amount_refunded
  );
  return Math.max(0, ...amounts);
}

/** Each refund the order recorded, checked against the provider's own refund of that id. */
async function assertRecordedAsProviderMadeThem(app: TestApp, order: Order): Promise<number[]> {
  const stripe = sdk(app.emulator!);
  const refunds = order.payment.refunds ?? [];
  equal(new Set(refunds.map((r) => r.id)).size, refunds.length, "each refund id once");
  for (const r of refunds) {
    const made = await stripe.refunds.retrieve(r.id);
    assertEquals([made.amount, made.payment_intent], [r.amount, order.payment.paymentIntentId]);
  }
  return refunds.map((r) => r.amount).sort((a, b) => a - b);
}

Deno.test("two concurrent admin refunds of $9.50 and $9.00 are each recorded once by refund id, total exactly $18.50 before any webhook, each answer names its own amount, and the webhooks arriving after add nothing", async () => {
  await using app = await adminApp();
  const order = await paidOrder(app, 2500);
  // No webhook reaches Settle: the admin's own records must add up on their own.
  app.emulator!.setKnobs({ dropRate: 1 });
  const [a, b] = await Promise.all([
    refundApi(app, order.id, "9.50"),
    refundApi(app, order.id, "9.00"),
  ]);
  assertEquals([a, b], [
    { status: 200, message: "Refunded $9.50." },
    { status: 200, message: "Refunded $9.00." },
  ]);
  let after = await orderOf(app, order.id);
  equal(providerRefunded(app, order), 1850, "the provider made both refunds");
  equal(after.payment.refundedAmount, 1850);
  equal(after.payment.status, "partially_refunded");
  assertEquals(await assertRecordedAsProviderMadeThem(app, after), [900, 950]);

  // The provider's events, delivered late and in reverse: cumulative figures already covered.
  const events = refundEvents(app, order).toReversed();
  equal(events.length, 2);
  for (const e of events) {
    const res = await postEvent(app, e.type, e.data.object, { id: e.id });
    equal(res.status, 200, await res.text());
  }
  after = await orderOf(app, order.id);
  equal(after.payment.refundedAmount, 1850, "no refund counted twice");
  const provider = (await listHistory(app.kv, order.id)).filter((h) => h.fact?.kind === "refunded");
  assertEquals(provider.map((h) => h.outcome.kind), ["duplicate", "duplicate"]);
});

Deno.test("two concurrent refunds whose charge.refunded webhooks commit before the admin's own records total exactly their sum, and each answer names its own amount", async () => {
  await using app = await adminApp();
  const order = await paidOrder(app, 2500);
  const provider = app.deps.provider;
  let webhookFirst = 0;
  // The provider's answer reaches the admin only after its webhook is committed.
  const slow: PaymentProvider = Object.assign(Object.create(provider), {
    async refund(input: Parameters<PaymentProvider["refund"]>[0]) {
      const made = await provider.refund(input);
      await app.emulator!.idle();
      const seen = await orderOf(app, order.id);
      const recorded = seen.payment.refunds?.some((r) => r.id === made.id);
      // The webhook is in: the order already counts what the provider has refunded so far.
      if (!recorded && seen.payment.refundedAmount === providerRefunded(app, order)) {
        webhookFirst++;
      }
      return made;
    },
  });
  const deps = { ...app.deps, provider: slow };
  const admin = { id: "s1", actor: "admin", createdAt: "", expiresAt: "" };
  const refund = (amount: string) =>
    runAction(
      deps,
      order.id,
      { action: "refund", amount, full: false, reason: "customer asked" },
      admin,
    );
  const [a, b] = await Promise.all([refund("9.50"), refund("9.00")]);
  assertEquals([a.message, b.message], ["Refunded $9.50.", "Refunded $9.00."]);
  equal(webhookFirst, 2, "both webhooks were committed before their refund's record");

  const after = await orderOf(app, order.id);
  equal(providerRefunded(app, order), 1850);
  equal(after.payment.refundedAmount, 1850, "each refund counted once");
  assertEquals(await assertRecordedAsProviderMadeThem(app, after), [900, 950]);
  const history = await listHistory(app.kv, order.id);
  const refundFacts = history.filter((h) =>
    h.fact?.kind === "refunded" || h.fact?.kind === "refund_issued"
  );
  // Each webhook raised the total to the provider's figure; each record then added its id.
  assertEquals(
    refundFacts.map((h) => [h.fact!.kind, h.source.kind, h.outcome.kind]),
    [
      ["refunded", "provider", "applied"],
      ["refund_issued", "admin", "applied"],
      ["refunded", "provider", "applied"],
      ["refund_issued", "admin", "applied"],
    ],
  );
});

Deno.test('a refund larger than what is left is refused with the amount left as money ("At most $0.50 can still be refunded"), and nothing goes back', async () => {
  await using app = await adminApp();
  const order = await paidOrder(app, 2000);
  const allButFifty = toMajorUnits(order.total - 50, order.currency);
  equal((await refundApi(app, order.id, allButFifty)).status, 200);

  const refused = await refundApi(app, order.id, "1.00");
  assertEquals(refused, {
    status: 422,
    message: "At most $0.50 can still be refunded (asked for $1.00)",
  });
  await app.emulator!.idle();
  equal((await orderOf(app, order.id)).payment.refundedAmount, order.total - 50);
  equal(providerRefunded(app, order), order.total - 50);

  equal((await refundApi(app, order.id, "0.50")).message, "Refunded $0.50.");
  const nothing = await refundApi(app, order.id, "0.10");
  assertEquals(nothing, {
    status: 422,
    message: `Nothing is left to refund: ${formatMoney(order.total, order.currency)} has gone back`,
  });
});

Deno.test("of two concurrent refunds that together exceed the payment, the second to run is refused with what the first left, as money, and the provider refunds only the first", async () => {
  await using app = await adminApp();
  const order = await paidOrder(app, 2000);
  const money = (n: number) => formatMoney(n, order.currency);
  const amounts = [order.total - 50, 100];
  const answers = await Promise.all(
    amounts.map((n) => refundApi(app, order.id, toMajorUnits(n, order.currency))),
  );
  const won = answers.findIndex((a) => a.status === 200);
  const lost = 1 - won;
  ok(won >= 0, JSON.stringify(answers));
  assertEquals(answers[won].message, `Refunded ${money(amounts[won])}.`);
  assertEquals(answers[lost], {
    status: 422,
    message: `At most ${money(order.total - amounts[won])} can still be refunded ` +
      `(asked for ${money(amounts[lost])})`,
  });
  await app.emulator!.idle();
  equal(providerRefunded(app, order), amounts[won]);
  equal((await orderOf(app, order.id)).payment.refundedAmount, amounts[won]);
});
