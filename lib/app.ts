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
import { clientIp } from "./http/client_ip.ts";
import { errorResponse, PayloadTooLargeError } from "./http/errors.ts";
import { rateLimit } from "./http/rate_limit.ts";
import { requestLog } from "./http/request_log.ts";
import { securityHeaders } from "./http/security_headers.ts";
import { log } from "./log.ts";
import type { AppDeps, State } from "./state.ts";

/** Stripe sends up to a few KiB; anything near this is not a real event. */
export const WEBHOOK_BODY_LIMIT = 1024 * 1024;
/** Every other JSON API body. */
export const API_BODY_LIMIT = 16 * 1024;

export interface AppOptions {
  /** Island bundles: prebuilt (`_fresh/`) or built once at start. */
  islands: IslandAssets;
  /** Origins forms may navigate to besides Stripe Checkout (the emulator's hosted page). */
  formActionOrigins?: string[];
}

export function createApp(deps: AppDeps, { islands, formActionOrigins }: AppOptions): Hono {
  const { config, kv } = deps;
  const app = new Hono();
  const clientOf = (c: Context) => clientIp(c, config.trustProxy);
  app.use(
    "*",
    requestLog({ trustProxy: config.trustProxy, clientOf, quietPaths: ["/healthz", "/readyz"] }),
  );
  app.use(
    "*",
    securityHeaders({ env: config.env, publicOrigin: config.publicOrigin, formActionOrigins }),
  );
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
  app.use("/api/payments/webhook", limit(WEBHOOK_BODY_LIMIT));
  app.use("/api/*", async (c, next) => {
    if (c.req.path === "/api/payments/webhook") return await next();
    return await limit(API_BODY_LIMIT)(c, next);
  });
  const limited = (name: string, perMinute: number) =>
    rateLimit({ kv, name, perMinute, clientOf, now: () => deps.now().getTime() });
  const { rateLimits } = config;
  app.post("/api/payments/create-checkout-session", limited("checkout", rateLimits.checkout));
  app.post("/api/orders/:orderId/retry-session", limited("retry", rateLimits.retry));
  app.on(["POST", "PATCH", "DELETE"], "/api/cart/*", limited("cart", rateLimits.cart));
  app.post("/admin/login", limited("login", rateLimits.login));
  // Public and polled: each call may ask the payment provider about the session.
  app.get("/api/orders/by-session/:sessionId", limited("status", rateLimits.status));
  app.onError((err, c) => {
    log("error", "unhandled error", { requestId: c.get("requestId"), error: err });
    return errorResponse(err);
  });
  mountFresh(app, {
    manifest,
    islands,
    twind: freshConfig.twind,
    staticDir: new URL("../static", import.meta.url).pathname,
    state: (_req, c): State => ({
      ...deps,
      requestId: c.get("requestId"),
      clientIp: clientOf(c),
    }),
  });
  return app;
}
