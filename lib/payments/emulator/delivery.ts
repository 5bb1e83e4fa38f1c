/**
 * Webhook delivery in the background: signed POSTs to the endpoint, retried with exponential
 * backoff on non-2xx or network errors, with knobs that make delivery as unreliable as a real
 * network (duplicates, shuffled order, delay, drops). By default one attempt runs at a time,
 * so without `shuffle` events arrive in the order they were created; `concurrency` sends
 * several at once, as Stripe does.
 */
import type { StripeEvent } from "./objects.ts";
import type { Signer } from "./signature.ts";

export interface DeliveryKnobs {
  /** Probability (0..1) that an event is sent a second time, with the same event id. */
  duplicateRate: number;
  /** Send each batch (the events one action creates) in random order. */
  shuffle: boolean;
  /** Wait this long before a batch's first attempt. */
  delayMs: number;
  /** Probability (0..1) that an event is never sent at all: for reconciliation tests. */
  dropRate: number;
  /** Attempts per delivery, the first included, before giving up. */
  maxAttempts: number;
  /** Delay before the first retry; each later retry waits twice as long. */
  retryBaseMs: number;
  /** An endpoint that has not answered in this long counts as failed. */
  timeoutMs: number;
  /** Attempts in flight at once; above 1, events no longer arrive in creation order. */
  concurrency: number;
}

export const DEFAULT_KNOBS: DeliveryKnobs = {
  duplicateRate: 0,
  shuffle: false,
  delayMs: 0,
  dropRate: 0,
  maxAttempts: 6,
  retryBaseMs: 1000,
  timeoutMs: 10_000,
  concurrency: 1,
};

export interface DeliveryAttempt {
  eventId: string;
  type: string;
  /** 1 for the first try of this copy, counting up with retries. */
  attempt: number;
  /** True for the extra copy that `duplicateRate` added. */
  duplicate: boolean;
  /** `no_endpoint`: no webhook URL was set when the attempt was due (not retried). */
  outcome: "delivered" | "failed" | "dropped" | "no_endpoint";
  /** The endpoint's HTTP status, when it answered. */
  status?: number;
  error?: string;
  willRetry: boolean;
  url: string | null;
  /** Emulator clock, milliseconds. */
  at: number;
}

export interface DeliveryOptions {
  signer: Signer;
  now: () => number;
  random: () => number;
  knobs: DeliveryKnobs;
  url: () => string | undefined;
  onAttempt?: (attempt: DeliveryAttempt) => void;
}

interface Job {
  event: StripeEvent;
  body: string;
  attempt: number;
  duplicate: boolean;
  dueAt: number;
}

export class Delivery {
  readonly knobs: DeliveryKnobs;
  readonly log: DeliveryAttempt[] = [];
  #batch: StripeEvent[] = [];
  #batchTimer: ReturnType<typeof setTimeout> | undefined;
  #jobs: Job[] = [];
  #wakeTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  #idleWaiters: (() => void)[] = [];
  #closed = false;
  readonly #abort = new AbortController();

  constructor(private readonly options: DeliveryOptions) {
    this.knobs = { ...options.knobs };
  }

