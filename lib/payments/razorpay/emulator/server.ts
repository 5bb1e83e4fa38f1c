/**
 * A local Razorpay for development and tests: the REST subset Settle uses (orders, payments,
 * capture, refunds), a stand-in checkout.js whose popup pays, declines or leaves a UPI payment
 * pending, and signed webhook delivery with retries.
 */
import { Hono } from "hono";
import { bindLoopback, type LoopbackServer } from "../../emulator/loopback.ts";
import { apiRoutes } from "./api.ts";
import { checkoutRoutes } from "./checkout.ts";
import { Delivery, type DeliveryAttempt } from "./delivery.ts";
import type {
  RazorpayDispute,
  RazorpayOrder,
  RazorpayPayment,
  RazorpayRefund,
  StoredEvent,
} from "./objects.ts";
import { type Outcome, pay, type Payer, type PayResult, settle } from "./payments.ts";
import { Store } from "./store.ts";

export type { DeliveryAttempt } from "./delivery.ts";
export type * from "./objects.ts";
export type { Outcome, Payer, PayResult, SuccessResponse } from "./payments.ts";

export interface RazorpayEmulatorOptions {
  /** The app's `config.env`: "production" makes the emulator refuse to start. */
  env?: string;
  /** Default `rzp_test_emulator`. */
  keyId?: string;
  /** Default `emulator_key_secret`. */
  keySecret?: string;
  /** Signs webhooks; default `emulator_webhook_secret`. */
  webhookSecret?: string;
  /** Port on 127.0.0.1; 0 (the default) picks a free one. Ignored with `server`. */
  port?: number;
  /** A port bound earlier (bindLoopback) to serve on instead of binding one now. */
  server?: LoopbackServer;
  /** Where events are POSTed; can be set later with `setWebhookUrl`. */
  webhookUrl?: string;
  /** Base URL baked into checkout.js; default the emulator's own URL. */
  publicUrl?: string;
  /**
   * Capture payments as soon as they are authorized; default true. A function decides per
   * payment, so one run can mix auto-captured payments with ones the shop must capture.
   */
  autoCapture?: boolean | ((payment: RazorpayPayment) => boolean);
  /** `pending` keeps refunds pending until `settleRefund`; default `processed`. */
  refundOutcome?: "processed" | "pending";
  /** Delay before the first webhook retry, doubling each time; default 1000 ms. */
  retryBaseMs?: number;
  /** Attempts per event, the first included; default 6. */
  maxAttempts?: number;
  /** Default 10 000 ms. */
  timeoutMs?: number;
  /** Chance in [0, 1] that a webhook is sent one extra time (same id, same bytes); default 0. */
  duplicateRate?: number;
  /** Send queued webhooks in random order instead of oldest first; default false. */
  shuffle?: boolean;
  /** Webhook attempts in flight at once; default 1. */
  concurrency?: number;
  /** Dice in [0, 1) for `duplicateRate` and `shuffle`; default Math.random. */
  random?: () => number;
  /** Clock in milliseconds; default Date.now. */
  now?: () => number;
  onDelivery?: (attempt: DeliveryAttempt) => void;
}

export interface RazorpayEmulator {
  /** e.g. `http://127.0.0.1:41234`; the API is under `/v1`. */
  url: string;
  /** `${url}/v1/checkout.js`, or under `publicUrl` when set. */
  checkoutUrl: string;
  keyId: string;
  keySecret: string;
  webhookSecret: string;
  close(): Promise<void>;
  setWebhookUrl(url: string | undefined): void;
  /** Resolves when no webhook is queued, in flight or waiting to retry. */
  idle(): Promise<void>;
  /** Same as choosing `outcome` in the checkout popup for `orderId`. */
  pay(orderId: string, outcome: Outcome, payer?: Payer): Promise<PayResult>;
  /** Finishes a `pending` UPI payment. */
  settle(paymentId: string, outcome?: "approved" | "rejected"): RazorpayPayment;
  /** Finishes a pending refund (`refundOutcome: "pending"`). */
  settleRefund(refundId: string, outcome: "processed" | "failed"): RazorpayRefund;
  dispute(paymentId: string): RazorpayDispute;
  /** Sends an already-created event again, same id and body, as Razorpay may. */
  redeliver(eventId: string): void;
  orders(): RazorpayOrder[];
  payments(): RazorpayPayment[];
  refunds(): RazorpayRefund[];
  /** Every event created, oldest first. */
  events(): StoredEvent[];
  /** Every delivery attempt, in order. */
  deliveries(): DeliveryAttempt[];
}

