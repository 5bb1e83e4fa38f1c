/**
 * The outermost middleware: gives each request an id (echoed in `x-request-id`, stored as
 * the Hono context variable `requestId` for handlers and ctx.state) and writes one access
 * log line when the response is ready.
 */
import type { Context, MiddlewareHandler } from "hono";
import { log, type LogLevel } from "../log.ts";

declare module "hono" {
  interface ContextVariableMap {
    /** Set by requestLog() for every request. */
    requestId: string;
  }
}

export interface RequestLogOptions {
  /** Reuse a valid incoming `x-request-id` (only behind a proxy that sets it). */
  trustProxy: boolean;
  /** Who the request is from (see lib/http/client_ip.ts). */
  clientOf: (c: Context) => string;
  /** Paths logged at debug level only, e.g. health probes that arrive every few seconds. */
  quietPaths?: string[];
}

/** Incoming ids are echoed into logs and headers, so only a plain token is accepted. */
const VALID_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** The request id that requestLog() assigned (empty outside it). */
export function requestIdOf(c: Context): string {
  return c.get("requestId") ?? "";
}

export function requestLog(options: RequestLogOptions): MiddlewareHandler {
  const quiet = new Set(options.quietPaths ?? []);
  return async (c, next) => {
    const started = performance.now();
    const incoming = c.req.header("x-request-id");
    const id = options.trustProxy && incoming && VALID_ID.test(incoming)
      ? incoming
      : crypto.randomUUID();
    c.set("requestId", id);
    await next();
    setHeader(c, "x-request-id", id);
    const status = c.res.status;
    const level: LogLevel = quiet.has(c.req.path) ? "debug" : status >= 500 ? "error" : "info";
    log(level, "request", {
      requestId: id,
      method: c.req.method,
      // c.req.path has no query string, which may carry tokens (order links, session ids).
      path: c.req.path,
      status,
      ms: Math.round((performance.now() - started) * 10) / 10,
      client: options.clientOf(c),
    });
  };
}

/**
 * Sets a header on the finished response in place: c.header would copy the whole Response
 * on every request. Responses with immutable headers (Response.redirect) go through c.header,
 * which copies them once.
 */
export function setHeader(c: Context, name: string, value: string): void {
  try {
    c.res.headers.set(name, value);
  } catch {
    c.header(name, value);
  }
}
