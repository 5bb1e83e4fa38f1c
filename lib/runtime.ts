/**
 * Starts a whole Settle process from a Config: KV, secrets, the payment providers (the
 * embedded Stripe emulator unless STRIPE_SECRET_KEY is set; STRIPE_API_BASE points the SDK
 * at an emulator running elsewhere; Razorpay when PAYMENT_PROVIDERS offers it, the embedded
 * Razorpay emulator unless RAZORPAY_KEY_ID is set), demo seeding, the islands, the outbox worker with its
 * fulfilment, receipt and alert handlers, the reconciliation cron and the HTTP server.
 * main.ts, dev.ts and the tests that need a real server all come through here.
 */
import type { Hono } from "hono";
import { createApp } from "./app.ts";
import { seedDemoCatalog } from "./catalog/demo.ts";
import type { Config } from "./config.ts";
import { openKv } from "./db/kv.ts";
import { devSecret, randomSecret } from "./dev_secrets.ts";
import { createOrderTaskHandlers, flagOrderOnDead } from "./facts/task_handlers.ts";
import { createFulfilmentAdapter } from "./fulfilment/adapter.ts";
import { buildIslands, type IslandAssets, loadAssets } from "./fresh/bundle.ts";
import { configureLog, log } from "./log.ts";
import { type Emulator, startEmulator } from "./payments/emulator/server.ts";
import { createAlertSink } from "./notify/alerts.ts";
import { createMailTransport } from "./notify/mail.ts";
import { createStripeProvider } from "./payments/stripe.ts";
import { createRazorpayClient } from "./payments/razorpay/client.ts";
import {
  type RazorpayEmulator,
  type RazorpayEmulatorOptions,
  startRazorpayEmulator,
} from "./payments/razorpay/emulator/server.ts";
import { scheduleReconcile } from "./reconcile/schedule.ts";
import type { AppDeps, RazorpayDeps } from "./state.ts";
import { adminCredential } from "./admin/auth.ts";
import { createWorker, type Worker } from "./tasks/worker.ts";

export interface RuntimeOptions {
  /** Prebuilt island bundles; otherwise `_fresh/` is read, or the islands are bundled now. */
  islands?: IslandAssets;
  /** Options passed to the embedded emulator (delivery knobs in tests). */
  emulator?: Partial<Parameters<typeof startEmulator>[0]>;
  /** Options passed to the embedded Razorpay emulator (autoCapture, retries in tests). */
  razorpayEmulator?: Partial<RazorpayEmulatorOptions>;
  /** Do not listen; for tests that only need `app.request()`. */
  listen?: boolean;
  /** How long an API or webhook body may take to arrive (default BODY_TIMEOUT_MS). */
  bodyTimeoutMs?: number;
}

export interface Runtime {
  app: Hono;
  deps: AppDeps;
  emulator: Emulator | null;
  /** The embedded Razorpay emulator, when Razorpay is offered without a key. */
  razorpayEmulator: RazorpayEmulator | null;
  worker: Worker;
  /** The address actually bound, e.g. http://127.0.0.1:8000 (empty when not listening). */
  url: string;
  close(): Promise<void>;
}

const ASSETS_DIR = new URL("../_fresh", import.meta.url).pathname;

