import assert from "node:assert/strict";
import { errorResponse, toAppError } from "../http/errors.ts";
import {
  type CreateSessionInput,
  ProviderError,
  ProviderRejectedError,
  ProviderUnavailableError,
  WebhookVerificationError,
} from "./provider.ts";
import { createStripeProvider, type StripeProviderOptions } from "./stripe.ts";
import { toFact } from "./stripe_events.ts";
import { FIXTURE, stripeEventBody, stripeSession, stripeSignature } from "./stripe_fixtures.ts";

const SECRET = "whsec_settle_test_Qm4Zr8Tx2Vb6Nc0Lp";
const { orderId, orderNumber, sessionId, paymentIntentId } = FIXTURE;

interface Recorded {
  method: string;
  path: string;
  idempotencyKey: string | null;
  form: URLSearchParams;
}

/** A throwaway HTTP server standing in for the Stripe API, to see what the SDK sends. */
function stubApi(
  answer: (req: Recorded, n: number) => Response | Promise<Response>,
) {
  const requests: Recorded[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      const recorded = {
        method: req.method,
        path: new URL(req.url).pathname,
        idempotencyKey: req.headers.get("idempotency-key"),
        form: new URLSearchParams(await req.text()),
      };
      requests.push(recorded);
      return answer(recorded, requests.length);
    },
  );
  const { port } = server.addr;
  return {
    requests,
    api: { host: "127.0.0.1", port, protocol: "http" as const },
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

function provider(extra: Partial<StripeProviderOptions> = {}) {
  return createStripeProvider({
    secretKey: "sk_test_settle",
    webhookSecret: SECRET,
    maxNetworkRetries: 0,
    ...extra,
  });
}

function stripeError(status: number, error: Record<string, string>) {
  const headers = { "request-id": "req_test123" };
  return Response.json({ error }, { status, headers });
}

const openSession = (overrides: Record<string, unknown> = {}) =>
  stripeSession({
    status: "open",
    payment_status: "unpaid",
    payment_intent: null,
    url: `https://checkout.stripe.com/c/pay/${sessionId}`,
    ...overrides,
  });

const input: CreateSessionInput = {
  orderId,
  orderNumber,
  attempt: 2,
  items: [
    { title: "Kawakawa balm", unitAmount: 2500, quantity: 2 },
    { title: "Flax tote", unitAmount: 3900, quantity: 1 },
  ],
  currency: "nzd",
  successUrl: "http://shop.test/checkout/success?session_id={CHECKOUT_SESSION_ID}",
  cancelUrl: `http://shop.test/checkout/cancel?order=${orderId}&token=t`,
  expiresAt: 1795344600,
  metadata: { channel: "web", order_id: "someone-else" },
};

Deno.test("createCheckoutSession sends our params and idempotency key", async () => {
  await using stub = stubApi(() => Response.json(openSession()));
  const session = await provider({ api: stub.api }).createCheckoutSession(
    input,
  );
  assert.deepEqual(session, {
    id: sessionId,
    url: `https://checkout.stripe.com/c/pay/${sessionId}`,
    status: "open",
    paymentStatus: "unpaid",
    amountTotal: 8900,
    currency: "nzd",
    paymentIntentId: null,
    expiresAt: 1795344600,
    metadata: { order_id: orderId, order_number: orderNumber, channel: "web" },
    clientReferenceId: orderNumber,
    customerEmail: "kiri@example.nz",
  });
  const [req] = stub.requests;
  assert.equal(`${req.method} ${req.path}`, "POST /v1/checkout/sessions");
  assert.equal(req.idempotencyKey, `checkout:${orderId}:2`);
  assert.deepEqual(Object.fromEntries(req.form), {
    "mode": "payment",
    "line_items[0][quantity]": "2",
    "line_items[0][price_data][currency]": "nzd",
    "line_items[0][price_data][unit_amount]": "2500",
    "line_items[0][price_data][product_data][name]": "Kawakawa balm",
    "line_items[1][quantity]": "1",
    "line_items[1][price_data][currency]": "nzd",
    "line_items[1][price_data][unit_amount]": "3900",
    "line_items[1][price_data][product_data][name]": "Flax tote",
    "success_url": input.successUrl,
    "cancel_url": input.cancelUrl,
    "client_reference_id": orderNumber,
    "metadata[channel]": "web",
    "metadata[order_id]": orderId,
    "metadata[order_number]": orderNumber,
    "payment_intent_data[metadata][order_id]": orderId,
    "payment_intent_data[metadata][order_number]": orderNumber,
    "payment_intent_data[metadata][checkout_attempt]": "2",
    "expires_at": "1795344600",
  });
});

Deno.test("a retried create after a 500 reuses the same idempotency key", async () => {
  await using stub = stubApi((_, n) =>
    n === 1
      ? stripeError(500, { type: "api_error", message: "Try again" })
      : Response.json(openSession())
  );
  const retrying = provider({ api: stub.api, maxNetworkRetries: 1 });
  assert.equal((await retrying.createCheckoutSession(input)).id, sessionId);
  assert.deepEqual(stub.requests.map((r) => r.idempotencyKey), [
    `checkout:${orderId}:2`,
    `checkout:${orderId}:2`,
  ]);
});

Deno.test("retrieve, expire and refund call the right endpoints", async () => {
  await using stub = stubApi((req) => {
    if (req.path === "/v1/refunds") {
      return Response.json({
        id: "re_3QhT",
        object: "refund",
        amount: 1500,
        currency: "nzd",
        payment_intent: paymentIntentId,
        status: "succeeded",
        metadata: {},
      });
    }
    const expired = req.path.endsWith("/expire");
    return Response.json(
      openSession(expired ? { status: "expired", url: null } : {}),
    );
  });
  const p = provider({ api: stub.api });
  assert.equal((await p.retrieveSession(sessionId)).status, "open");
  const expired = await p.expireSession(sessionId);
  assert.equal(expired.status, "expired");
  assert.equal(expired.url, null);
  const refund = await p.refund({
    paymentIntentId,
    amount: 1500,
    idempotencyKey: `refund:${orderId}:1`,
    reason: "requested_by_customer",
  });
  assert.deepEqual(refund, {
    id: "re_3QhT",
    status: "succeeded",
    amount: 1500,
    currency: "nzd",
    paymentIntentId,
  });
  assert.deepEqual(stub.requests.map((r) => `${r.method} ${r.path}`), [
    `GET /v1/checkout/sessions/${sessionId}`,
    `POST /v1/checkout/sessions/${sessionId}/expire`,
    "POST /v1/refunds",
  ]);
  assert.equal(stub.requests[2].idempotencyKey, `refund:${orderId}:1`);
  assert.deepEqual(Object.fromEntries(stub.requests[2].form), {
    payment_intent: paymentIntentId,
    amount: "1500",
    reason: "requested_by_customer",
  });
});

Deno.test("a 4xx from the provider is a ProviderRejectedError with Stripe's code", async () => {
  await using stub = stubApi((req) =>
    req.path.endsWith("/expire")
      ? stripeError(400, {
        type: "invalid_request_error",
        message: 'Only Checkout Sessions with a status in ["open"] can be expired.',
      })
      : stripeError(404, {
        type: "invalid_request_error",
        code: "resource_missing",
        message: "No such checkout.session",
      })
  );
  const p = provider({ api: stub.api });
  const expire = await p.expireSession("cs_test_done").catch((e) => e);
  assert.ok(expire instanceof ProviderRejectedError);
  assert.ok(expire instanceof ProviderError);
  assert.equal(expire.retryable, false);
  assert.equal(expire.details.statusCode, 400);
  assert.equal(expire.details.type, "invalid_request_error");
  assert.match(expire.message, /can be expired/);

  const missing = await p.retrieveSession("cs_nope").catch((e) => e);
  assert.ok(missing instanceof ProviderRejectedError);
  assert.equal(missing.details.providerCode, "resource_missing");
  assert.equal(missing.details.requestId, "req_test123");
  const res = errorResponse(missing);
  assert.equal(res.status, 502);
  assert.equal((await res.json()).error.code, "provider_rejected");
});

Deno.test("5xx, 429, timeouts and unreadable answers are ProviderUnavailableError", async () => {
  await using stub = stubApi(async (req) => {
    const id = req.path.split("/").pop();
    if (id === "cs_500") {
      return stripeError(500, { type: "api_error", message: "Boom" });
    }
    if (id === "cs_429") {
      return stripeError(429, {
        type: "invalid_request_error",
        message: "Slow down",
      });
    }
    if (id === "cs_slow") await new Promise((r) => setTimeout(r, 400));
    return Response.json({ id: "cs_odd", object: "checkout.session" });
  });
  const p = provider({ api: stub.api, timeoutMs: 100 });
  const cases: [string, number | undefined, RegExp][] = [
    ["cs_500", 500, /Boom/],
    ["cs_429", 429, /Slow down/],
    ["cs_slow", undefined, /timeout/],
    ["cs_odd", undefined, /unreadable/],
  ];
  for (const [id, statusCode, message] of cases) {
    const err = await p.retrieveSession(id).catch((e) => e);
    assert.ok(err instanceof ProviderUnavailableError, `${id}: ${err}`);
    assert.equal(toAppError(err)?.status, 502);
    assert.equal(err.code, "provider_unavailable");
    assert.equal(err.retryable, true);
    assert.equal(err.details.statusCode, statusCode, id);
    assert.match(err.message, message);
  }
});

Deno.test("a refused connection is ProviderUnavailableError (502)", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const p = provider({ api: { host: "127.0.0.1", port, protocol: "http" } });
  const err = await p.createCheckoutSession(input).catch((e) => e);
  assert.ok(err instanceof ProviderUnavailableError, String(err));
  assert.equal(err.details.action, "create_session");
  assert.equal(err.details.statusCode, undefined);
  assert.equal(errorResponse(err).status, 502);
});

