import assert from "node:assert/strict";
import type Stripe from "stripe";
import { startEmulator, TEST_CARDS } from "./server.ts";
import { sdk, sessionParams, startReceiver, startTestEmulator, waitFor } from "./testing.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Deterministic [0, 1) numbers, so shuffles and dice rolls repeat. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function paidSession(
  emulator: Awaited<ReturnType<typeof startEmulator>>,
) {
  const session = await sdk(emulator).checkout.sessions.create(sessionParams());
  return emulator.pay(session.id, TEST_CARDS.success).session;
}

Deno.test("never starts for production", async () => {
  await assert.rejects(
    startEmulator({ env: "production" }),
    /never runs when SETTLE_ENV=production/,
  );
});

Deno.test("delivery: retries on 500 with backoff until the endpoint accepts", async () => {
  const receiver = startReceiver(undefined, (n) => n <= 2 ? 500 : 200);
  const emulator = await startTestEmulator({ webhookUrl: receiver.url });
  try {
    const session = await sdk(emulator).checkout.sessions.create(
      sessionParams(),
    );
    await sdk(emulator).checkout.sessions.expire(session.id);
    await emulator.idle();
    assert.deepEqual(
      emulator.deliveries().map((
        d,
      ) => [d.attempt, d.outcome, d.status, d.willRetry]),
      [[1, "failed", 500, true], [2, "failed", 500, true], [
        3,
        "delivered",
        200,
        false,
      ]],
    );
    const [first, , last] = emulator.deliveries();
    assert.equal(first.eventId, last.eventId);
    assert.equal(receiver.received.length, 1);
    assert.equal(receiver.received[0].event.type, "checkout.session.expired");
  } finally {
    await emulator.close();
    await receiver.close();
  }
});

Deno.test("delivery: gives up after maxAttempts; network errors count as failures", async () => {
  const emulator = await startTestEmulator({
    webhookUrl: "http://127.0.0.1:9/unreachable",
    maxAttempts: 2,
  });
  try {
    const session = await sdk(emulator).checkout.sessions.create(
      sessionParams(),
    );
    emulator.expireNow(session.id);
    await emulator.idle();
    const log = emulator.deliveries();
    assert.deepEqual(log.map((d) => [d.outcome, d.willRetry]), [[
      "failed",
      true,
    ], ["failed", false]]);
    assert.ok(log.every((d) => d.status === undefined && d.error));
  } finally {
    await emulator.close();
  }
});

Deno.test("delivery: runs in the background and never holds up API responses", async () => {
  const gate = Promise.withResolvers<void>();
  const arrived = Promise.withResolvers<void>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      await req.body?.cancel();
      arrived.resolve();
      await gate.promise;
      return new Response(null, { status: 200 });
    },
  );
  const emulator = await startTestEmulator({
    webhookUrl: `http://127.0.0.1:${server.addr.port}/hook`,
  });
  try {
    const stripe = sdk(emulator);
    const session = await stripe.checkout.sessions.create(sessionParams());
    await stripe.checkout.sessions.expire(session.id);
    await arrived.promise;
    // The endpoint is still holding the first delivery, yet the API keeps answering.
    assert.equal(emulator.deliveries().length, 0);
    assert.equal(
      (await stripe.checkout.sessions.retrieve(session.id)).status,
      "expired",
    );
    gate.resolve();
    await emulator.idle();
    assert.equal(emulator.deliveries()[0].outcome, "delivered");
  } finally {
    await emulator.close();
    await server.shutdown();
  }
});

Deno.test("delivery: a wrong secret fails verification at the endpoint", async () => {
  const receiver = startReceiver("whsec_someone_else");
  const emulator = await startTestEmulator({
    webhookUrl: receiver.url,
    maxAttempts: 1,
  });
  try {
    await paidSession(emulator);
    await emulator.idle();
    assert.equal(receiver.received.length, 0);
    assert.equal(receiver.rejected.length, 4);
    assert.ok(
      emulator.deliveries().every((d) => d.outcome === "failed" && d.status === 400),
    );
  } finally {
    await emulator.close();
    await receiver.close();
  }
});

Deno.test("delivery: duplicateRate 1 sends every event twice with the same id", async () => {
  const receiver = startReceiver();
  const emulator = await startTestEmulator({
    webhookUrl: receiver.url,
    duplicateRate: 1,
  });
  try {
    await paidSession(emulator);
    await emulator.idle();
    const ids = receiver.received.map((r) => r.event.id);
    assert.equal(ids.length, 8);
    assert.equal(new Set(ids).size, 4);
    assert.equal(emulator.deliveries().filter((d) => d.duplicate).length, 4);
  } finally {
    await emulator.close();
    await receiver.close();
  }
});

