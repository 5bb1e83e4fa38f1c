/**
 * A local Stripe for development and tests: the API subset Settle uses, a hosted payment page
 * with Stripe's test cards, and signed webhook delivery. Point the real SDK at it with
 * `new Stripe(key, { ...emulator.apiBase })`.
 */
import { Hono } from "hono";
import { apiRoutes } from "./api.ts";
import { parseChoice } from "./cards.ts";
import { DEFAULT_KNOBS, Delivery, type DeliveryAttempt, type DeliveryKnobs } from "./delivery.ts";
import { type ArmedFault, type Fault, type FaultAction, Faults } from "./faults.ts";
import { pageRoutes } from "./hosted_page.ts";
import { bindLoopback, type LoopbackServer } from "./loopback.ts";
import type { CheckoutSession, Dispute, StripeEvent } from "./objects.ts";
import { attemptPayment, type PayerDetails, type PayResult, settle } from "./payments.ts";
import { dispute } from "./reversals.ts";
import { generateWebhookSecret, Signer } from "./signature.ts";
import { Store } from "./store.ts";

export { BANK_DEBIT, TEST_CARDS } from "./cards.ts";
export type { DeliveryAttempt, DeliveryKnobs } from "./delivery.ts";
export type { ArmedFault, Fault, FaultAction } from "./faults.ts";
export type { CheckoutSession, StripeEvent } from "./objects.ts";
export type { PayResult } from "./payments.ts";

/** The API version npm:stripe 23.1.0 pins; events carry it as `api_version`. */
export const DEFAULT_API_VERSION = "2026-10-28.endive";

/** Options; the delivery knobs (`duplicateRate`, `shuffle`, …) are documented on `DeliveryKnobs`. */
export interface EmulatorOptions extends Partial<DeliveryKnobs> {
  /** The app's `config.env`: "production" makes `startEmulator` throw. */
  env?: string;
  /** Port on 127.0.0.1; 0 (the default) picks a free one. Ignored with `server`. */
  port?: number;
  /** A port bound earlier (bindLoopback) to serve on instead of binding one now. */
  server?: LoopbackServer;
  /** Where events are POSTed; can be set later with `setWebhookUrl`. */
  webhookUrl?: string;
  /** `whsec_…` secret that signs events; generated when absent (see `emulator.webhookSecret`). */
  webhookSecret?: string;
  /** Base URL of the hosted page links in `session.url`; default `http://127.0.0.1:<port>`. */
  publicUrl?: string;
  /** Clock in milliseconds since the epoch (timestamps, expiry, signatures); default Date.now. */
  now?: () => number;
  /** Source of randomness in [0, 1) for the knobs' dice; default Math.random. */
  random?: () => number;
  /** When set, a submitted bank debit settles by itself after this many ms. */
  asyncSettleMs?: number;
  /** When set, the only secret key accepted; otherwise any `sk_test_…` key is. */
  secretKey?: string;
  /** `api_version` stamped on events and the default `Stripe-Version` response header. */
  apiVersion?: string;
  /** How often open sessions are checked for expiry, in ms; default 1000. */
  sweepMs?: number;
  /** Called after every delivery attempt, e.g. to log it. */
  onDelivery?: (attempt: DeliveryAttempt) => void;
  /** Called when a request takes a fault armed with `failNext`, before the fault acts. */
  onFault?: (taken: ArmedFault) => void;
}

export interface Emulator {
  /** Where the emulator listens, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  /** Spread into the Stripe SDK's config. */
  apiBase: { host: string; port: number; protocol: "http" };
  webhookSecret: string;
  close(): Promise<void>;
  setWebhookUrl(url: string | undefined): void;
  setKnobs(knobs: Partial<DeliveryKnobs>): void;
  /** Expires an open session now, as if its `expires_at` had passed. */
  expireNow(sessionId: string): CheckoutSession;
  /** Settles a processing bank debit; overrides the test account's outcome. */
  settleAsync(
    sessionId: string,
    outcome: "succeeded" | "failed",
  ): CheckoutSession;
  /**
   * Same as submitting the hosted page: `card` is a card number (spaces allowed) or
   * `BANK_DEBIT.succeeds` / `BANK_DEBIT.fails` for the async method.
   */
  pay(sessionId: string, card: string, payer?: PayerDetails): PayResult;
  /** Opens a dispute on a paid PaymentIntent (`charge.dispute.created`). */
  dispute(paymentIntentId: string): Dispute;
  /** Every event created, oldest first. */
  events(): StripeEvent[];
  /** Every delivery attempt, in order. */
  deliveries(): DeliveryAttempt[];
  sessions(): CheckoutSession[];
  /** Resolves when no delivery is queued, in flight or waiting to retry. */
  idle(): Promise<void>;
  /**
   * Arms `fault` (see `Fault`) for the next `times` requests that run `action`. Faults are
   * taken oldest first, one per request that passes authentication and idempotency checks;
   * refused requests and idempotent replays take none.
   */
  failNext(action: FaultAction, fault: Fault, times?: number): void;
  /** Faults armed and not yet taken, oldest first. */
  pendingFaults(): ArmedFault[];
}

