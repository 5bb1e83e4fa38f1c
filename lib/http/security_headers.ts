/**
 * Security headers on every response (pages, JSON, static files, errors, 404s) and CORS
 * closed to all but the shop's own public origin. The Content-Security-Policy carries a
 * per-request nonce (hono/secure-headers' NONCE); mountFresh puts the same nonce on the
 * island boot scripts, so nothing else inline can run. Styles come only from the prebuilt
 * stylesheet on this origin: no inline style at all.
 */
import type { Context, MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { NONCE, secureHeaders } from "hono/secure-headers";

/** Stripe's hosted checkout: the checkout form's 303 lands there, and form-action covers redirects. */
export const STRIPE_CHECKOUT_ORIGIN = "https://checkout.stripe.com";

/** Razorpay Checkout's script in real mode; its popup frames and calls api.razorpay.com. */
export const RAZORPAY_CHECKOUT_URL = "https://checkout.razorpay.com/v1/checkout.js";
const RAZORPAY_API_ORIGIN = "https://api.razorpay.com";

/**
 * Internal response header a page sets to widen its own CSP (see `allowRazorpayCheckout`);
 * the middleware reads it, widens the policy and removes it, so it never leaves the server.
 */
export const CSP_WIDEN_HEADER = "x-settle-csp-widen";

/** Origins a page adds to its CSP, per directive. */
export interface CspWidening {
  script: string[];
  connect: string[];
  frame: string[];
}

/**
 * Exactly what Razorpay Checkout at `checkoutUrl` needs: its script's origin, and in real
 * mode api.razorpay.com for the popup's frame and calls; the emulator serves all of it from
 * its own origin.
 */
export function razorpayCheckoutSources(checkoutUrl: string): CspWidening {
  const origin = new URL(checkoutUrl).origin;
  if (checkoutUrl === RAZORPAY_CHECKOUT_URL) {
    const both = [origin, RAZORPAY_API_ORIGIN];
    return { script: [origin], connect: both, frame: both };
  }
  return { script: [origin], connect: [origin], frame: [origin] };
}

/** `headers` plus the marker that lets this one page load Razorpay Checkout. */
export function allowRazorpayCheckout(
  headers: Record<string, string>,
  checkoutUrl: string,
): Record<string, string> {
  return {
    ...headers,
    [CSP_WIDEN_HEADER]: JSON.stringify(razorpayCheckoutSources(checkoutUrl)),
  };
}

const ORIGIN = /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i;

/** `policy` with the widening's origins added (only well-formed origins; nothing else). */
export function widenCsp(policy: string, widening: Partial<CspWidening>): string {
  const directives = new Map<string, string[]>();
  for (const part of policy.split(";")) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) directives.set(name, values);
  }
  const add = (name: string, origins: unknown) => {
    if (!Array.isArray(origins)) return;
    const ok = origins.filter((o): o is string => typeof o === "string" && ORIGIN.test(o));
    if (!ok.length) return;
    const current = directives.get(name) ?? ["'self'"];
    directives.set(name, [...new Set([...current, ...ok])]);
  };
  add("script-src", widening.script);
  add("connect-src", widening.connect);
  add("frame-src", widening.frame);
  return [...directives].map(([name, values]) => [name, ...values].join(" ")).join("; ");
}

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
      styleSrc: ["'self'"],
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
  return async (c, next) => {
    await secure(c, async () => {
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
    widenForPage(c);
  };
}

/** Applies and removes a page's CSP_WIDEN_HEADER (set by the route, never by a client). */
function widenForPage(c: Context): void {
  const asked = c.res.headers.get(CSP_WIDEN_HEADER);
  if (asked === null) return;
  c.res.headers.delete(CSP_WIDEN_HEADER);
  const policy = c.res.headers.get("content-security-policy");
  if (!policy) return;
  let widening: Partial<CspWidening>;
  try {
    widening = JSON.parse(asked);
  } catch {
    return;
  }
  c.res.headers.set("content-security-policy", widenCsp(policy, widening));
}

/** Response.redirect() and fetched responses have immutable headers; re-wrap those once. */
function mutableHeaders(c: Context): void {
  try {
    c.res.headers.delete("x-powered-by");
  } catch {
    c.res = new Response(c.res.body, c.res);
  }
}
