/**
 * The outbox worker of a Settle process with every order follow-up handler, built from the
 * config: lib/runtime.ts runs it inline, tasks/worker.ts runs it as a process of its own.
 */
import type { Config } from "../config.ts";
import { createFulfilmentAdapter } from "../fulfilment/adapter.ts";
import { log } from "../log.ts";
import { createAlertSink } from "../notify/alerts.ts";
import { createMailTransport } from "../notify/mail.ts";
import type { PaymentProvider } from "../payments/provider.ts";
import type { LoadSignal } from "../tasks/load_gauge.ts";
import { createWorker, type Worker } from "../tasks/worker.ts";
import { createOrderTaskHandlers, flagOrderOnDead } from "./task_handlers.ts";

export interface OrderWorkerOptions {
  config: Config;
  kv: Deno.Kv;
  /** Receipts ask it for the address a checkout collected; null: such receipts go unsent. */
  provider: PaymentProvider | null;
  /** Signs the order links in receipts. */
  secret: string;
  /** The process's request load, for an inline worker to step aside (see WorkerOptions). */
  yieldTo?: LoadSignal;
  /** Poll interval; a worker in its own process relies on it, kv.watch sees only its own writes. */
  pollMs?: number;
}

export function createOrderWorker(options: OrderWorkerOptions): Worker {
  const { config, kv, provider, secret } = options;
  return createWorker({
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
    yieldTo: options.yieldTo,
    pollMs: options.pollMs,
  });
}