  /** Queues an event; events queued in the same tick form one batch. */
  enqueue(event: StripeEvent): void {
    if (this.#closed) return;
    this.#batch.push(event);
    this.#batchTimer ??= setTimeout(() => this.#flush(), this.knobs.delayMs);
  }

  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops timers and pending retries, and aborts the attempt in flight. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#batchTimer);
    clearTimeout(this.#wakeTimer);
    this.#batch = [];
    this.#jobs = [];
    this.#abort.abort();
    await Promise.all(this.#inFlight);
    this.#notifyIdle();
  }

  #flush(): void {
    this.#batchTimer = undefined;
    const { random } = this.options;
    const jobs: Job[] = [];
    for (const event of this.#batch.splice(0)) {
      if (random() < this.knobs.dropRate) {
        this.#record(event, {
          attempt: 1,
          duplicate: false,
          outcome: "dropped",
          willRetry: false,
        });
        continue;
      }
      const job = {
        event,
        body: JSON.stringify(event),
        attempt: 1,
        duplicate: false,
        dueAt: 0,
      };
      jobs.push(job);
      if (random() < this.knobs.duplicateRate) {
        jobs.push({ ...job, duplicate: true });
      }
    }
    if (this.knobs.shuffle) {
      for (let i = jobs.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [jobs[i], jobs[j]] = [jobs[j], jobs[i]];
      }
    }
    this.#jobs.push(...jobs);
    this.#pump();
  }

  #pump(): void {
    if (this.#closed) return;
    clearTimeout(this.#wakeTimer);
    this.#wakeTimer = undefined;
    const now = performance.now();
    while (this.#inFlight.size < this.knobs.concurrency) {
      const index = this.#jobs.findIndex((job) => job.dueAt <= now);
      if (index < 0) break;
      const [job] = this.#jobs.splice(index, 1);
      const attempt: Promise<void> = this.#attempt(job).finally(() => {
        this.#inFlight.delete(attempt);
        this.#pump();
      });
      this.#inFlight.add(attempt);
    }
    if (this.#inFlight.size > 0) return;
    if (this.#jobs.length > 0) {
      const next = Math.min(...this.#jobs.map((job) => job.dueAt));
      this.#wakeTimer = setTimeout(() => this.#pump(), next - now);
    } else {
      this.#notifyIdle();
    }
  }

  async #attempt(job: Job): Promise<void> {
    const url = this.options.url();
    if (!url) {
      this.#record(job.event, {
        ...job,
        outcome: "no_endpoint",
        willRetry: false,
        url: null,
      });
      return;
    }
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.knobs.timeoutMs);
    let status: number | undefined;
    let error: string | undefined;
    try {
      const timestamp = Math.floor(this.options.now() / 1000);
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json; charset=utf-8",
          "stripe-signature": await this.options.signer.header(
            job.body,
            timestamp,
          ),
          "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        },
        body: job.body,
        signal: AbortSignal.any([this.#abort.signal, timeout.signal]),
      });
      status = response.status;
      await response.body?.cancel();
    } catch (err) {
      error = timeout.signal.aborted ? `timed out after ${this.knobs.timeoutMs} ms` : String(err);
    } finally {
      clearTimeout(timer);
    }
    if (this.#closed) return;
    const delivered = status !== undefined && status >= 200 && status < 300;
    const willRetry = !delivered && job.attempt < this.knobs.maxAttempts;
    this.#record(job.event, {
      ...job,
      outcome: delivered ? "delivered" : "failed",
      status,
      error,
      willRetry,
      url,
    });
    if (willRetry) {
      const wait = this.knobs.retryBaseMs * 2 ** (job.attempt - 1);
      this.#jobs.push({
        ...job,
        attempt: job.attempt + 1,
        dueAt: performance.now() + wait,
      });
    }
  }

  #record(
    event: StripeEvent,
    fields:
      & Pick<DeliveryAttempt, "attempt" | "duplicate" | "outcome" | "willRetry">
      & Partial<Pick<DeliveryAttempt, "status" | "error" | "url">>,
  ): void {
    const entry: DeliveryAttempt = {
      eventId: event.id,
      type: event.type,
      attempt: fields.attempt,
      duplicate: fields.duplicate,
      outcome: fields.outcome,
      willRetry: fields.willRetry,
      url: fields.url ?? this.options.url() ?? null,
      at: this.options.now(),
    };
    if (fields.status !== undefined) entry.status = fields.status;
    if (fields.error !== undefined) entry.error = fields.error;
    this.log.push(entry);
    this.options.onAttempt?.(entry);
  }

  #isIdle(): boolean {
    return this.#batch.length === 0 && this.#jobs.length === 0 &&
      this.#inFlight.size === 0;
  }

  #notifyIdle(): void {
    if (!this.#isIdle() && !this.#closed) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}
