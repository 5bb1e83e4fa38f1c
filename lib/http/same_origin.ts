/**
 * Refuses state changes a browser sent from another site. Hono's csrf middleware makes the
 * call (Origin or Sec-Fetch-Site, for the content types a page can send without a CORS
 * preflight); this module decides which requests it applies to and says why in words.
 * A request with neither header is not from a browser (a server, curl): a forger needs the
 * victim's browser, so such a request passes.
 */
import type { MiddlewareHandler } from "hono";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import { ForbiddenError } from "./errors.ts";

export interface SameOriginOptions {
  /** config.publicOrigin: the shop's own origin behind a proxy (the request URL may differ). */
  publicOrigin: string;
  /**
   * "always" for the no-JavaScript form routes; "with-cookie" for JSON APIs, where only a
   * request carrying the shopper's cookies can be forged (cookieless API callers are free).
   */
  applies: "always" | "with-cookie";
  /** The refusal's message, e.g. "Forms from other sites cannot change your cart". */
  message: string;
}

export function sameOriginWrites(options: SameOriginOptions): MiddlewareHandler {
  const guard = csrf({
    origin: (origin, c) => origin === new URL(c.req.url).origin || origin === options.publicOrigin,
  });
  return async (c, next) => {
    const fromBrowser = c.req.header("origin") !== undefined ||
      c.req.header("sec-fetch-site") !== undefined;
    const forgeable = options.applies === "always" || c.req.header("cookie") !== undefined;
    if (fromBrowser && forgeable) {
      try {
        await guard(c, () => Promise.resolve());
      } catch (err) {
        if (err instanceof HTTPException && err.status === 403) {
          throw new ForbiddenError(options.message);
        }
        throw err;
      }
    }
    await next();
  };
}