export async function startRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  configureLog({ level: config.logLevel });
  let deps: AppDeps | null = null;
  // Registered before anything is awaited: Deno Deploy only finds crons made at start-up.
  const stopCron = config.env !== "test" && config.reconcile.cron
    ? scheduleReconcile({
      cron: config.reconcile.cron,
      olderThanMinutes: config.reconcile.afterMinutes,
      deps: () => deps,
    })
    : null;
  const kv = await openKv(config.kvPath);
  const secret = config.sessionSecret ?? await devSecret(kv, "session", () => randomSecret());
  let emulator: Emulator | null = null;
  let provider;
  if (config.useEmulator) {
    const webhookSecret = config.stripe.webhookSecret ??
      await devSecret(kv, "stripe_webhook", () => `whsec_${randomSecret(24)}`);
    emulator = await startEmulator({
      env: config.env,
      port: config.emulatorPort,
      webhookSecret,
      ...options.emulator,
    });
    provider = createStripeProvider({
      secretKey: "sk_test_emulator",
      webhookSecret,
      api: emulator.apiBase,
    });
  } else {
    provider = createStripeProvider({
      // Unset only in production with Stripe not offered: its calls are refused (401).
      secretKey: config.stripe.secretKey ?? "sk_live_not_configured",
      webhookSecret: config.stripe.webhookSecret ?? "",
      api: config.stripe.apiBase,
    });
  }
  const { razorpay, razorpayEmulator } = await startRazorpay(config, kv, options);
  if (config.env !== "production") await seedDemoCatalog(kv);
  const islands = options.islands ?? await loadAssets(ASSETS_DIR) ?? await buildIslands();
  const worker = createWorker({
    kv,
    handlers: createOrderTaskHandlers({
      fulfil: {
        adapter: createFulfilmentAdapter(config),
        maxAttempts: config.fulfillment.maxAttempts,
        timeoutMs: config.fulfillment.timeoutMs,
      },
      receipt: {
        mail: createMailTransport(config, kv),
        provider,
        from: config.mail.from,
        publicOrigin: config.publicOrigin,
        secret,
      },
      alert: {
        sink: createAlertSink({ slackWebhookUrl: config.slackWebhookUrl }),
        publicOrigin: config.publicOrigin,
      },
    }),
    onDead: (task, error, op) => flagOrderOnDead(kv, task, error, op, new Date()),
    // The worker's own schedule (1 s × 4ⁿ, at most 10 minutes) with a configurable base.
    backoffMs: (n) => Math.min(10 * 60_000, config.taskRetryBaseMs * 4 ** n),
    log: (message, fields) => log("error", message, fields),
  });
  deps = {
    config,
    kv,
    provider,
    razorpay,
    secret,
    now: () => new Date(),
    health: { workerLastTickAt: () => worker.lastTickAt() },
    adminCredential: await adminCredential(kv, config),
  };
  const apiBase = config.stripe.apiBase;
  // The emulator's hosted payment page, embedded or at STRIPE_API_BASE.
  const formActionOrigins = emulator
    ? [new URL(options.emulator?.publicUrl ?? emulator.url).origin]
    : apiBase
    ? [`${apiBase.protocol}://${apiBase.host}:${apiBase.port}`]
    : [];
  const app = createApp(deps, {
    islands,
    formActionOrigins,
    bodyTimeoutMs: options.bodyTimeoutMs,
  });
  worker.start();

  let server: Deno.HttpServer<Deno.NetAddr> | null = null;
  let url = "";
  if (options.listen !== false) {
    server = Deno.serve(
      { port: config.port, hostname: config.host, onListen: () => {} },
      app.fetch,
    );
    url = listeningUrl(server.addr);
    emulator?.setWebhookUrl(`http://127.0.0.1:${server.addr.port}/api/payments/webhook`);
    razorpayEmulator?.setWebhookUrl(
      `http://127.0.0.1:${server.addr.port}/api/payments/webhook/razorpay`,
    );
  }
  return {
    app,
    deps,
    emulator,
    razorpayEmulator,
    worker,
    url,
    async close() {
      stopCron?.();
      await server?.shutdown();
      await worker.stop();
      await emulator?.close();
      await razorpayEmulator?.close();
      kv.close();
    },
  };
}

/** The bound address as a URL; an IPv6 literal is bracketed. */
export function listeningUrl(addr: Deno.NetAddr): string {
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return `http://${host}:${addr.port}`;
}

/**
 * Razorpay when PAYMENT_PROVIDERS offers it: the real API with RAZORPAY_KEY_ID, else the
 * embedded emulator, signing with RAZORPAY_KEY_SECRET / RAZORPAY_WEBHOOK_SECRET when set and
 * with generated dev secrets (kept per data folder) otherwise.
 */
async function startRazorpay(
  config: Config,
  kv: Deno.Kv,
  options: RuntimeOptions,
): Promise<{ razorpay: RazorpayDeps | null; razorpayEmulator: RazorpayEmulator | null }> {
  if (!config.paymentProviders.includes("razorpay")) {
    return { razorpay: null, razorpayEmulator: null };
  }
  const c = config.razorpay;
  if (!c.useEmulator) {
    const keyId = c.keyId!;
    const keySecret = c.keySecret!;
    return {
      razorpay: {
        keyId,
        keySecret,
        webhookSecret: c.webhookSecret ?? "",
        client: createRazorpayClient({ keyId, keySecret }),
      },
      razorpayEmulator: null,
    };
  }
  const keyId = "rzp_test_emulator";
  const keySecret = c.keySecret ?? await devSecret(kv, "razorpay_key", () => randomSecret(24));
  const webhookSecret = c.webhookSecret ??
    await devSecret(kv, "razorpay_webhook", () => randomSecret(24));
  const razorpayEmulator = startRazorpayEmulator({
    env: config.env,
    port: c.emulatorPort,
    keyId,
    keySecret,
    webhookSecret,
    ...options.razorpayEmulator,
  });
  return {
    razorpay: {
      keyId: razorpayEmulator.keyId,
      keySecret: razorpayEmulator.keySecret,
      webhookSecret: razorpayEmulator.webhookSecret,
      checkoutUrl: razorpayEmulator.checkoutUrl,
      client: createRazorpayClient({
        keyId: razorpayEmulator.keyId,
        keySecret: razorpayEmulator.keySecret,
        baseUrl: razorpayEmulator.url,
      }),
    },
    razorpayEmulator,
  };
}
