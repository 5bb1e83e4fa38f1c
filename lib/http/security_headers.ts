/**
 * Security headers on every response (pages, JSON, static files, errors, 404s) and CORS
 * closed to all but the shop's own public origin. The Content-Security-Policy carries a
 * per-request nonce (hono/secure-headers' NONCE); mountFresh puts the same nonce on the
 * inline <style> and the island boot scripts, so nothing else inline can run.
 */
import type { Context, MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { NONCE, secureHeaders } from "hono/secure-headers";

/** Stripe's hosted checkout: the checkout form's 303 lands there, and form-action covers redirects. */
export const STRIPE_CHECKOUT_ORIGIN = "https://checkout.stripe.com";

export interface SecurityHeadersOptions {
  /** config.env: HSTS is sent in production only (development runs on plain http). */
  env: "development" | "test" | "production";
  /** config.publicOrigin: the one origin CORS lets in. */
  publicOrigin: string;
  /** Where forms may navigate besides this origin and Stripe (the emulator's hosted page). */
  formActionOrigins?: string[];
}

export function securityHeaders(options: SecurityHeadersOptions): MiddlewareHandler {
  const formAction = ["'self'", STRIPE_CHECKOUT_ORIGIN, ...(options.formActionOrigins ?? [])];
  const secure = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'", NONCE],
      styleSrc: ["'self'", NONCE],
      imgSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      formAction: [...new Set(formAction)],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      objectSrc: ["'none'"],
    },
    referrerPolicy: "strict-origin-when-cross-origin",
    xFrameOptions: "DENY",
    strictTransportSecurity: options.env === "production"
      ? "max-age=63072000; includeSubDomains"
      : false,
  });
  const allowCors = cors({
    origin: options.publicOrigin,
    allowMethods: ["GET", "HEAD", "POST", "PATCH", "DELETE"],
    allowHeaders: ["content-type", "idempotency-key"],
    exposeHeaders: ["x-request-id", "retry-after"],
    credentials: true,
    maxAge: 600,
  });
  return (c, next) =>
    secure(c, async () => {
      const origin = c.req.header("origin");
      if (origin === options.publicOrigin) {
        const preflight = await allowCors(c, next);
        if (preflight) c.res = preflight;
      } else if (origin && c.req.method === "OPTIONS") {
        // A preflight from anywhere else is answered without a single Allow header.
        c.res = new Response(null, { status: 204, headers: { vary: "Origin" } });
      } else {
        await next();
      }
      mutableHeaders(c);
    });
}

/** Response.redirect() and fetched responses have immutable headers; re-wrap those once. */
function mutableHeaders(c: Context): void {
  try {
    c.res.headers.delete("x-powered-by");
  } catch {
    c.res = new Response(c.res.body, c.res);
  }
}
