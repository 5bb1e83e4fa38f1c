import assert from "node:assert/strict";
import type Stripe from "stripe";
import { BANK_DEBIT, TEST_CARDS } from "./server.ts";
import {
  sdk,
  sessionParams,
  startReceiver,
  startTestEmulator,
  submitPage,
  waitFor,
} from "./testing.ts";

const typesOf = (received: { event: Stripe.Event }[]) => received.map((r) => r.event.type);

Deno.test("hosted page: an accessible form with every value escaped", async () => {
  const emulator = await startTestEmulator();
  try {
    const session = await sdk(emulator).checkout.sessions.create(sessionParams({
      line_items: [{
        price_data: {
          currency: "nzd",
          unit_amount: 990,
          product_data: { name: `<script>alert("x")</script>` },
        },
        quantity: 1,
      }],
      cancel_url: `http://shop.test/cancel?a=1&b="2"`,
    }));
    const page = await (await fetch(session.url!)).text();
    assert.match(page, /<label for="card_number">Card number<\/label>/);
    assert.match(page, /<input id="card_number" name="card_number"/);
    assert.match(page, /<button type="submit">Pay \$9\.90<\/button>/);
    assert.match(page, /<legend>Payment method<\/legend>/);
    assert.match(page, /value="bank_debit"/);
    assert.match(
      page,
      /href="http:\/\/shop\.test\/cancel\?a=1&amp;b=&quot;2&quot;">Cancel and return to shop<\/a>/,
    );
    assert.ok(!page.includes("<script>"));
    assert.match(page, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;/);
  } finally {
    await emulator.close();
  }
});

Deno.test("hosted page: 4242 pays, redirects to success_url and delivers verified events", async () => {
  const receiver = startReceiver();
  const emulator = await startTestEmulator({ webhookUrl: receiver.url });
  try {
    const stripe = sdk(emulator);
    const session = await stripe.checkout.sessions.create(sessionParams());
    const res = await submitPage(emulator, session.id, {
      method: "card",
      email: "shopper@example.com",
      card_number: "4242 4242 4242 4242",
    });
    assert.equal(res.status, 303);
    assert.equal(
      res.headers.get("location"),
      `http://shop.test/checkout/success?session_id=${session.id}`,
    );
    const paid = await stripe.checkout.sessions.retrieve(session.id);
    assert.equal(paid.status, "complete");
    assert.equal(paid.payment_status, "paid");
    assert.equal(paid.url, null);

    await emulator.idle();
    assert.deepEqual(typesOf(receiver.received), [
      "payment_intent.created",
      "charge.succeeded",
      "payment_intent.succeeded",
      "checkout.session.completed",
    ]);
    assert.equal(receiver.rejected.length, 0);
    const completed = receiver.received[3].event.data
      .object as Stripe.Checkout.Session;
    assert.equal(completed.id, session.id);
    assert.equal(completed.payment_status, "paid");
    assert.equal(completed.payment_intent, paid.payment_intent);
    assert.deepEqual(
      JSON.parse(receiver.received[3].raw),
      emulator.events()[3],
    );

    const again = await fetch(
      session.url ?? `${emulator.url}/pay/${session.id}`,
    );
    assert.match(await again.text(), /This payment is complete/);
  } finally {
    await emulator.close();
    await receiver.close();
  }
});