const completed = stripeEventBody(
  "checkout.session.completed",
  stripeSession(),
);

async function signed(payload: string, timestamp?: number) {
  const signature = await stripeSignature(payload, SECRET, timestamp);
  return new Headers({ "Stripe-Signature": signature });
}

Deno.test("parseWebhook verifies a signed body and it maps to a fact", async () => {
  const event = await provider().parseWebhook(
    completed,
    await signed(completed),
  );
  assert.equal(event.type, "checkout.session.completed");
  assert.deepEqual(toFact(event), {
    orderRef: { orderId, sessionId, paymentIntentId },
    fact: {
      kind: "payment_succeeded",
      sessionId,
      paymentIntentId,
      amount: 8900,
      currency: "nzd",
      customerEmail: "kiri@example.nz",
    },
  });
});

Deno.test("parseWebhook rejects tampered, unsigned and stale bodies with a 400", async () => {
  const p = provider();
  const tampered = completed.replace('"amount_total":8900', '"amount_total":1');
  assert.notEqual(tampered, completed);
  const failures = [
    await p.parseWebhook(tampered, await signed(completed)).catch((e) => e),
    await p.parseWebhook(completed, new Headers()).catch((e) => e),
    await p.parseWebhook(completed, await signed(completed, 1_700_000_000))
      .catch((e) => e),
  ];
  assert.deepEqual(
    failures.map((e) => e instanceof WebhookVerificationError && e.reason),
    ["signature_mismatch", "missing_header", "timestamp_too_old"],
  );
  assert.equal(errorResponse(failures[0]).status, 400);
});

Deno.test("parseWebhook checks freshness against the injected clock", async () => {
  const later = provider({ now: () => new Date(Date.now() + 10 * 60_000) });
  const err = await later.parseWebhook(completed, await signed(completed))
    .catch((e) => e);
  assert.ok(err instanceof WebhookVerificationError);
  assert.equal(err.reason, "timestamp_too_old");
});
