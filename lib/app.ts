/**
 * Builds the Hono app: cross-cutting middleware first, then the file routes from
 * fresh.gen.ts. Everything a route needs arrives in `ctx.state` (lib/state.ts).
 */
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import manifest from "../fresh.gen.ts";
import freshConfig from "../fresh.config.ts";
import { mountFresh } from "./fresh/server.ts";
import type { IslandAssets } from "./fresh/bundle.ts";
import type { Stylesheet } from "./fresh/styles.ts";
import { bodyTimeout } from "./http/body_timeout.ts";
import { compressResponses } from "./http/compress.ts";
import { clientIp } from "./http/client_ip.ts";
import { errorResponse, PayloadTooLargeError, toAppError } from "./http/errors.ts";
import { rateLimit } from "./http/rate_limit.ts";
import { requestLog } from "./http/request_log.ts";
import { sameOriginWrites } from "./http/same_origin.ts";
import { securityHeaders } from "./http/security_headers.ts";
import { log } from "./log.ts";
import { webhookBody } from "./webhooks/webhook_body.ts";
import { webhookHeaders } from "./webhooks/webhook_headers.ts";
import type { AppDeps, State } from "./state.ts";

/** Stripe's webhook (and its alias) and Razorpay's: signed provider calls, not shoppers'. */
const WEBHOOK_PATHS = new Set([
  "/api/payments/webhook",
  "/api/payments/webhook/stripe",
  "/api/payments/webhook/razorpay",
]);
/** Providers send up to a few KiB; anything near this is not a real event. */
export const WEBHOOK_BODY_LIMIT = 1024 * 1024;
/** Every other JSON API body. */
export const API_BODY_LIMIT = 16 * 1024;
/** From arrival to the last byte of an API or webhook body; a real client needs far less. */
export const BODY_TIMEOUT_MS = 10_000;

export interface AppOptions {
  /** Island bundles: prebuilt (`_fresh/`) or built once at start. */
  islands: IslandAssets;
  /** The prebuilt stylesheet (`_fresh/`); without it, one is built from the sources. */
  styles?: Stylesheet;
  /** Origins forms may navigate to besides Stripe Checkout (the emulator's hosted page). */
  formActionOrigins?: string[];
  /** How long an API or webhook body may take to arrive (default BODY_TIMEOUT_MS). */
  bodyTimeoutMs?: number;
}