Deno.test("hosted page: declines keep the session open and re-render with the reason", async () => {
  const receiver = startReceiver();
  const emulator = await startTestEmulator({ webhookUrl: receiver.url });
  try {
    const stripe = sdk(emulator);
    const session = await stripe.checkout.sessions.create(sessionParams());
    const cases = [
      [TEST_CARDS.genericDecline, "generic_decline", "Your card was declined."],
      [
        TEST_CARDS.insufficientFunds,
        "insufficient_funds",
        "Your card has insufficient funds.",
      ],
    ] as const;
    for (const [card, declineCode, message] of cases) {
      const res = await submitPage(emulator, session.id, {
        method: "card",
        email: "shopper@example.com",
        card_number: card,
      });
      assert.equal(res.status, 402);
      const page = await res.text();
      assert.match(
        page,
        new RegExp(`role="alert">${message.replace(".", "\\.")}<`),
      );
      assert.match(page, /<form method="post">/);
      await emulator.idle();
      const failed = receiver.received.slice(-2);
      assert.deepEqual(typesOf(failed), [
        "charge.failed",
        "payment_intent.payment_failed",
      ]);
      const charge = failed[0].event.data.object as Stripe.Charge;
      assert.equal(charge.status, "failed");
      assert.equal(charge.outcome?.reason, declineCode);
      assert.equal(charge.failure_message, message);
      const intent = failed[1].event.data.object as Stripe.PaymentIntent;
      assert.equal(intent.last_payment_error?.decline_code, declineCode);
      assert.equal(intent.status, "requires_payment_method");
    }
    const open = await stripe.checkout.sessions.retrieve(session.id);
    assert.equal(open.status, "open");
    assert.equal(open.payment_status, "unpaid");

    const typo = await submitPage(emulator, session.id, {
      method: "card",
      email: "shopper@example.com",
      card_number: "4242 4242",
    });
    assert.equal(typo.status, 400);
    assert.match(await typo.text(), /Your card number is invalid\./);

    // The retry succeeds on the same PaymentIntent.
    assert.equal(
      emulator.pay(session.id, TEST_CARDS.success).status,
      "succeeded",
    );
    const intent = await stripe.paymentIntents.retrieve(
      open.payment_intent as string,
    );
    assert.equal(intent.status, "succeeded");
    assert.equal(
      emulator.events().filter((e) => e.type === "payment_intent.created")
        .length,
      1,
    );
  } finally {
    await emulator.close();
    await receiver.close();
  }
});

Deno.test("hosted page: bank debit completes unpaid, then settles by call or by timer", async () => {
  const receiver = startReceiver();
  const emulator = await startTestEmulator({
    webhookUrl: receiver.url,
    asyncSettleMs: 30,
  });
  try {
    const stripe = sdk(emulator);
    const settledByCall = await stripe.checkout.sessions.create(
      sessionParams(),
    );
    const res = await submitPage(emulator, settledByCall.id, {
      method: BANK_DEBIT.succeeds,
      email: "shopper@example.com",
    });
    assert.equal(res.status, 303);
    await res.body?.cancel();
    const processing = await stripe.checkout.sessions.retrieve(
      settledByCall.id,
    );
    assert.equal(processing.status, "complete");
    assert.equal(processing.payment_status, "unpaid");
    assert.match(
      await (await fetch(`${emulator.url}/pay/${settledByCall.id}`)).text(),
      /processing/,
    );
    assert.equal(
      emulator.settleAsync(settledByCall.id, "failed").payment_status,
      "unpaid",
    );
    assert.throws(
      () => emulator.settleAsync(settledByCall.id, "succeeded"),
      /no bank debit/,
    );
    const failedPage = await fetch(`${emulator.url}/pay/${settledByCall.id}`);
    assert.match(await failedPage.text(), /Your bank debit failed/);

    const settledByTimer = await stripe.checkout.sessions.create(
      sessionParams(),
    );
    assert.equal(
      emulator.pay(settledByTimer.id, BANK_DEBIT.succeeds).status,
      "processing",
    );
    await waitFor(() =>
      emulator.sessions().find((s) => s.id === settledByTimer.id)?.payment_status === "paid"
    );
    await emulator.idle();
    const settled = await stripe.checkout.sessions.retrieve(settledByTimer.id, {
      expand: ["payment_intent"],
    });
    assert.equal(settled.payment_status, "paid");
    assert.equal(
      (settled.payment_intent as Stripe.PaymentIntent).amount_received,
      2500,
    );

    const forSession = (id: string) => {
      const intent = emulator.sessions().find((s) => s.id === id)
        ?.payment_intent;
      return typesOf(receiver.received.filter(({ event }) => {
        const object = event.data.object as {
          id: string;
          payment_intent?: string;
        };
        return object.id === id || object.id === intent ||
          object.payment_intent === intent;
      }));
    };
    assert.deepEqual(forSession(settledByCall.id), [
      "payment_intent.created",
      "charge.pending",
      "payment_intent.processing",
      "checkout.session.completed",
      "charge.failed",
      "payment_intent.payment_failed",
      "checkout.session.async_payment_failed",
    ]);
    assert.deepEqual(forSession(settledByTimer.id).slice(-3), [
      "charge.succeeded",
      "payment_intent.succeeded",
      "checkout.session.async_payment_succeeded",
    ]);
  } finally {
    await emulator.close();
    await receiver.close();
  }
});

