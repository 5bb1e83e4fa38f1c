/**
 * How busy the HTTP side of a process is, so its outbox worker can step aside while requests
 * are in flight: follow-ups can wait a moment, a webhook's 200 should not.
 */

/** What the worker asks before claiming tasks (see WorkerOptions.yieldTo). */
export interface LoadSignal {
  /** True while requests are in flight or ended less than the quiet window ago. */
  busy(): boolean;
  /** Resolves once the process has been quiet for the quiet window. */
  whenIdle(): Promise<void>;
}

export interface RequestGauge extends LoadSignal {
  /** Counts `work` as in flight until it settles. */
  track<T>(work: () => T | Promise<T>): Promise<T>;
  /** Requests in flight now. */
  inFlight(): number;
}

export interface RequestGaugeOptions {
  /**
   * How long no request may be in flight before the process counts as idle. Requests from
   * keep-alive connections arrive back to back; without a window every gap between two of
   * them would let the worker in.
   */
  quietMs?: number;
  now?: () => number;
}

export function createRequestGauge(options: RequestGaugeOptions = {}): RequestGauge {
  const { quietMs = 50, now = () => performance.now() } = options;
  let inFlight = 0;
  let lastEnded = -Infinity;
  let waiters: (() => void)[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  const busy = () => inFlight > 0 || now() - lastEnded < quietMs;

  function release(): void {
    timer = undefined;
    if (busy()) return schedule();
    const ready = waiters;
    waiters = [];
    for (const resolve of ready) resolve();
  }

  function schedule(): void {
    if (timer !== undefined || inFlight > 0 || waiters.length === 0) return;
    timer = setTimeout(release, Math.max(0, quietMs - (now() - lastEnded)));
  }

  return {
    busy,
    inFlight: () => inFlight,
    whenIdle() {
      if (!busy()) return Promise.resolve();
      const idle = new Promise<void>((resolve) => waiters.push(resolve));
      schedule();
      return idle;
    },
    async track(work) {
      inFlight++;
      clearTimeout(timer);
      timer = undefined;
      try {
        return await work();
      } finally {
        inFlight--;
        lastEnded = now();
        schedule();
      }
    },
  };
}