export function createApp(deps: AppDeps, options: AppOptions): Hono {
  const { islands, styles, formActionOrigins, bodyTimeoutMs = BODY_TIMEOUT_MS } = options;
  const { config, kv } = deps;
  const app = new Hono();
  const clientOf = (c: Context) => clientIp(c, config.trustProxy);
  app.use(
    "*",
    requestLog({ trustProxy: config.trustProxy, clientOf, quietPaths: ["/healthz", "/readyz"] }),
  );
  const { env, publicOrigin } = config;
  const pageHeaders = securityHeaders({ env, publicOrigin, formActionOrigins });
  // Providers call webhooks server to server: a fixed deny-all policy, no nonce, no CORS.
  const providerHeaders = webhookHeaders({ env });
  app.use(
    "*",
    (c, next) => WEBHOOK_PATHS.has(c.req.path) ? providerHeaders(c, next) : pageHeaders(c, next),
  );
  // gzip or deflate when the client accepts it, for text types only (images, fonts and
  // archives are compressed already) and bodies of 1 KiB or more; pages and JSON in one
  // zlib call (lib/http/compress.ts).
  // Webhook calls get a few bytes of JSON: nothing to gain there.
  const compressed = compressResponses();
  app.use("*", (c, next) => WEBHOOK_PATHS.has(c.req.path) ? next() : compressed(c, next));
  // Admin pages and JSON show orders and customers: no cache may keep any of them, error
  // pages and redirects included (those are rendered outside the routes' own middleware).
  const noStore: MiddlewareHandler = async (c, next) => {
    await next();
    try {
      c.res.headers.set("cache-control", "no-store");
    } catch {
      // Response.redirect() and fetched responses have immutable headers.
      c.res = new Response(c.res.body, c.res);
      c.res.headers.set("cache-control", "no-store");
    }
  };
  app.use("/admin/*", noStore);
  app.use("/api/admin/*", noStore);
  const limit = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: () => errorResponse(new PayloadTooLargeError(maxSize)),
    });
  const apiBodyTimeout = bodyTimeout({ ms: bodyTimeoutMs });
  // Webhook bodies are read whole, once, under the same two bounds (lib/webhooks/webhook_body.ts).
  const providerBody = webhookBody({ maxSize: WEBHOOK_BODY_LIMIT, timeoutMs: bodyTimeoutMs });
  app.use(
    "/api/*",
    (c, next) => WEBHOOK_PATHS.has(c.req.path) ? providerBody(c, next) : apiBodyTimeout(c, next),
  );
  app.use("/api/*", async (c, next) => {
    if (WEBHOOK_PATHS.has(c.req.path)) return await next();
    return await limit(API_BODY_LIMIT)(c, next);
  });
  // A browser on another site must not spend the shopper's cookies here. Forms were
  // always checked; JSON calls are checked when they carry cookies.
  const fromShop = (message: string) =>
    sameOriginWrites({ publicOrigin, applies: "always", message });
  const withCookie = (message: string) =>
    sameOriginWrites({ publicOrigin, applies: "with-cookie", message });
  const cartForgery = "from other sites cannot change your cart";
  const payForgery = "from other sites cannot start a payment";
  app.post("/cart", fromShop(`Forms ${cartForgery}`));
  app.post("/checkout", fromShop(`Forms ${payForgery}`));
  app.post("/checkout/cancel", fromShop(`Forms ${payForgery}`));
  app.on(["POST", "PATCH", "DELETE"], "/api/cart/*", withCookie(`Requests ${cartForgery}`));
  app.post("/api/payments/create-checkout-session", withCookie(`Requests ${payForgery}`));
  app.post("/api/payments/create-order", withCookie(`Requests ${payForgery}`));
  app.post("/api/payments/verify", withCookie(`Requests ${payForgery}`));
  app.post("/api/orders/:orderId/retry-session", withCookie(`Requests ${payForgery}`));

  // Each no-JavaScript form shares the limit of its JSON twin.
  const limited = (name: string, perMinute: number) =>
    rateLimit({ kv, name, perMinute, clientOf, now: () => deps.now().getTime() });
  const { rateLimits } = config;
  const checkout = limited("checkout", rateLimits.checkout);
  const retry = limited("retry", rateLimits.retry);
  const cart = limited("cart", rateLimits.cart);
  app.post("/api/payments/create-checkout-session", checkout);
  app.post("/api/payments/create-order", checkout);
  // Each verify may ask Razorpay about a payment: limited like the status poll.
  app.post("/api/payments/verify", limited("verify", rateLimits.status));
  app.post("/checkout", checkout);
  app.post("/api/orders/:orderId/retry-session", retry);
  app.post("/checkout/cancel", retry);
  app.on(["POST", "PATCH", "DELETE"], "/api/cart/*", cart);
  app.post("/cart", cart);
  app.post("/admin/login", limited("login", rateLimits.login));
  // Public and polled: each call may ask the payment provider about the session.
  app.get("/api/orders/by-session/:sessionId", limited("status", rateLimits.status));
  const pages = mountFresh(app, {
    manifest,
    islands,
    styles,
    twind: freshConfig.twind,
    staticDir: new URL("../static", import.meta.url).pathname,
    state: (_req, c): State => ({
      ...deps,
      requestId: c.get("requestId"),
      clientIp: clientOf(c),
    }),
  });
  // Errors thrown by the middleware above: JSON for the API, the error page for a page.
  app.onError((err, c) => {
    if (!c.req.path.startsWith("/api/")) return pages.renderError(c, err);
    if (!toAppError(err)) {
      log("error", "unhandled error", { requestId: c.get("requestId"), error: err });
    }
    return errorResponse(err);
  });
  return app;
}
