/**
 * Webhook delivery in the background, as Razorpay sends it: a POST of the event body with
 * `X-Razorpay-Signature` (hex HMAC of the raw body) and `x-razorpay-event-id`, retried with
 * exponential backoff on a non-2xx answer, a network error or a timeout. By default one
 * attempt runs at a time, so events arrive in the order they were created unless a retry
 * reorders them; the knobs below make the network worse (extra copies, any order, many at
 * once), as Razorpay's at-least-once delivery may.
 */
import { webhookSignature } from "../signature.ts";
import type { StoredEvent } from "./objects.ts";

export interface DeliveryAttempt {
  eventId: string;
  event: string;
  /** 1 for the first try, counting up with retries. */
  attempt: number;
  /** True for the extra copy that `duplicateRate` added. */
  duplicate: boolean;
  /** `no_endpoint`: no webhook URL was set when the attempt was due (not retried). */
  outcome: "delivered" | "failed" | "no_endpoint";
  status?: number;
  error?: string;
  willRetry: boolean;
  url: string | null;
}

export interface DeliveryOptions {
  secret: string;
  url: () => string | undefined;
  /** Attempts per event, the first included. */
  maxAttempts: number;
  /** Delay before the first retry; each later retry waits twice as long. */
  retryBaseMs: number;
  /** An endpoint that has not answered in this long counts as failed. */
  timeoutMs: number;
  onAttempt?: (attempt: DeliveryAttempt) => void;
  /** Chance in [0, 1] that an event is sent one extra time; default 0. */
  duplicateRate?: number;
  /** Take queued deliveries in random order instead of oldest first; default false. */
  shuffle?: boolean;
  /** Attempts in flight at once; default 1. */
  concurrency?: number;
  /** Dice for `duplicateRate` and `shuffle`, in [0, 1); default Math.random. */
  random?: () => number;
}

interface Job {
  event: StoredEvent;
  body: string;
  attempt: number;
  duplicate: boolean;
}

export class Delivery {
  readonly log: DeliveryAttempt[] = [];
  readonly #queue: Job[] = [];
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #workers = new Set<Promise<void>>();
  #idleWaiters: (() => void)[] = [];
  #closed = false;
  readonly #abort = new AbortController();

  constructor(private readonly options: DeliveryOptions) {}

  /** Queues `event`; enqueueing one already sent sends it again with the same id. */
  enqueue(event: StoredEvent): void {
    if (this.#closed) return;
    // Serialised once: every retry and every copy sends, and signs, exactly the same bytes.
    const job = { event, body: JSON.stringify(event.body), attempt: 1, duplicate: false };
    this.#queue.push(job);
    if (this.#random() < (this.options.duplicateRate ?? 0)) {
      this.#queue.push({ ...job, duplicate: true });
    }
    this.#run();
  }

  /** Resolves when nothing is queued, in flight or waiting to retry. */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#queue.length = 0;
    this.#abort.abort();
    await Promise.all(this.#workers);
    this.#notifyIdle();
  }

  /** Starts workers for what is queued, up to `concurrency` in all. */
  #run(): void {
    if (this.#closed) return;
    const limit = Math.max(1, this.options.concurrency ?? 1);
    for (let n = this.#queue.length; n > 0 && this.#workers.size < limit; n--) {
      const worker: Promise<void> = this.#work().finally(() => {
        this.#workers.delete(worker);
        // A job queued while this worker was finishing found the pool full.
        this.#run();
        this.#notifyIdle();
      });
      this.#workers.add(worker);
    }
  }

  async #work(): Promise<void> {
    // Events one action emits are all queued before any is taken, so `shuffle` can mix them.
    await Promise.resolve();
    while (!this.#closed && this.#queue.length > 0) await this.#attempt(this.#take());
  }

  #take(): Job {
    if (!this.options.shuffle) return this.#queue.shift()!;
    const i = Math.floor(this.#random() * this.#queue.length);
    return this.#queue.splice(i, 1)[0];
  }

  #random(): number {
    return (this.options.random ?? Math.random)();
  }

  async #attempt(job: Job): Promise<void> {
    const url = this.options.url();
    const base = {
      eventId: job.event.id,
      event: job.event.body.event,
      attempt: job.attempt,
      duplicate: job.duplicate,
    };
    if (!url) {
      this.#record({ ...base, outcome: "no_endpoint", willRetry: false, url: null });
      return;
    }
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    let status: number | undefined;
    let error: string | undefined;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-razorpay-signature": await webhookSignature(this.options.secret, job.body),
          "x-razorpay-event-id": job.event.id,
          "user-agent": "Razorpay-Webhook/v1",
        },
        body: job.body,
        signal: AbortSignal.any([this.#abort.signal, timeout]),
      });
      status = response.status;
      await response.body?.cancel();
    } catch (err) {
      error = timeout.aborted ? `timed out after ${this.options.timeoutMs} ms` : String(err);
    }
    if (this.#closed) return;
    const delivered = status !== undefined && status >= 200 && status < 300;
    const willRetry = !delivered && job.attempt < this.options.maxAttempts;
    this.#record({
      ...base,
      outcome: delivered ? "delivered" : "failed",
      ...(status === undefined ? {} : { status }),
      ...(error === undefined ? {} : { error }),
      willRetry,
      url,
    });
    if (willRetry) {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.#queue.push({ ...job, attempt: job.attempt + 1 });
        this.#run();
      }, this.options.retryBaseMs * 2 ** (job.attempt - 1));
      this.#timers.add(timer);
    }
  }

  #record(attempt: DeliveryAttempt): void {
    this.log.push(attempt);
    this.options.onAttempt?.(attempt);
  }

  #isIdle(): boolean {
    return this.#queue.length === 0 && this.#timers.size === 0 && this.#workers.size === 0;
  }

  #notifyIdle(): void {
    if (!this.#isIdle() && !this.#closed) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}
