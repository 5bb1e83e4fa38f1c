/**
 * Test fixtures for the emulator: the real Stripe SDK pointed at it, and a local webhook
 * endpoint that verifies every delivery with the SDK's own `constructEventAsync`.
 */
import Stripe from "stripe";
import { type Emulator, type EmulatorOptions, startEmulator } from "./server.ts";

export const TEST_SECRET = "whsec_emulator_test_secret";

export function sdk(emulator: Emulator, key = "sk_test_emulator"): Stripe {
  return new Stripe(key, {
    ...emulator.apiBase,
    httpClient: Stripe.createFetchHttpClient(),
    maxNetworkRetries: 0,
  });
}

/** Emulator with fast retries and test-friendly defaults; `options` override them. */
export function startTestEmulator(
  options: EmulatorOptions = {},
): Promise<Emulator> {
  return startEmulator({
    env: "test",
    webhookSecret: TEST_SECRET,
    sweepMs: 50,
    retryBaseMs: 10,
    maxAttempts: 3,
    timeoutMs: 2000,
    ...options,
  });
}

export function sessionParams(
  extra: Partial<Stripe.Checkout.SessionCreateParams> = {},
): Stripe.Checkout.SessionCreateParams {
  return {
    mode: "payment",
    line_items: [
      {
        price_data: {
          currency: "nzd",
          unit_amount: 1250,
          product_data: { name: "Tea towel" },
        },
        quantity: 2,
      },
    ],
    success_url: "http://shop.test/checkout/success?session_id={CHECKOUT_SESSION_ID}",
    cancel_url: "http://shop.test/checkout/cancel?order=o1",
    client_reference_id: "order_1",
    metadata: { order_id: "order_1" },
    payment_intent_data: { metadata: { order_id: "order_1" } },
    ...extra,
  };
}

export interface Received {
  event: Stripe.Event;
  raw: string;
}

export interface Receiver {
  url: string;
  /** Deliveries that verified, in arrival order. */
  received: Received[];
  /** Deliveries whose signature did not verify. */
  rejected: string[];
  close(): Promise<void>;
}

/**
 * A webhook endpoint. `status(n)` picks the answer for the n-th request (1-based) after a
 * valid signature; 200 by default.
 */
export function startReceiver(
  secret = TEST_SECRET,
  status = (_n: number) => 200,
): Receiver {
  const received: Received[] = [];
  const rejected: string[] = [];
  let count = 0;
  const verifier = Stripe.createSubtleCryptoProvider();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      const raw = await req.text();
      try {
        const event = await Stripe.webhooks.constructEventAsync(
          raw,
          req.headers.get("stripe-signature") ?? "",
          secret,
          undefined,
          verifier,
        );
        const answer = status(++count);
        if (answer >= 200 && answer < 300) received.push({ event, raw });
        return new Response(null, { status: answer });
      } catch {
        rejected.push(raw);
        return new Response("bad signature", { status: 400 });
      }
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/api/payments/webhook`,
    received,
    rejected,
    close: () => server.shutdown(),
  };
}

/** Submits the hosted page's form as a browser would; does not follow the redirect. */
export function submitPage(
  emulator: Emulator,
  sessionId: string,
  fields: Record<string, string>,
): Promise<Response> {
  return fetch(`${emulator.url}/pay/${sessionId}`, {
    method: "POST",
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
}

/** Polls `check` until it is true; fails after `timeoutMs` so a broken timer cannot hang a test. */
export async function waitFor(
  check: () => boolean,
  timeoutMs = 3000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
