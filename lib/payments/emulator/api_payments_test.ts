import assert from "node:assert/strict";
import Stripe from "stripe";
import { TEST_CARDS } from "./server.ts";
import { sdk, sessionParams, startTestEmulator } from "./testing.ts";

Deno.test("payment intent: created on the first attempt, metadata from payment_intent_data", async () => {
  const emulator = await startTestEmulator();
  try {
    const stripe = sdk(emulator);
    const session = await stripe.checkout.sessions.create(sessionParams());
    emulator.pay(session.id, TEST_CARDS.success);
    const paid = await stripe.checkout.sessions.retrieve(session.id, {
      expand: ["payment_intent"],
    });
    const intent = paid.payment_intent as Stripe.PaymentIntent;
    assert.match(intent.id, /^pi_test_/);
    assert.equal(intent.status, "succeeded");
    assert.equal(intent.amount, 2500);
    assert.equal(intent.amount_received, 2500);
    assert.deepEqual(intent.metadata, { order_id: "order_1" });
    assert.match(intent.latest_charge as string, /^ch_test_/);
  } finally {
    await emulator.close();
  }
});

Deno.test("refunds: partial, then the rest; never more than was received", async () => {
  const emulator = await startTestEmulator();
  try {
    const stripe = sdk(emulator);
    const session = await stripe.checkout.sessions.create(sessionParams());
    const unpaid = emulator.pay(session.id, TEST_CARDS.genericDecline).session;
    await assert.rejects(
      stripe.refunds.create({ payment_intent: unpaid.payment_intent! }),
      (err) =>
        err instanceof Stripe.errors.StripeInvalidRequestError &&
        err.statusCode === 400,
    );
    const intentId = emulator.pay(session.id, TEST_CARDS.success).session
      .payment_intent!;

    const partial = await stripe.refunds.create({
      payment_intent: intentId,
      amount: 1000,
    });
    assert.equal(partial.amount, 1000);
    assert.equal(partial.status, "succeeded");
    await assert.rejects(
      stripe.refunds.create({ payment_intent: intentId, amount: 1501 }),
      (err) =>
        err instanceof Stripe.errors.StripeInvalidRequestError &&
        err.code === "amount_too_large",
    );
    const rest = await stripe.refunds.create({ payment_intent: intentId });
    assert.equal(rest.amount, 1500);
    await assert.rejects(
      stripe.refunds.create({ payment_intent: intentId, amount: 1 }),
      (err) =>
        err instanceof Stripe.errors.StripeInvalidRequestError &&
        err.code === "charge_already_refunded",
    );
    const refunded = emulator.events().filter((e) => e.type === "charge.refunded")
      .map((e) => e.data.object as { amount_refunded: number; refunded: boolean });
    assert.deepEqual(refunded.map((c) => [c.amount_refunded, c.refunded]), [[
      1000,
      false,
    ], [2500, true]]);
  } finally {
    await emulator.close();
  }
});

Deno.test("lists: events by type and sessions page by page", async () => {
  const emulator = await startTestEmulator();
  try {
    const stripe = sdk(emulator);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await stripe.checkout.sessions.create(sessionParams())).id);
    }
    emulator.pay(ids[0], TEST_CARDS.success);
    const completed = await stripe.events.list({
      type: "checkout.session.completed",
    });
    assert.equal(completed.data.length, 1);
    assert.equal(
      (completed.data[0].data.object as Stripe.Checkout.Session).id,
      ids[0],
    );
    const seen: string[] = [];
    for await (const session of stripe.checkout.sessions.list({ limit: 2 })) {
      seen.push(session.id);
    }
    assert.deepEqual(seen, [...ids].reverse());
  } finally {
    await emulator.close();
  }
});
