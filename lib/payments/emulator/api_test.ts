import assert from "node:assert/strict";
import Stripe from "stripe";
import { TEST_CARDS } from "./server.ts";
import { sdk, sessionParams, startTestEmulator, waitFor } from "./testing.ts";

Deno.test("API refuses requests without a test secret key, in Stripe's error shape", async () => {
  const emulator = await startTestEmulator();
  try {
    const anonymous = await fetch(
      `${emulator.url}/v1/checkout/sessions/cs_test_x`,
    );
    assert.equal(anonymous.status, 401);
    const body = await anonymous.json();
    assert.equal(body.error.type, "invalid_request_error");
    assert.match(body.error.message, /did not provide an API key/);

    await assert.rejects(
      sdk(emulator, "sk_live_123456789012").checkout.sessions.create(
        sessionParams(),
      ),
      (err) =>
        err instanceof Stripe.errors.StripeAuthenticationError &&
        err.statusCode === 401,
    );
  } finally {
    await emulator.close();
  }
});

Deno.test("checkout session: create and retrieve with Stripe's shape", async () => {
  const emulator = await startTestEmulator();
  try {
    const stripe = sdk(emulator);
    const created = await stripe.checkout.sessions.create(sessionParams());
    assert.match(created.id, /^cs_test_/);
    assert.equal(created.object, "checkout.session");
    assert.equal(created.url, `${emulator.url}/pay/${created.id}`);
    assert.equal(created.status, "open");
    assert.equal(created.payment_status, "unpaid");
    assert.equal(created.amount_total, 2500);
    assert.equal(created.amount_subtotal, 2500);
    assert.equal(created.currency, "nzd");
    assert.equal(created.client_reference_id, "order_1");
    assert.deepEqual(created.metadata, { order_id: "order_1" });
    assert.equal(created.payment_intent, null);
    assert.equal(created.livemode, false);
    assert.equal(created.success_url, sessionParams().success_url);
    assert.ok(created.expires_at - created.created === 24 * 60 * 60);

    const fetched = await stripe.checkout.sessions.retrieve(created.id);
    assert.deepEqual({ ...fetched }, { ...created });
    const items = await stripe.checkout.sessions.listLineItems(created.id);
    assert.equal(items.data[0].description, "Tea towel");
    assert.equal(items.data[0].quantity, 2);
  } finally {
    await emulator.close();
  }
});

Deno.test("checkout session: invalid parameters are refused with the param named", async () => {
  const emulator = await startTestEmulator();
  try {
    const stripe = sdk(emulator);
    const refused = (
      params: Stripe.Checkout.SessionCreateParams,
      param: string,
    ) =>
      assert.rejects(
        stripe.checkout.sessions.create(params),
        (err) =>
          err instanceof Stripe.errors.StripeInvalidRequestError &&
          err.param === param,
      );
    await refused(
      sessionParams({ success_url: "javascript:alert(1)" }),
      "success_url",
    );
    await refused(sessionParams({ line_items: [] }), "line_items");
    await refused(
      sessionParams({
        line_items: [{
          price_data: {
            currency: "nzd",
            unit_amount: 100,
            product_data: { name: "x" },
          },
        }],
      }),
      "line_items[0][quantity]",
    );
    await refused(
      {
        ...sessionParams(),
        unknown_thing: "1",
      } as Stripe.Checkout.SessionCreateParams,
      "unknown_thing",
    );
  } finally {
    await emulator.close();
  }
});

Deno.test("checkout session: expires_at must be 30 minutes to 24 hours ahead", async () => {
  const start = Date.UTC(2026, 0, 1);
  const emulator = await startTestEmulator({ now: () => start });
  try {
    const stripe = sdk(emulator);
    const nowSec = start / 1000;
    for (const offset of [29 * 60, 24 * 60 * 60 + 1, -60]) {
      await assert.rejects(
        stripe.checkout.sessions.create(
          sessionParams({ expires_at: nowSec + offset }),
        ),
        (err) =>
          err instanceof Stripe.errors.StripeInvalidRequestError &&
          err.param === "expires_at",
      );
    }
    for (const offset of [30 * 60, 24 * 60 * 60]) {
      const session = await stripe.checkout.sessions.create(
        sessionParams({ expires_at: nowSec + offset }),
      );
      assert.equal(session.expires_at, nowSec + offset);
    }
  } finally {
    await emulator.close();
  }
});

