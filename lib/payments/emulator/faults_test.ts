import assert from "node:assert/strict";
import Stripe from "stripe";
import { type ArmedFault, Faults } from "./faults.ts";
import { sdk, sessionParams, startTestEmulator } from "./testing.ts";

const connectionError = (err: unknown) => err instanceof Stripe.errors.StripeConnectionError;

// Typed as a record, but the fetch client hands back the Response's Headers object.
const replayed = (response: Stripe.Response<unknown>) =>
  new Headers(response.lastResponse.headers).get("idempotent-replayed");

Deno.test("faults: error_500 creates nothing and a same-key repeat replays the 500", async () => {
  const emulator = await startTestEmulator();
  try {
    const stripe = sdk(emulator);
    emulator.failNext("create_session", "error_500");
    assert.deepEqual(emulator.pendingFaults(), [{
      action: "create_session",
      fault: "error_500",
    }]);

    let original = "";
    await assert.rejects(
      stripe.checkout.sessions.create(sessionParams(), { idempotencyKey: "order_1" }),
      (err) => {
        assert.ok(err instanceof Stripe.errors.StripeAPIError);
        assert.equal(err.statusCode, 500);
        assert.equal(err.type, "StripeAPIError");
        assert.equal(err.rawType, "api_error");
        original = err.requestId!;
        return true;
      },
    );
    assert.deepEqual(emulator.sessions(), []);
    assert.deepEqual(emulator.pendingFaults(), []);

    // The stored 500 is what strands a shopper whose retry reuses the key.
    await assert.rejects(
      stripe.checkout.sessions.create(sessionParams(), { idempotencyKey: "order_1" }),
      (err) => {
        assert.ok(err instanceof Stripe.errors.StripeAPIError);
        assert.equal(err.statusCode, 500);
        assert.equal(err.headers?.["idempotent-replayed"], "true");
        assert.equal(err.headers?.["original-request"], original);
        return true;
      },
    );
    assert.deepEqual(emulator.sessions(), []);

    const created = await stripe.checkout.sessions.create(sessionParams(), {
      idempotencyKey: "order_1:2",
    });
    assert.deepEqual(emulator.sessions().map((s) => s.id), [created.id]);
  } finally {
    await emulator.close();
  }
});

Deno.test("faults: timeout is never answered, creates nothing and leaves the key free", async () => {
  const emulator = await startTestEmulator();
  try {
    const stripe = sdk(emulator);
    emulator.failNext("create_session", "timeout");
    await assert.rejects(
      stripe.checkout.sessions.create(sessionParams(), {
        idempotencyKey: "order_1",
        timeout: 150,
      }),
      (err) => {
        assert.ok(connectionError(err));
        assert.match(err.message, /timeout being reached \(150ms\)/);
        return true;
      },
    );
    assert.deepEqual(emulator.sessions(), []);
    assert.deepEqual(emulator.pendingFaults(), []);

    // The unanswered request never ran, so the same key creates: no replay, and no 409 even
    // if the emulator still holds the first one.
    const created = await stripe.checkout.sessions.create(sessionParams(), {
      idempotencyKey: "order_1",
    });
    assert.equal(replayed(created), null);
    assert.deepEqual(emulator.sessions().map((s) => s.id), [created.id]);
  } finally {
    await emulator.close();
  }
});

Deno.test("faults: close() releases a held request, whose client sees the connection cut", async () => {
  const { promise: taken, resolve } = Promise.withResolvers<ArmedFault>();
  const emulator = await startTestEmulator({ onFault: resolve });
  emulator.failNext("create_session", "timeout");
  const pending = sdk(emulator).checkout.sessions.create(sessionParams());
  assert.deepEqual(await taken, { action: "create_session", fault: "timeout" });
  await emulator.close();
  await assert.rejects(pending, connectionError);
  assert.deepEqual(emulator.sessions(), []);
});

