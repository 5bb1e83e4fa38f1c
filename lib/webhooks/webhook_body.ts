/**
 * The body limit and body timeout of the webhook routes in one step. The generic pair
 * (hono/body-limit and lib/http/body_timeout.ts) re-wraps the body in a JavaScript stream
 * that the route then drains chunk by chunk; a webhook body is a few KiB read whole, so
 * this reads it once, natively, and hands the route a request whose body is those bytes.
 */
import type { MiddlewareHandler } from "hono";
import { errorResponse, PayloadTooLargeError, RequestTimeoutError } from "../http/errors.ts";

export interface WebhookBodyOptions {
  /** Bytes a body may have; more is answered 413. */
  maxSize: number;
  /** From the request's arrival to its body's last byte; slower is answered 408. */
  timeoutMs: number;
}

type Read = Uint8Array<ArrayBuffer> | "too_large" | "timed_out";

export function webhookBody({ maxSize, timeoutMs }: WebhookBodyOptions): MiddlewareHandler {
  return async (c, next) => {
    const raw = c.req.raw;
    if (!raw.body) return await next();
    if (Number(raw.headers.get("content-length")) > maxSize) {
      return errorResponse(new PayloadTooLargeError(maxSize));
    }
    const read = await readWithin(raw.body, maxSize, timeoutMs);
    if (read === "too_large") return errorResponse(new PayloadTooLargeError(maxSize));
    if (read === "timed_out") return errorResponse(new RequestTimeoutError(timeoutMs));
    c.req.raw = new Request(raw.url, { method: raw.method, headers: raw.headers, body: read });
    await next();
  };
}

async function readWithin(
  body: ReadableStream<Uint8Array>,
  maxSize: number,
  timeoutMs: number,
): Promise<Read> {
  const reader = body.getReader();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    reader.cancel().catch(() => {});
  }, timeoutMs);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxSize) {
        reader.cancel().catch(() => {});
        return "too_large";
      }
      chunks.push(value);
    }
  } catch (err) {
    if (timedOut) return "timed_out";
    throw err;
  } finally {
    clearTimeout(timer);
  }
  if (timedOut) return "timed_out";
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}
