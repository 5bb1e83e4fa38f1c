/**
 * The `/v1` routes Settle calls, with Razorpay's Basic auth (`key_id:key_secret`), its JSON
 * bodies and its error shape `{error: {code, description, source, step, reason, metadata,
 * field?}}`. Refund creation honours `X-Refund-Idempotency` as Razorpay documents it.
 */
import { type Context, Hono } from "hono";
import { RazorpayError } from "./objects.ts";
import { readCapture, readOrder, readRefund } from "./params.ts";
import type { Store } from "./store.ts";

export interface ApiOptions {
  store: Store;
  keyId: string;
  keySecret: string;
}

type Handler = (c: Context, body: Record<string, unknown>) => object | Promise<object>;

/** A refund made under an idempotency key, and the request that made it. */
interface KeptRefund {
  request: string;
  refundId: string;
}

export function apiRoutes({ store, keyId, keySecret }: ApiOptions): Hono {
  const app = new Hono();
  const keptRefunds = new Map<string, KeptRefund>();

  const serve = (handler: Handler) => async (c: Context) => {
    try {
      authenticate(c.req.header("authorization"), keyId, keySecret);
      const body = c.req.method === "POST" ? await readJson(c) : {};
      return c.json(structuredClone(await handler(c, body)));
    } catch (err) {
      if (!(err instanceof RazorpayError)) throw err;
      return c.json({ error: err.error }, err.status);
    }
  };
  const collection = (items: object[]) => ({ entity: "collection", count: items.length, items });

  app.post("/v1/orders", serve((_c, body) => store.createOrder(readOrder(body))));
  app.get("/v1/orders/:id", serve((c) => store.order(idOf(c))));
  app.get(
    "/v1/orders/:id/payments",
    serve((c) => collection(store.paymentsOf(store.order(idOf(c)).id))),
  );
  app.get("/v1/payments/:id", serve((c) => store.payment(idOf(c))));
  app.post(
    "/v1/payments/:id/capture",
    serve((c, body) => {
      const payment = store.payment(idOf(c));
      readCapture(body, payment);
      store.capture(payment);
      return payment;
    }),
  );
  app.post(
    "/v1/payments/:id/refund",
    serve((c, body) => {
      const payment = store.payment(idOf(c));
      const key = c.req.header("x-refund-idempotency");
      if (key === undefined) return store.createRefund(payment, readRefund(body, payment));
      if (!/^[A-Za-z0-9_-]{10,}$/.test(key)) {
        throw RazorpayError.badRequest(
          "The idempotency key must be at least 10 characters of letters, digits, - and _",
        );
      }
      const request = JSON.stringify([payment.id, body]);
      const kept = keptRefunds.get(key);
      if (kept) {
        if (kept.request !== request) {
          throw RazorpayError.badRequest(
            "Different request with the same idempotency key has already been processed.",
          );
        }
        return store.refund(kept.refundId);
      }
      const refund = store.createRefund(payment, readRefund(body, payment));
      keptRefunds.set(key, { request, refundId: refund.id });
      return refund;
    }),
  );
  app.get(
    "/v1/payments/:id/refunds",
    serve((c) => collection(store.refundsOf(store.payment(idOf(c)).id))),
  );
  app.get("/v1/refunds/:id", serve((c) => store.refund(idOf(c))));
  app.all(
    "/v1/*",
    serve(() => {
      throw RazorpayError.badRequest("The requested URL was not found on the server.");
    }),
  );
  return app;
}

function authenticate(header: string | undefined, keyId: string, keySecret: string): void {
  const match = header?.match(/^Basic\s+([A-Za-z0-9+/=]+)$/i);
  if (!match) {
    throw new RazorpayError(401, {
      ...RazorpayError.badRequest("").error,
      description: "Please provide your api key for authentication purposes.",
    });
  }
  let credentials = "";
  try {
    credentials = atob(match[1]);
  } catch { /* undecodable: falls through to the refusal below */ }
  if (credentials !== `${keyId}:${keySecret}`) {
    throw new RazorpayError(401, {
      ...RazorpayError.badRequest("").error,
      description: "Authentication failed",
    });
  }
}

async function readJson(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  try {
    const parsed = JSON.parse(text);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed;
  } catch { /* reported below */ }
  throw RazorpayError.badRequest("The request body must be a JSON object.");
}

/** Every route here has an `:id`; the handler type is shared, so Hono cannot see that. */
function idOf(c: Context): string {
  return c.req.param("id") ?? "";
}