Deno.test("faults: a held request is released by its client's abort or by close()", async () => {
  const faults = new Faults();
  const client = new AbortController();
  const first = faults.hold(client.signal);
  const second = faults.hold(new AbortController().signal);
  client.abort();
  await first;
  faults.close();
  await second;
  // Already closed: a late hold answers at once.
  await faults.hold(new AbortController().signal);
});

Deno.test("faults: drop_response creates the session but the client sees a connection error", async () => {
  const emulator = await startTestEmulator();
  try {
    const stripe = sdk(emulator);
    let requests = 0;
    stripe.on("request", () => requests++);
    emulator.failNext("create_session", "drop_response");
    await assert.rejects(
      stripe.checkout.sessions.create(sessionParams(), { idempotencyKey: "order_1" }),
      (err) => {
        assert.ok(connectionError(err));
        assert.match(err.message, /connection to Stripe/);
        return true;
      },
    );
    // The SDK does not retry a body cut after the headers, even a POST with a key.
    assert.equal(requests, 1);
    const [made] = emulator.sessions();
    assert.equal(made.status, "open");
    assert.equal(made.client_reference_id, "order_1");

    const again = await stripe.checkout.sessions.create(sessionParams(), {
      idempotencyKey: "order_1",
    });
    assert.equal(again.id, made.id);
    assert.equal(replayed(again), "true");
    assert.equal(emulator.sessions().length, 1);

    // Any answer can be lost: a refused create is cut off too, and still makes nothing.
    emulator.failNext("create_session", "drop_response");
    await assert.rejects(
      stripe.checkout.sessions.create(sessionParams({ line_items: [] })),
      connectionError,
    );
    assert.equal(emulator.sessions().length, 1);
  } finally {
    await emulator.close();
  }
});

Deno.test("faults: taken in order, one per create; refused and replayed requests take none", async () => {
  const emulator = await startTestEmulator();
  try {
    const stripe = sdk(emulator);
    emulator.failNext("create_session", "error_500");
    emulator.failNext("create_session", "drop_response", 2);
    const remaining = () => emulator.pendingFaults().map((p) => p.fault);
    assert.deepEqual(remaining(), ["error_500", "drop_response", "drop_response"]);

    await assert.rejects(
      sdk(emulator, "sk_live_123456789012").checkout.sessions.create(sessionParams()),
      Stripe.errors.StripeAuthenticationError,
    );
    assert.equal(remaining().length, 3);

    const create = (key: string) =>
      stripe.checkout.sessions.create(sessionParams(), { idempotencyKey: key });
    await assert.rejects(create("a"), Stripe.errors.StripeAPIError);
    await assert.rejects(create("a"), Stripe.errors.StripeAPIError);
    assert.deepEqual(remaining(), ["drop_response", "drop_response"]);
    await assert.rejects(create("b"), connectionError);
    await assert.rejects(create("c"), connectionError);
    assert.deepEqual(remaining(), []);
    const made = await create("d");
    assert.equal(emulator.sessions().length, 3);
    // Reads are another action and never take a create's fault.
    emulator.failNext("create_session", "error_500");
    assert.equal((await stripe.checkout.sessions.retrieve(made.id)).id, made.id);
    assert.equal(remaining().length, 1);
  } finally {
    await emulator.close();
  }
});

Deno.test("faults: failNext refuses a count below one and unknown names", async () => {
  const emulator = await startTestEmulator();
  try {
    assert.throws(() => emulator.failNext("create_session", "error_500", 0), RangeError);
    assert.throws(() => emulator.failNext("create_session", "error_500", 1.5), RangeError);
    assert.throws(
      () => emulator.failNext("create_session", "hang" as "timeout"),
      TypeError,
    );
    assert.throws(
      () => emulator.failNext("refund" as "create_session", "timeout"),
      TypeError,
    );
    assert.deepEqual(emulator.pendingFaults(), []);
  } finally {
    await emulator.close();
  }
});
