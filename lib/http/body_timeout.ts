/**
 * Bounds how long a request body may take to arrive. A client that trickles its body would
 * otherwise hold a connection (and the handler awaiting it) for as long as it likes. Header
 * timeouts are the proxy's or the platform's job (docs/DEPLOY.md).
 */
import type { MiddlewareHandler } from "hono";
import { errorResponse, RequestTimeoutError } from "./errors.ts";

export interface BodyTimeoutOptions {
  /** From the request's arrival to its body's last byte. */
  ms: number;
}

export function bodyTimeout({ ms }: BodyTimeoutOptions): MiddlewareHandler {
  return async (c, next) => {
    const original = c.req.raw;
    if (!original.body) return await next();
    let timedOut = false;
    const reader = original.body.getReader();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        timer = setTimeout(() => {
          timedOut = true;
          controller.error(new RequestTimeoutError(ms));
          reader.cancel().catch(() => {});
        }, ms);
      },
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            clearTimeout(timer);
            controller.close();
          } else controller.enqueue(value);
        } catch (err) {
          clearTimeout(timer);
          controller.error(err);
        }
      },
      cancel(reason) {
        clearTimeout(timer);
        return reader.cancel(reason);
      },
    });
    c.req.raw = new Request(original, { body, duplex: "half" } as RequestInit);
    try {
      await next();
    } finally {
      clearTimeout(timer);
    }
    // Handlers read bodies in their own ways (and may call any failure "malformed JSON").
    if (timedOut) c.res = errorResponse(new RequestTimeoutError(ms));
  };
}
