/**
 * HTTP from the suite to the Settle processes: round robin over the processes that are up,
 * failing over when one does not answer (it may have just been killed), and counting every
 * 5xx Settle gives.
 */

/** A process that has not answered in this long counts as down for this request. */
const REQUEST_TIMEOUT_MS = 30_000;

export interface Reply {
  status: number;
  body: string;
  headers: Headers;
  /** The process that answered. */
  origin: string;
}

export interface ClientStats {
  requests: number;
  /** Every 5xx, Razorpay's endpoints included. */
  server5xx: number;
  /** The 5xx of those to POST /api/payments/create-order and /verify. */
  razorpay5xx: number;
  /** Requests that reached no process on some try (then retried elsewhere). */
  networkErrors: number;
  /** The first few 5xx answers, for the report. */
  samples: string[];
}

export interface SendOptions {
  origin?: string;
  tries?: number;
  expected?: number[];
}

export class ShopClient {
  readonly stats: ClientStats = {
    requests: 0,
    server5xx: 0,
    razorpay5xx: 0,
    networkErrors: 0,
    samples: [],
  };
  #turn = 0;

  /** `origins()` lists the processes to use; it is asked again on every try. */
  constructor(private readonly origins: () => string[]) {}

  /**
   * Sends `init` to `path` on the next process (or on `origin`). A network error moves on
   * to the next process, up to `tries` times; an answer, whatever its status, is returned.
   * `expected` lists 5xx statuses the caller provoked on purpose (a provider failing):
   * those are not counted as Settle's.
   */
  async send(
    path: string,
    init: RequestInit = {},
    { origin, tries = 6, expected = [] }: SendOptions = {},
  ): Promise<Reply> {
    let lastError: unknown;
    const first = this.#turn++;
    for (let attempt = 0; attempt < tries; attempt++) {
      const list = this.origins();
      // Each try goes to the next process, so a dead one is never tried twice in a row.
      const target = origin && attempt === 0 ? origin : list[(first + attempt) % list.length];
      this.stats.requests++;
      let res: Response;
      try {
        res = await fetch(`${target}${path}`, {
          ...init,
          redirect: "manual",
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (err) {
        this.stats.networkErrors++;
        lastError = err;
        await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
        continue;
      }
      const body = await res.text();
      if (res.status >= 500 && !expected.includes(res.status)) {
        this.stats.server5xx++;
        if (isRazorpayPath(path)) this.stats.razorpay5xx++;
        if (this.stats.samples.length < 50) {
          this.stats.samples.push(
            `${init.method ?? "GET"} ${path} → ${res.status} ${body.slice(0, 300)}`,
          );
        }
      }
      return { status: res.status, body, headers: res.headers, origin: target };
    }
    throw new Error(`${init.method ?? "GET"} ${path}: no process answered: ${lastError}`);
  }

  /** A JSON request; the parsed body comes back with the status. */
  async json<T = unknown>(
    path: string,
    method: string,
    body: unknown,
    headers: Record<string, string> = {},
    options: SendOptions = {},
  ): Promise<{ status: number; data: T; headers: Headers }> {
    const reply = await this.send(path, {
      method,
      headers: { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    }, options);
    let data: unknown = null;
    try {
      data = JSON.parse(reply.body);
    } catch { /* not JSON: leave null */ }
    return { status: reply.status, data: data as T, headers: reply.headers };
  }
}

/** Settle's Razorpay-only endpoints (their 5xx belong in Razorpay's row). */
export function isRazorpayPath(path: string): boolean {
  return /^\/api\/payments\/(create-order|verify)\b/.test(path);
}
