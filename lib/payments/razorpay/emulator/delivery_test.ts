import assert from "node:assert/strict";
import { createOrder, startReceiver, startTestRazorpayEmulator } from "./testing.ts";

Deno.test("a successful payment delivers authorized, captured, order.paid, signed, with event ids", async () => {
  const receiver = startReceiver();
  const emulator = startTestRazorpayEmulator({ webhookUrl: receiver.url });
  try {
    const order = await createOrder(emulator);
    const { payment } = await emulator.pay(order.id, "success");
    await emulator.idle();
    assert.deepEqual(receiver.rejected, []);
    assert.deepEqual(receiver.received.map((r) => r.event.event), [
      "payment.authorized",
      "payment.captured",
      "order.paid",
    ]);
    assert.deepEqual(
      receiver.received.map((r) => r.eventId),
      emulator.events().map((e) => e.id),
    );
    const [authorized, , paid] = receiver.received.map((r) => r.event);
    // The payload is a snapshot: payment.authorized shows the payment before capture.
    assert.equal(authorized.payload.payment?.entity.status, "authorized");
    assert.deepEqual(paid.contains, ["payment", "order"]);
    assert.equal(paid.entity, "event");
    assert.equal(paid.payload.order?.entity.status, "paid");
    assert.equal(paid.payload.payment?.entity.id, payment.id);
  } finally {
    await emulator.close();
    await receiver.close();
  }
});

Deno.test("a delivery answered 500 is retried with the same id and body until 2xx", async () => {
  const receiver = startReceiver(undefined, (n) => (n === 1 ? 500 : 200));
  const emulator = startTestRazorpayEmulator({ webhookUrl: receiver.url });
  try {
    const order = await createOrder(emulator);
    await emulator.pay(order.id, "decline");
    await emulator.idle();
    assert.deepEqual(
      emulator.deliveries().map((d) => [d.event, d.attempt, d.outcome, d.willRetry]),
      [["payment.failed", 1, "failed", true], ["payment.failed", 2, "delivered", false]],
    );
    assert.equal(receiver.received.length, 1);
    assert.equal(receiver.received[0].eventId, emulator.events()[0].id);
  } finally {
    await emulator.close();
    await receiver.close();
  }
});

Deno.test("a webhook signed with another secret is rejected by a verifying receiver", async () => {
  const receiver = startReceiver("some_other_secret");
  const emulator = startTestRazorpayEmulator({ webhookUrl: receiver.url, maxAttempts: 1 });
  try {
    await emulator.pay((await createOrder(emulator)).id, "decline");
    await emulator.idle();
    assert.equal(receiver.rejected.length, 1);
    assert.equal(emulator.deliveries()[0].status, 400);
  } finally {
    await emulator.close();
    await receiver.close();
  }
});

Deno.test("idle() waits out retries, and gives up after maxAttempts", async () => {
  const receiver = startReceiver(undefined, () => 503);
  const emulator = startTestRazorpayEmulator({ webhookUrl: receiver.url, maxAttempts: 3 });
  try {
    await emulator.pay((await createOrder(emulator)).id, "decline");
    await emulator.idle();
    assert.deepEqual(emulator.deliveries().map((d) => d.attempt), [1, 2, 3]);
    assert.equal(emulator.deliveries()[2].willRetry, false);
  } finally {
    await emulator.close();
    await receiver.close();
  }
});

Deno.test("redeliver sends an event again with the same id and identical bytes", async () => {
  const receiver = startReceiver();
  const emulator = startTestRazorpayEmulator({ webhookUrl: receiver.url });
  try {
    await emulator.pay((await createOrder(emulator)).id, "decline");
    await emulator.idle();
    emulator.redeliver(emulator.events()[0].id);
    await emulator.idle();
    const [first, second] = receiver.received;
    assert.deepEqual([second.eventId, second.raw], [first.eventId, first.raw]);
  } finally {
    await emulator.close();
    await receiver.close();
  }
});

Deno.test("dispute() emits payment.dispute.created carrying the payment and the dispute", async () => {
  const emulator = startTestRazorpayEmulator();
  try {
    const { payment } = await emulator.pay((await createOrder(emulator)).id, "success");
    const dispute = emulator.dispute(payment.id);
    assert.match(dispute.id, /^disp_/);
    const last = emulator.events().at(-1)!.body;
    assert.deepEqual([last.event, last.contains], ["payment.dispute.created", [
      "payment",
      "dispute",
    ]]);
  } finally {
    await emulator.close();
  }
});

Deno.test("the emulator refuses to start when env is production", () => {
  assert.throws(() => startTestRazorpayEmulator({ env: "production" }), /never runs/);
});

Deno.test("duplicateRate 1 sends every event twice, same id and bytes, the copy marked duplicate", async () => {
  const receiver = startReceiver();
  const emulator = startTestRazorpayEmulator({ webhookUrl: receiver.url, duplicateRate: 1 });
  try {
    await emulator.pay((await createOrder(emulator)).id, "decline");
    await emulator.idle();
    const [first, copy] = receiver.received;
    assert.equal(receiver.received.length, 2);
    assert.deepEqual([copy.eventId, copy.raw], [first.eventId, first.raw]);
    assert.deepEqual(emulator.deliveries().map((d) => d.duplicate), [false, true]);
  } finally {
    await emulator.close();
    await receiver.close();
  }
});

Deno.test("shuffle takes queued events in the dice's order, not the order they were created", async () => {
  const receiver = startReceiver();
  // Dice just under 1 always pick the newest queued event: a payment's trail arrives reversed.
  const emulator = startTestRazorpayEmulator({
    webhookUrl: receiver.url,
    shuffle: true,
    random: () => 0.999,
  });
  try {
    await emulator.pay((await createOrder(emulator)).id, "success");
    await emulator.idle();
    assert.deepEqual(receiver.received.map((r) => r.event.event), [
      "order.paid",
      "payment.captured",
      "payment.authorized",
    ]);
  } finally {
    await emulator.close();
    await receiver.close();
  }
});

Deno.test("concurrency 3 has a payment's three events in flight at once", async () => {
  // The endpoint answers nobody until three requests wait: one at a time would never finish.
  let waiting = 0;
  const { promise: allThere, resolve } = Promise.withResolvers<void>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    await req.text();
    if (++waiting === 3) resolve();
    await allThere;
    return new Response(null, { status: 200 });
  });
  const emulator = startTestRazorpayEmulator({
    webhookUrl: `http://127.0.0.1:${server.addr.port}/`,
    concurrency: 3,
    timeoutMs: 10_000,
  });
  try {
    await emulator.pay((await createOrder(emulator)).id, "success");
    await emulator.idle();
    assert.deepEqual(
      emulator.deliveries().map((d) => [d.outcome, d.attempt]),
      [["delivered", 1], ["delivered", 1], ["delivered", 1]],
    );
  } finally {
    await emulator.close();
    await server.shutdown();
  }
});
