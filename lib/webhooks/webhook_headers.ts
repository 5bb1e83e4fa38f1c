/**
 * Response headers of the webhook routes. Providers call them server to server and get a
 * few bytes of JSON back: no page, no script, no browser origin. So they get a fixed policy
 * that allows nothing, instead of the per-request CSP nonce and CORS handling pages need
 * (lib/http/security_headers.ts).
 */
import type { MiddlewareHandler } from "hono";

export interface WebhookHeadersOptions {
  /** config.env: HSTS is sent in production only, as on every other response. */
  env: "development" | "test" | "production";
}

export function webhookHeaders({ env }: WebhookHeadersOptions): MiddlewareHandler {
  const fixed: [string, string][] = [
    ["content-security-policy", "default-src 'none'; frame-ancestors 'none'"],
    ["x-content-type-options", "nosniff"],
    ["x-frame-options", "DENY"],
    ["referrer-policy", "strict-origin-when-cross-origin"],
  ];
  if (env === "production") {
    fixed.push(["strict-transport-security", "max-age=63072000; includeSubDomains"]);
  }
  return async (c, next) => {
    await next();
    for (const [name, value] of fixed) c.res.headers.set(name, value);
  };
}
