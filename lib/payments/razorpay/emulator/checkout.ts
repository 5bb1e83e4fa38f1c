/**
 * The checkout side: `/v1/checkout.js` (also at `/checkout.js`), a stand-in for Razorpay's
 * script, and the `/v1/checkout/pay` call it makes. That call is authorised by the public
 * `key_id` only, as the real popup is, so it answers any origin (CORS `*`).
 */
import { type Context, Hono } from "hono";
import { cors } from "hono/cors";
import { RazorpayError } from "./objects.ts";
import { type Outcome, pay } from "./payments.ts";
import type { Store } from "./store.ts";
// Imported as text, not read beside this file: the server bundle moves this code to _fresh/.
import SOURCE from "./checkout_script.js" with { type: "text" };

export interface CheckoutOptions {
  store: Store;
  keyId: string;
  keySecret: string;
  /** The emulator's public base URL, baked into the script for its fetch calls. */
  publicUrl: () => string;
}

const OUTCOMES: readonly Outcome[] = ["success", "decline", "pending"];

/** The script's text, pointed at `base`. */
export function checkoutScript(base: string): string {
  return SOURCE.replace('"__BASE__"', JSON.stringify(base));
}

export function checkoutRoutes(options: CheckoutOptions): Hono {
  const app = new Hono();
  const script = (c: Context) =>
    c.body(checkoutScript(options.publicUrl()), 200, {
      "content-type": "text/javascript; charset=utf-8",
      "access-control-allow-origin": "*",
      "cross-origin-resource-policy": "cross-origin",
      "cache-control": "no-store",
    });
  app.get("/v1/checkout.js", script);
  app.get("/checkout.js", script);

  app.use("/v1/checkout/*", cors({ origin: "*", allowMethods: ["POST"] }));
  app.post("/v1/checkout/pay", async (c) => {
    try {
      const body = await c.req.json().catch(() => ({}));
      if (body.key_id !== options.keyId) {
        throw new RazorpayError(401, {
          ...RazorpayError.badRequest("The api key provided is invalid").error,
        });
      }
      if (!OUTCOMES.includes(body.outcome)) throw RazorpayError.badRequest("Unknown outcome");
      const result = await pay(
        options.store,
        options.keySecret,
        String(body.order_id),
        body.outcome,
        {
          email: typeof body.email === "string" ? body.email : undefined,
          contact: typeof body.contact === "string" ? body.contact : undefined,
        },
      );
      return result.error ? c.json({ error: result.error }, 400) : c.json(result.response);
    } catch (err) {
      if (!(err instanceof RazorpayError)) throw err;
      return c.json({ error: err.error }, err.status);
    }
  });
  return app;
}