export function startRazorpayEmulator(
  options: RazorpayEmulatorOptions = {},
): RazorpayEmulator {
  refuseProduction(options.env);
  const keyId = options.keyId ?? "rzp_test_emulator";
  const keySecret = options.keySecret ?? "emulator_key_secret";
  const webhookSecret = options.webhookSecret ?? "emulator_webhook_secret";
  let webhookUrl = options.webhookUrl;
  let publicUrl = "";
  const delivery = new Delivery({
    secret: webhookSecret,
    url: () => webhookUrl,
    maxAttempts: options.maxAttempts ?? 6,
    retryBaseMs: options.retryBaseMs ?? 1000,
    timeoutMs: options.timeoutMs ?? 10_000,
    onAttempt: options.onDelivery,
    duplicateRate: options.duplicateRate,
    shuffle: options.shuffle,
    concurrency: options.concurrency,
    random: options.random,
  });
  const autoCapture = options.autoCapture ?? true;
  const store = new Store({
    now: options.now ?? Date.now,
    accountId: "acc_Emulator000000",
    autoCapture: typeof autoCapture === "function" ? autoCapture : () => autoCapture,
    refundOutcome: options.refundOutcome ?? "processed",
    onEvent: (event) => delivery.enqueue(event),
  });

  const app = new Hono();
  app.route("/", checkoutRoutes({ store, keyId, keySecret, publicUrl: () => publicUrl }));
  app.route("/", apiRoutes({ store, keyId, keySecret }));
  app.notFound((c) => c.text("Not found", 404));
  const server = options.server ?? bindLoopback(options.port);
  server.serve(app.fetch);
  const { url } = server;
  publicUrl = (options.publicUrl ?? url).replace(/\/$/, "");
  const copies = <T>(map: Map<string, T>) => [...map.values()].map((v) => structuredClone(v));

  return {
    url,
    checkoutUrl: `${publicUrl}/v1/checkout.js`,
    keyId,
    keySecret,
    webhookSecret,
    async close() {
      await delivery.close();
      await server.close();
    },
    setWebhookUrl(next) {
      webhookUrl = next;
    },
    idle: () => delivery.idle(),
    pay: (orderId, outcome, payer) => pay(store, keySecret, orderId, outcome, payer),
    settle: (paymentId, outcome = "approved") => settle(store, paymentId, outcome),
    settleRefund(refundId, outcome) {
      const refund = store.refund(refundId);
      store.settleRefund(refund, outcome);
      return structuredClone(refund);
    },
    dispute: (paymentId) => structuredClone(store.dispute(store.payment(paymentId))),
    redeliver(eventId) {
      const event = store.events.find((e) => e.id === eventId);
      if (!event) throw new Error(`No such event: ${eventId}`);
      delivery.enqueue(event);
    },
    orders: () => copies(store.orders),
    payments: () => copies(store.payments),
    refunds: () => copies(store.refunds),
    events: () => structuredClone(store.events),
    deliveries: () => structuredClone(delivery.log),
  };
}

function refuseProduction(env: string | undefined): void {
  const permitted = Deno.permissions.querySync({ name: "env", variable: "SETTLE_ENV" });
  const processEnv = permitted.state === "granted" ? Deno.env.get("SETTLE_ENV") : undefined;
  if (env === "production" || processEnv === "production") {
    throw new Error("The Razorpay emulator never runs when SETTLE_ENV=production");
  }
}