Deno.test("hosted page: expired sessions show a clear page and take no payment", async () => {
  const emulator = await startTestEmulator();
  try {
    const session = await sdk(emulator).checkout.sessions.create(
      sessionParams(),
    );
    emulator.expireNow(session.id);
    const page = await (await fetch(`${emulator.url}/pay/${session.id}`))
      .text();
    assert.match(page, /This checkout has expired/);
    assert.ok(!page.includes("<form"));
    const res = await submitPage(emulator, session.id, {
      method: "card",
      email: "shopper@example.com",
      card_number: TEST_CARDS.success,
    });
    assert.equal(res.status, 409);
    await res.body?.cancel();
    assert.equal(emulator.sessions()[0].payment_status, "unpaid");
    const missing = await fetch(`${emulator.url}/pay/cs_test_missing`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
  } finally {
    await emulator.close();
  }
});

Deno.test("hosted page: asks for an e-mail only when none was prefilled, and requires it", async () => {
  const emulator = await startTestEmulator();
  try {
    const stripe = sdk(emulator);
    const asking = await stripe.checkout.sessions.create(sessionParams());
    const page = await (await fetch(asking.url!)).text();
    assert.match(page, /<label for="email">Email<\/label>/);
    assert.match(page, /<input id="email" name="email" type="email" required autocomplete="email"/);
    const missing = await submitPage(emulator, asking.id, {
      method: "card",
      card_number: TEST_CARDS.success,
    });
    assert.equal(missing.status, 400);
    const again = await missing.text();
    assert.match(again, /role="alert">Enter your e-mail address\.</);
    assert.match(again, /aria-invalid="true"/);
    const bad = await submitPage(emulator, asking.id, {
      email: "<not an address>",
      method: "card",
      card_number: TEST_CARDS.success,
    });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /value="&lt;not an address&gt;"/);
    assert.equal(emulator.sessions().find((s) => s.id === asking.id)?.payment_intent, null);

    const prefilled = await stripe.checkout.sessions.create(
      sessionParams({ customer_email: "kiri@example.nz" }),
    );
    const shown = await (await fetch(prefilled.url!)).text();
    assert.ok(!shown.includes('name="email"'), "no e-mail field when prefilled");
    assert.match(shown, /Paying as <strong>kiri@example\.nz<\/strong>/);
    const paid = await submitPage(emulator, prefilled.id, {
      method: "card",
      card_number: TEST_CARDS.success,
    });
    assert.equal(paid.status, 303);
  } finally {
    await emulator.close();
  }
});

Deno.test("hosted page: the completed session carries customer_details, shipping_details and the card", async () => {
  const receiver = startReceiver();
  const emulator = await startTestEmulator({ webhookUrl: receiver.url });
  try {
    const stripe = sdk(emulator);
    const session = await stripe.checkout.sessions.create(sessionParams({
      payment_intent_data: {
        shipping: {
          name: "Kiri Tai",
          phone: "+6421000000",
          address: {
            line1: "1 Queen Street",
            line2: "Flat 2",
            city: "Auckland",
            state: "Auckland",
            postal_code: "1010",
            country: "NZ",
          },
        },
      },
    }));
    const res = await submitPage(emulator, session.id, {
      email: " kiri@example.nz ",
      method: "card",
      card_number: TEST_CARDS.success,
    });
    assert.equal(res.status, 303);
    const address = {
      city: "Auckland",
      country: "NZ",
      line1: "1 Queen Street",
      line2: "Flat 2",
      postal_code: "1010",
      state: "Auckland",
    };
    const done = await stripe.checkout.sessions.retrieve(session.id);
    assert.deepEqual(done.customer_details, {
      email: "kiri@example.nz",
      name: "Kiri Tai",
      phone: "+6421000000",
      address,
    });
    assert.deepEqual(
      (done as unknown as { shipping_details: unknown }).shipping_details,
      { name: "Kiri Tai", address },
    );
    await waitFor(() => typesOf(receiver.received).includes("checkout.session.completed"));
    const byType = (type: string) =>
      receiver.received.find((r) => r.event.type === type)!.event.data.object as unknown as Record<
        string,
        unknown
      >;
    const completed = byType("checkout.session.completed");
    assert.deepEqual((completed.customer_details as { email: string }).email, "kiri@example.nz");
    const intent = byType("payment_intent.succeeded");
    assert.deepEqual(intent.payment_method_details, {
      type: "card",
      card: { brand: "visa", last4: "4242" },
    });
    assert.equal(intent.receipt_email, "kiri@example.nz");
    assert.deepEqual((intent.shipping as { address: unknown }).address, address);
    const charge = byType("charge.succeeded");
    assert.deepEqual(charge.payment_method_details, intent.payment_method_details);
  } finally {
    await receiver.close();
    await emulator.close();
  }
});
