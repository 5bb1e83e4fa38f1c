/**
 * Who a request is from, for rate limits and access logs. Behind a proxy every connection
 * comes from the proxy, so the first X-Forwarded-For hop is used — but only when
 * TRUST_PROXY says a proxy that sets it is in front; otherwise anyone could pick their own
 * address and walk around every limit.
 */
import type { Context } from "hono";
import { getConnInfo } from "hono/deno";

/** Used when there is no connection (`app.request()` in tests) and no trusted header. */
export const UNKNOWN_CLIENT = "unknown";

/** Addresses only: a header value never becomes an arbitrary string in a KV key. */
const ADDRESS = /^[0-9a-fA-F:.]{2,45}$/;

export function clientIp(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const first = c.req.header("x-forwarded-for")?.split(",")[0].trim();
    if (first && ADDRESS.test(first)) return first;
  }
  // `app.request()` has no connection info; getConnInfo would throw on it.
  if (!c.env?.remoteAddr) return UNKNOWN_CLIENT;
  return getConnInfo(c).remote.address ?? UNKNOWN_CLIENT;
}
