/**
 * Test fixtures for the Razorpay emulator: an emulator with fast retries, a Basic-auth JSON
 * client for its API, and a local webhook endpoint that verifies every delivery's
 * `X-Razorpay-Signature` with Settle's own verifier.
 */
import { verifyWebhookSignature } from "../signature.ts";
import type { RazorpayEvent } from "./objects.ts";
import {
  type RazorpayEmulator,
  type RazorpayEmulatorOptions,
  startRazorpayEmulator,
} from "./server.ts";

export const TEST_KEY_ID = "rzp_test_settle";
export const TEST_KEY_SECRET = "test_key_secret";
export const TEST_WEBHOOK_SECRET = "test_webhook_secret";

/** Emulator with test keys and fast retries; `options` override them. */
export function startTestRazorpayEmulator(
  options: RazorpayEmulatorOptions = {},
): RazorpayEmulator {
  return startRazorpayEmulator({
    env: "test",
    keyId: TEST_KEY_ID,
    keySecret: TEST_KEY_SECRET,
    webhookSecret: TEST_WEBHOOK_SECRET,
    retryBaseMs: 10,
    maxAttempts: 3,
    timeoutMs: 2000,
    ...options,
  });
}

export interface ApiAnswer {
  status: number;
  // deno-lint-ignore no-explicit-any
  body: any;
}

/** Calls the emulator's API as Razorpay clients do: Basic auth and JSON. */
export async function api(
  emulator: RazorpayEmulator,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiAnswer> {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers: {
      authorization: `Basic ${btoa(`${emulator.keyId}:${emulator.keySecret}`)}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** A Razorpay order made through the API; `extra` overrides the defaults. */
export async function createOrder(
  emulator: RazorpayEmulator,
  extra: Record<string, unknown> = {},
  // deno-lint-ignore no-explicit-any
): Promise<any> {
  const answer = await api(emulator, "POST", "/v1/orders", {
    amount: 2500,
    currency: "INR",
    receipt: "S-1001",
    notes: { order_id: "order_1" },
    ...extra,
  });
  if (answer.status !== 200) throw new Error(JSON.stringify(answer.body));
  return answer.body;
}

export interface Received {
  eventId: string;
  event: RazorpayEvent;
  raw: string;
}

export interface Receiver {
  url: string;
  /** Deliveries that verified and were answered 2xx, in arrival order. */
  received: Received[];
  /** Bodies whose signature did not verify. */
  rejected: string[];
  close(): Promise<void>;
}

/** A webhook endpoint; `status(n)` answers the n-th verified request (1-based), 200 by default. */
export function startReceiver(
  secret = TEST_WEBHOOK_SECRET,
  status = (_n: number) => 200,
): Receiver {
  const received: Received[] = [];
  const rejected: string[] = [];
  let count = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const raw = await req.text();
    if (!await verifyWebhookSignature(secret, raw, req.headers.get("x-razorpay-signature"))) {
      rejected.push(raw);
      return new Response("bad signature", { status: 400 });
    }
    const answer = status(++count);
    if (answer >= 200 && answer < 300) {
      received.push({
        eventId: req.headers.get("x-razorpay-event-id") ?? "",
        event: JSON.parse(raw),
        raw,
      });
    }
    return new Response(null, { status: answer });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/api/payments/webhook/razorpay`,
    received,
    rejected,
    close: () => server.shutdown(),
  };
}