export async function startEmulator(
  options: EmulatorOptions = {},
): Promise<Emulator> {
  refuseProduction(options.env);
  const now = options.now ?? Date.now;
  const webhookSecret = options.webhookSecret ?? generateWebhookSecret();
  let webhookUrl = options.webhookUrl;
  let publicUrl = "";
  const knobs = { ...DEFAULT_KNOBS };
  for (const name of Object.keys(DEFAULT_KNOBS) as (keyof DeliveryKnobs)[]) {
    if (options[name] !== undefined) {
      Object.assign(knobs, { [name]: options[name] });
    }
  }
  validateKnobs(knobs);
  const delivery = new Delivery({
    signer: await Signer.create(webhookSecret),
    now,
    random: options.random ?? Math.random,
    knobs,
    url: () => webhookUrl,
    onAttempt: options.onDelivery,
  });
  const store = new Store({
    now,
    apiVersion: options.apiVersion ?? DEFAULT_API_VERSION,
    pageUrl: (id) => `${publicUrl}/pay/${id}`,
    hasEndpoint: () => webhookUrl !== undefined,
    onEvent: (event) => delivery.enqueue(event),
  });
  const faults = new Faults(options.onFault);
  const settleTimers = new Set<ReturnType<typeof setTimeout>>();
  const record = (id: string) => {
    const found = store.session(id);
    if (!found) throw new Error(`No such checkout session: ${id}`);
    return found;
  };
  const pay = (id: string, card: string, payer?: PayerDetails): PayResult => {
    const result = attemptPayment(store, record(id), parseChoice(card), payer);
    if (result.status === "processing" && options.asyncSettleMs !== undefined) {
      const timer = setTimeout(() => {
        settleTimers.delete(timer);
        const pending = store.sessions.get(id);
        if (pending?.pendingSettlement) {
          settle(store, pending, pending.pendingSettlement);
        }
      }, options.asyncSettleMs);
      settleTimers.add(timer);
    }
    return result;
  };

  const app = new Hono();
  app.route(
    "/",
    apiRoutes({
      store,
      apiVersion: store.options.apiVersion,
      secretKey: options.secretKey,
      faults,
    }),
  );
  app.route("/", pageRoutes({ store, pay }));
  app.notFound((c) => c.text("Not found", 404));
  const server = options.server ?? bindLoopback(options.port);
  server.serve(app.fetch);
  const { port, url } = server;
  publicUrl = (options.publicUrl ?? url).replace(/\/$/, "");
  const sweep = setInterval(() => store.sweep(), options.sweepMs ?? 1000);

  return {
    url,
    port,
    apiBase: { host: "127.0.0.1", port, protocol: "http" },
    webhookSecret,
    async close() {
      clearInterval(sweep);
      for (const timer of settleTimers) clearTimeout(timer);
      settleTimers.clear();
      faults.close();
      await delivery.close();
      await server.close();
    },
    setWebhookUrl(next) {
      webhookUrl = next;
    },
    setKnobs(partial) {
      const merged = { ...delivery.knobs, ...partial };
      validateKnobs(merged);
      Object.assign(delivery.knobs, merged);
    },
    expireNow(id) {
      const found = record(id);
      if (found.session.status !== "open") {
        throw new Error(`Session ${id} is ${found.session.status}, not open`);
      }
      store.expire(found);
      return structuredClone(found.session);
    },
    settleAsync(id, outcome) {
      const found = record(id);
      settle(store, found, outcome);
      return structuredClone(found.session);
    },
    pay,
    dispute: (intentId) => structuredClone(dispute(store, intentId)),
    events: () => structuredClone(store.events),
    deliveries: () => structuredClone(delivery.log),
    sessions: () => {
      store.sweep();
      return [...store.sessions.values()].map((r) => structuredClone(r.session));
    },
    idle: () => delivery.idle(),
    failNext: (action, fault, times = 1) => faults.arm(action, fault, times),
    pendingFaults: () => faults.pending(),
  };
}

function refuseProduction(env: string | undefined): void {
  const permitted = Deno.permissions.querySync({
    name: "env",
    variable: "SETTLE_ENV",
  });
  const processEnv = permitted.state === "granted" ? Deno.env.get("SETTLE_ENV") : undefined;
  if (env === "production" || processEnv === "production") {
    throw new Error(
      "The Stripe emulator never runs when SETTLE_ENV=production",
    );
  }
}

function validateKnobs(knobs: DeliveryKnobs): void {
  for (const rate of ["duplicateRate", "dropRate"] as const) {
    if (!(knobs[rate] >= 0 && knobs[rate] <= 1)) {
      throw new RangeError(`${rate} must be 0..1`);
    }
  }
  for (const ms of ["delayMs", "retryBaseMs", "timeoutMs"] as const) {
    if (!(knobs[ms] >= 0)) throw new RangeError(`${ms} must be ≥ 0`);
  }
  for (const count of ["maxAttempts", "concurrency"] as const) {
    if (!Number.isInteger(knobs[count]) || knobs[count] < 1) {
      throw new RangeError(`${count} must be an integer ≥ 1`);
    }
  }
}
