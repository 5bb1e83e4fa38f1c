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
import { createOrderWorker } from "./facts/order_worker.ts";
import { buildIslands, type IslandAssets, loadAssets } from "./fresh/bundle.ts";
import { loadStylesheet } from "./fresh/styles.ts";
import { configureLog } from "./log.ts";
import { bindLoopback, type LoopbackServer } from "./payments/emulator/loopback.ts";
import type { Emulator, EmulatorOptions } from "./payments/emulator/server.ts";
import { createStripeProvider } from "./payments/stripe.ts";
import { createRazorpayClient } from "./payments/razorpay/client.ts";
import type {
  RazorpayEmulator,
  RazorpayEmulatorOptions,
} from "./payments/razorpay/emulator/server.ts";
import { scheduleReconcile } from "./reconcile/schedule.ts";
import type { AppDeps, RazorpayDeps } from "./state.ts";
import { adminCredential } from "./admin/auth.ts";
import { followHeartbeat } from "./tasks/heartbeat.ts";
import { createRequestGauge } from "./tasks/load_gauge.ts";
import type { Worker } from "./tasks/worker.ts";

export interface RuntimeOptions {
  /** Prebuilt island bundles; otherwise `_fresh/` is read, or the islands are bundled now. */
  islands?: IslandAssets;
  /** Options passed to the embedded emulator (delivery knobs in tests). */
  emulator?: Partial<EmulatorOptions>;
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
  /**
   * The embedded Stripe emulator. Its port is bound before Settle listens and its code is
   * imported after, so /healthz answers while it loads; startRuntime resolves once it has.
   */
  emulator: Emulator | null;
  /** The embedded Razorpay emulator, when Razorpay is offered without a key. */
  razorpayEmulator: RazorpayEmulator | null;
  /** The outbox worker; started here only with WORKER=inline (else `deno task worker` runs). */
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
  // The embedded emulators' ports are bound now (their addresses go into the config below);
  // their code is imported once Settle listens, so readiness does not wait for it.
  let stripeFront: LoopbackServer | null = null;
  let loadEmulator: ((webhookUrl?: string) => Promise<Emulator>) | null = null;
  let provider;
  if (config.useEmulator) {
    const webhookSecret = config.stripe.webhookSecret ??
      await devSecret(kv, "stripe_webhook", () => `whsec_${randomSecret(24)}`);
    const front = stripeFront = bindLoopback(options.emulator?.port ?? config.emulatorPort);
    loadEmulator = (webhookUrl) =>
      front.load(async () =>
        (await import("./payments/emulator/server.ts")).startEmulator({
          env: config.env,
          webhookSecret,
          ...options.emulator,
          ...(webhookUrl ? { webhookUrl } : {}),
          server: front,
        })
      );
    provider = createStripeProvider({
      secretKey: "sk_test_emulator",
      webhookSecret,
      api: { host: "127.0.0.1", port: front.port, protocol: "http" },
    });
  } else {
    provider = createStripeProvider({
      // Unset only in production with Stripe not offered: its calls are refused (401).
      secretKey: config.stripe.secretKey ?? "sk_live_not_configured",
      webhookSecret: config.stripe.webhookSecret ?? "",
      api: config.stripe.apiBase,
    });
  }
  const { razorpay, loadRazorpayEmulator } = await startRazorpay(config, kv, options);
  if (config.env !== "production") await seedDemoCatalog(kv);
  const islands = options.islands ?? await loadAssets(ASSETS_DIR) ?? await buildIslands();
  // Given islands come from the sources (dev, tests): the stylesheet then does too, at mount.
  const styles = options.islands ? undefined : await loadStylesheet(ASSETS_DIR) ?? undefined;
  // Requests in flight: the inline worker steps aside while there are any.
  const gauge = createRequestGauge();
  const worker = createOrderWorker({ config, kv, provider, secret, yieldTo: gauge });
  const inline = config.workerMode === "inline";
  const heartbeat = inline ? null : followHeartbeat(kv);
  deps = {
    config,
    kv,
    provider,
    razorpay,
    secret,
    now: () => new Date(),
    health: { workerLastTickAt: () => heartbeat?.lastTickAt() ?? worker.lastTickAt() },
    adminCredential: await adminCredential(kv, config),
  };
  const apiBase = config.stripe.apiBase;
  // The emulator's hosted payment page, embedded or at STRIPE_API_BASE.
  const formActionOrigins = stripeFront
    ? [new URL(options.emulator?.publicUrl ?? stripeFront.url).origin]
    : apiBase
    ? [`${apiBase.protocol}://${apiBase.host}:${apiBase.port}`]
    : [];
  const app = createApp(deps, {
    islands,
    styles,
    formActionOrigins,
    bodyTimeoutMs: options.bodyTimeoutMs,
  });
  if (inline) worker.start();

  let server: Deno.HttpServer<Deno.NetAddr> | null = null;
  let url = "";
  if (options.listen !== false) {
    server = Deno.serve(
      { port: config.port, hostname: config.host, onListen: () => {} },
      (req, info) => gauge.track(() => app.fetch(req, info)),
    );
    url = listeningUrl(server.addr);
  }
  const webhooks = server ? `http://127.0.0.1:${server.addr.port}/api/payments/webhook` : null;
  let emulator: Emulator | null;
  let razorpayEmulator: RazorpayEmulator | null;
  try {
    [emulator, razorpayEmulator] = await Promise.all([
      loadEmulator?.(webhooks ?? undefined) ?? null,
      loadRazorpayEmulator?.(webhooks ? `${webhooks}/razorpay` : undefined) ?? null,
    ]);
  } catch (err) {
    await server?.shutdown();
    kv.close();
    throw err;
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
      heartbeat?.stop();
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
): Promise<{
  razorpay: RazorpayDeps | null;
  loadRazorpayEmulator: ((webhookUrl?: string) => Promise<RazorpayEmulator>) | null;
}> {
  if (!config.paymentProviders.includes("razorpay")) {
    return { razorpay: null, loadRazorpayEmulator: null };
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
        client: createRazorpayClient({ keyId, keySecret, baseUrl: c.apiBase }),
      },
      loadRazorpayEmulator: null,
    };
  }
  const keyId = "rzp_test_emulator";
  const keySecret = c.keySecret ?? await devSecret(kv, "razorpay_key", () => randomSecret(24));
  const webhookSecret = c.webhookSecret ??
    await devSecret(kv, "razorpay_webhook", () => randomSecret(24));
  const emulatorOptions = { keyId, keySecret, webhookSecret, ...options.razorpayEmulator };
  const front = bindLoopback(options.razorpayEmulator?.port ?? c.emulatorPort);
  const publicUrl = (emulatorOptions.publicUrl ?? front.url).replace(/\/$/, "");
  return {
    razorpay: {
      keyId: emulatorOptions.keyId,
      keySecret: emulatorOptions.keySecret,
      webhookSecret: emulatorOptions.webhookSecret,
      checkoutUrl: `${publicUrl}/v1/checkout.js`,
      client: createRazorpayClient({
        keyId: emulatorOptions.keyId,
        keySecret: emulatorOptions.keySecret,
        baseUrl: front.url,
      }),
    },
    loadRazorpayEmulator: (webhookUrl) =>
      front.load(async () =>
        (await import("./payments/razorpay/emulator/server.ts")).startRazorpayEmulator({
          env: config.env,
          ...emulatorOptions,
          ...(webhookUrl ? { webhookUrl } : {}),
          server: front,
        })
      ),
  };
}