Deno.test("checkout session: expire only while open; events and canceled PaymentIntent", async () => {
  const emulator = await startTestEmulator();
  try {
    const stripe = sdk(emulator);
    const session = await stripe.checkout.sessions.create(sessionParams());
    assert.equal(
      emulator.pay(session.id, TEST_CARDS.genericDecline).status,
      "declined",
    );
    const expired = await stripe.checkout.sessions.expire(session.id);
    assert.equal(expired.status, "expired");
    assert.equal(expired.url, null);
    const intent = await stripe.paymentIntents.retrieve(
      expired.payment_intent as string,
    );
    assert.equal(intent.status, "canceled");
    await assert.rejects(
      stripe.checkout.sessions.expire(session.id),
      (err) =>
        err instanceof Stripe.errors.StripeInvalidRequestError &&
        err.statusCode === 400,
    );
    const types = emulator.events().map((e) => e.type);
    assert.deepEqual(types.slice(-2), [
      "payment_intent.canceled",
      "checkout.session.expired",
    ]);
    const expiredEvent = emulator.events().at(-1)!;
    assert.match(expiredEvent.request.id ?? "", /^req_/);

    const paid = await stripe.checkout.sessions.create(sessionParams());
    emulator.pay(paid.id, TEST_CARDS.success);
    await assert.rejects(
      stripe.checkout.sessions.expire(paid.id),
      /status of "complete"/,
    );
  } finally {
    await emulator.close();
  }
});

Deno.test("checkout session: expires by itself once expires_at passes (read and timer)", async () => {
  let clock = Date.UTC(2026, 0, 1);
  const emulator = await startTestEmulator({ now: () => clock });
  try {
    const stripe = sdk(emulator);
    const readLazily = await stripe.checkout.sessions.create(sessionParams());
    const byTimer = await stripe.checkout.sessions.create(sessionParams());
    clock += 24 * 60 * 60 * 1000;
    assert.equal(
      (await stripe.checkout.sessions.retrieve(readLazily.id)).status,
      "expired",
    );
    const expiredIds = () =>
      emulator.events()
        .filter((e) => e.type === "checkout.session.expired")
        .map((e) => (e.data.object as { id: string }).id);
    // byTimer is never read: only the sweep can expire it.
    await waitFor(() => expiredIds().length === 2);
    assert.deepEqual(expiredIds().sort(), [readLazily.id, byTimer.id].sort());
    assert.equal(
      emulator.pay(byTimer.id, TEST_CARDS.success).status,
      "unavailable",
    );
  } finally {
    await emulator.close();
  }
});

Deno.test("idempotency: same key and body replays; a different body is refused", async () => {
  const emulator = await startTestEmulator();
  try {
    const stripe = sdk(emulator);
    const first = await stripe.checkout.sessions.create(sessionParams(), {
      idempotencyKey: "k1",
    });
    const again = await stripe.checkout.sessions.create(sessionParams(), {
      idempotencyKey: "k1",
    });
    assert.equal(again.id, first.id);
    const replay = await fetch(
      `${emulator.url}/v1/checkout/sessions/${first.id}/expire`,
      {
        method: "POST",
        headers: { authorization: "Bearer sk_test_x", "idempotency-key": "k3" },
      },
    );
    const replayed = await fetch(
      `${emulator.url}/v1/checkout/sessions/${first.id}/expire`,
      {
        method: "POST",
        headers: { authorization: "Bearer sk_test_x", "idempotency-key": "k3" },
      },
    );
    assert.equal(replayed.headers.get("idempotent-replayed"), "true");
    assert.deepEqual(await replayed.json(), await replay.json());
    assert.equal(emulator.sessions().length, 1);

    await assert.rejects(
      stripe.checkout.sessions.create(
        sessionParams({ client_reference_id: "other" }),
        {
          idempotencyKey: "k1",
        },
      ),
      (err) =>
        err instanceof Stripe.errors.StripeIdempotencyError &&
        err.statusCode === 400,
    );
    // A request whose parameters failed validation is not remembered.
    await assert.rejects(
      stripe.checkout.sessions.create(sessionParams({ success_url: "nope" }), {
        idempotencyKey: "k2",
      }),
    );
    const fixed = await stripe.checkout.sessions.create(sessionParams(), {
      idempotencyKey: "k2",
    });
    assert.notEqual(fixed.id, first.id);
    assert.equal(emulator.sessions().length, 2);
    assert.equal(
      emulator.events().filter((e) => e.type === "checkout.session.expired")
        .length,
      1,
    );
  } finally {
    await emulator.close();
  }
});

Deno.test("unknown ids answer 404 resource_missing; unknown URLs 404", async () => {
  const emulator = await startTestEmulator();
  try {
    const stripe = sdk(emulator);
    for (
      const call of [
        () => stripe.checkout.sessions.retrieve("cs_test_nope"),
        () => stripe.checkout.sessions.expire("cs_test_nope"),
        () => stripe.paymentIntents.retrieve("pi_test_nope"),
        () => stripe.refunds.create({ payment_intent: "pi_test_nope" }),
      ]
    ) {
      await assert.rejects(
        call(),
        (err) =>
          err instanceof Stripe.errors.StripeInvalidRequestError &&
          err.statusCode === 404 &&
          err.code === "resource_missing",
      );
    }
    const res = await fetch(`${emulator.url}/v1/customers`, {
      headers: { authorization: "Bearer sk_test_x" },
    });
    assert.equal(res.status, 404);
    assert.equal((await res.json()).error.type, "invalid_request_error");
  } finally {
    await emulator.close();
  }
});
