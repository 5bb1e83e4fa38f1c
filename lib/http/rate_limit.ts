/**
 * Per-client request limits in fixed one-minute windows, counted in Deno KV so every Settle
 * process sharing the store shares the count. A KV failure lets the request through (the
 * shop must keep selling when the limiter's store hiccups); it is logged.
 */
import type { Context, MiddlewareHandler } from "hono";
import { keys, RATE_LIMIT_TTL_MS } from "../db/keys.ts";
import { log } from "../log.ts";
import { RateLimitedError } from "./errors.ts";
import { requestIdOf } from "./request_log.ts";

export const WINDOW_MS = 60_000;
/** Conflicting commits before a request is refused; only a burst from one client gets here. */
const MAX_ATTEMPTS = 10;

export interface RateLimitOptions {
  kv: Deno.Kv;
  /** Names the limit in its KV keys and log lines, e.g. "checkout". */
  name: string;
  /** Requests per client per minute; 0 turns the limit off. */
  perMinute: number;
  /** Who the request is from (see lib/http/client_ip.ts). */
  clientOf: (c: Context) => string;
  /** Clock in epoch ms (default Date.now). */
  now?: () => number;
}

export type TakeResult = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Counts one request of `client` against `perMinute`, exactly even under concurrency. */
export async function take(
  kv: Deno.Kv,
  name: string,
  client: string,
  perMinute: number,
  now: number,
): Promise<TakeResult> {
  const windowStart = now - now % WINDOW_MS;
  const key = keys.rateLimit(name, client, windowStart);
  const refused = {
    allowed: false as const,
    retryAfterSeconds: Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000)),
  };
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const entry = await kv.get<number>(key);
    const used = entry.value ?? 0;
    if (used >= perMinute) return refused;
    // check+set rather than sum: each request learns its own position in the window.
    const res = await kv.atomic().check(entry)
      .set(key, used + 1, { expireIn: RATE_LIMIT_TTL_MS })
      .commit();
    if (res.ok) return { allowed: true };
    await new Promise((r) => setTimeout(r, Math.random() * 5 * (attempt + 1)));
  }
  log("warn", "rate limit contention", { limit: name, client });
  return refused;
}

/**
 * Hono middleware refusing a client that used up its minute: it throws RateLimitedError, which
 * the app's error handler answers with 429 and Retry-After (JSON under /api/, a page elsewhere).
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler {
  const { kv, name, perMinute, clientOf, now = Date.now } = options;
  return async (c, next) => {
    if (perMinute <= 0) return await next();
    const client = clientOf(c);
    let result: TakeResult;
    try {
      result = await take(kv, name, client, perMinute, now());
    } catch (err) {
      log("error", "rate limiter unavailable, request let through", {
        limit: name,
        requestId: requestIdOf(c),
        error: err,
      });
      return await next();
    }
    if (!result.allowed) throw new RateLimitedError(result.retryAfterSeconds);
    await next();
  };
}
