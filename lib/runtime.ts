/**
 * Starts a whole Settle process from a Config: KV, secrets, the payment provider (the
 * embedded Stripe emulator unless STRIPE_SECRET_KEY is set; STRIPE_API_BASE points the SDK
 * at an emulator running elsewhere), demo seeding, the islands, the outbox worker with its
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
import { scheduleReconcile } from "./reconcile/schedule.ts";
import type { AppDeps } from "./state.ts";
import { adminCredential } from "./admin/auth.ts";
import { createWorker, type Worker } from "./tasks/worker.ts";

export interface RuntimeOptions {
  /** Prebuilt island bundles; otherwise `_fresh/` is read, or the islands are bundled now. */
  islands?: IslandAssets;
  /** Options passed to the embedded emulator (delivery knobs in tests). */
  emulator?: Partial<Parameters<typeof startEmulator>[0]>;
  /** Do not listen; for tests that only need `app.request()`. */
  listen?: boolean;
  /** How long an API or webhook body may take to arrive (default BODY_TIMEOUT_MS). */
  bodyTimeoutMs?: number;
}

export interface Runtime {
  app: Hono;
  deps: AppDeps;
  emulator: Emulator | null;
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
      secretKey: config.stripe.secretKey!,
      webhookSecret: config.stripe.webhookSecret ?? "",
      api: config.stripe.apiBase,
    });
  }
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
  }
  return {
    app,
    deps,
    emulator,
    worker,
    url,
    async close() {
      stopCron?.();
      await server?.shutdown();
      await worker.stop();
      await emulator?.close();
      kv.close();
    },
  };
}

/** The bound address as a URL; an IPv6 literal is bracketed. */
export function listeningUrl(addr: Deno.NetAddr): string {
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return `http://${host}:${addr.port}`;
}