/** An endpoint that answers after `holdMs` and reports the most requests it held at once. */
function slowEndpoint(holdMs: number) {
  let open = 0;
  let peak = 0;
  let answered = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    await req.text();
    peak = Math.max(peak, ++open);
    await sleep(holdMs);
    open--;
    answered++;
    return new Response(null, { status: 200 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/hook`,
    peak: () => peak,
    answered: () => answered,
    close: () => server.shutdown(),
  };
}

Deno.test("delivery: concurrency sends that many at once; the default sends one", async () => {
  for (const [concurrency, peak] of [[undefined, 1], [4, 4]] as const) {
    const endpoint = slowEndpoint(30);
    const emulator = await startTestEmulator({
      webhookUrl: endpoint.url,
      duplicateRate: 1,
      concurrency,
    });
    try {
      await paidSession(emulator);
      await emulator.idle();
      assert.equal(endpoint.answered(), 8);
      assert.equal(endpoint.peak(), peak, `concurrency ${concurrency}`);
      assert.ok(emulator.deliveries().every((d) => d.outcome === "delivered"));
    } finally {
      await emulator.close();
      await endpoint.close();
    }
  }
  await assert.rejects(startTestEmulator({ concurrency: 0 }), /concurrency must be an integer/);
});

Deno.test("delivery: shuffle reorders a batch but delivers all of it", async () => {
  const receiver = startReceiver();
  const emulator = await startTestEmulator({
    webhookUrl: receiver.url,
    shuffle: true,
    random: seeded(7),
  });
  try {
    await paidSession(emulator);
    await emulator.idle();
    const created = emulator.events().map((e) => e.id);
    const arrived = receiver.received.map((r) => r.event.id);
    assert.notDeepEqual(arrived, created);
    assert.deepEqual([...arrived].sort(), [...created].sort());
  } finally {
    await emulator.close();
    await receiver.close();
  }
});

Deno.test("delivery: dropped events are never sent but stay readable for reconciliation", async () => {
  const receiver = startReceiver();
  const emulator = await startTestEmulator({
    webhookUrl: receiver.url,
    dropRate: 1,
  });
  try {
    const session = await paidSession(emulator);
    await emulator.idle();
    assert.equal(receiver.received.length, 0);
    assert.deepEqual(
      emulator.deliveries().map((d) => d.outcome),
      Array(4).fill("dropped"),
    );
    const stripe = sdk(emulator);
    assert.equal(
      (await stripe.checkout.sessions.retrieve(session.id)).payment_status,
      "paid",
    );
    const listed = await stripe.events.list({
      type: "checkout.session.completed",
    });
    assert.equal(
      (listed.data[0].data.object as Stripe.Checkout.Session).id,
      session.id,
    );

    emulator.setKnobs({ dropRate: 0 });
    emulator.dispute(session.payment_intent!);
    await emulator.idle();
    assert.deepEqual(receiver.received.map((r) => r.event.type), [
      "charge.dispute.created",
    ]);
    const dispute = receiver.received[0].event.data.object as Stripe.Dispute;
    assert.equal(dispute.payment_intent, session.payment_intent);
    assert.equal(dispute.amount, 2500);
  } finally {
    await emulator.close();
    await receiver.close();
  }
});

Deno.test("delivery: delayMs holds a batch back; no endpoint means no delivery", async () => {
  const receiver = startReceiver();
  const emulator = await startTestEmulator({ delayMs: 100 });
  try {
    await paidSession(emulator);
    await emulator.idle();
    assert.deepEqual(
      new Set(emulator.deliveries().map((d) => d.outcome)),
      new Set(["no_endpoint"]),
    );
    assert.equal(emulator.events()[0].pending_webhooks, 0);

    emulator.setWebhookUrl(receiver.url);
    const started = performance.now();
    await paidSession(emulator);
    await sleep(40);
    assert.equal(receiver.received.length, 0);
    await emulator.idle();
    assert.ok(performance.now() - started >= 100);
    assert.equal(receiver.received.length, 4);
  } finally {
    await emulator.close();
    await receiver.close();
  }
});

Deno.test("delivery: close() drops pending retries at once", async () => {
  const receiver = startReceiver(undefined, () => 503);
  const emulator = await startTestEmulator({
    webhookUrl: receiver.url,
    retryBaseMs: 60_000,
    maxAttempts: 5,
  });
  const session = await sdk(emulator).checkout.sessions.create(sessionParams());
  emulator.expireNow(session.id);
  await waitFor(() => emulator.deliveries().length > 0);
  const started = performance.now();
  await emulator.close();
  await receiver.close();
  assert.ok(performance.now() - started < 1000);
  assert.equal(emulator.deliveries().length, 1);
});
