/**
 * The `/v1` routes: the subset of Stripe's API that Settle calls, with Stripe's auth,
 * idempotency, error bodies and response headers, so the real SDK cannot tell the difference.
 */
import { type Context, Hono } from "hono";
import { readNewSession } from "./checkout_params.ts";
import { cutOff, type Fault, type FaultAction, type Faults } from "./faults.ts";
import { expand, lineItemsList, listPage } from "./listing.ts";
import { IdempotencyCache } from "./idempotency.ts";
import { missingResource, Params, StripeApiError } from "./params.ts";
import { refund } from "./reversals.ts";
import { randomId, type RequestContext, type Store } from "./store.ts";

export interface ApiOptions {
  store: Store;
  apiVersion: string;
  /** When set, the only secret key accepted; otherwise any `sk_test_…` key is. */
  secretKey?: string;
  faults: Faults;
}

interface Call {
  params: Params;
  path: Record<string, string>;
  request: RequestContext;
}

type Handler = (call: Call) => object;

export function apiRoutes(options: ApiOptions): Hono {
  const { store } = options;
  const idempotency = new IdempotencyCache(store.options.now);
  const app = new Hono();

  const serve = (handler: Handler, action?: FaultAction) => async (c: Context) => {
    const requestId = randomId("req_", 14);
    const headers: Record<string, string> = {
      "request-id": requestId,
      "stripe-version": c.req.header("stripe-version") ?? options.apiVersion,
    };
    const key = c.req.method === "POST" ? c.req.header("idempotency-key") : undefined;
    if (key) headers["idempotency-key"] = key;
    let admitted: { scope: string; key: string } | undefined;
    let fault: Fault | undefined;
    const reply = (body: string, status: number) => {
      const json = { ...headers, "content-type": "application/json" };
      return fault === "drop_response"
        ? cutOff(body, status, json)
        : c.body(body, status as 200, json);
    };
    try {
      const apiKey = authenticate(
        c.req.header("authorization"),
        options.secretKey,
      );
      const params = c.req.method === "GET"
        ? new Params(new URL(c.req.url).searchParams)
        : Params.fromBody(await c.req.text());
      if (key) {
        const endpoint = `${c.req.method} ${c.req.path}`;
        const admission = idempotency.admit(
          apiKey,
          key,
          endpoint,
          params.canonical(),
        );
        if (admission.kind === "replay") {
          const { status, body, requestId: original } = admission.response;
          headers["idempotent-replayed"] = "true";
          headers["original-request"] = original;
          return reply(body, status);
        }
        admitted = { scope: apiKey, key };
      }
      // Only a request that would run takes a fault: not one refused at the door or replayed.
      fault = action && options.faults.take(action);
      if (fault === "timeout") {
        // Stripe keeps no record of a request that never ran, so its key stays free.
        if (admitted) idempotency.abandon(admitted.scope, admitted.key);
        return await options.faults.hold(c.req.raw.signal);
      }
      if (fault === "error_500") {
        throw new StripeApiError(
          500,
          "api_error",
          "Sorry, something went wrong. (Stripe emulator: injected error_500 fault.)",
        );
      }
      const request = { id: requestId, idempotency_key: key ?? null };
      const result = handler({ params, path: c.req.param(), request });
      // POST handlers check before they change anything; this catches reads.
      params.assertAllRead();
      const body = JSON.stringify(result);
      if (admitted) {
        idempotency.finish(admitted.scope, admitted.key, {
          status: 200,
          body,
          requestId,
        });
      }
      return reply(body, 200);
    } catch (err) {
      const error = err instanceof StripeApiError ? err : new StripeApiError(
        500,
        "api_error",
        `Emulator error: ${err instanceof Error ? err.message : String(err)}`,
      );
      const body = JSON.stringify(error);
      if (admitted && error.replayable) {
        idempotency.finish(admitted.scope, admitted.key, {
          status: error.status,
          body,
          requestId,
        });
      } else if (admitted) {
        idempotency.abandon(admitted.scope, admitted.key);
      }
      return reply(body, error.status);
    }
  };

  const session = (id: string) => {
    const record = store.session(id);
    if (!record) throw missingResource("checkout.session", id);
    return record;
  };

  app.post(
    "/v1/checkout/sessions",
    serve(({ params }) => {
      const expansions = params.list("expand");
      const created = store.createSession(
        readNewSession(params, store.nowSeconds()),
      );
      return expand(store, created, expansions);
    }, "create_session"),
  );
  app.get(
    "/v1/checkout/sessions",
    serve(({ params }) => {
      store.sweep();
      const status = params.oneOf(
        "status",
        ["open", "complete", "expired"] as const,
      );
      const intent = params.string("payment_intent");
      const all = [...store.sessions.values()].map((r) => r.session)
        .filter((s) =>
          (!status || s.status === status) &&
          (!intent || s.payment_intent === intent)
        );
      return listPage(store, all, params, "/v1/checkout/sessions");
    }),
  );
  app.get(
    "/v1/checkout/sessions/:id",
    serve(({ params, path }) => expand(store, session(path.id).session, params.list("expand"))),
  );
  app.get(
    "/v1/checkout/sessions/:id/line_items",
    serve(({ params, path }) => {
      const list = lineItemsList(session(path.id));
      return listPage(store, list.data, params, list.url);
    }),
  );
  app.post(
    "/v1/checkout/sessions/:id/expire",
    serve(({ params, path, request }) => {
      const record = session(path.id);
      const expansions = params.list("expand");
      params.assertAllRead();
      if (record.session.status !== "open") {
        throw new StripeApiError(
          400,
          "invalid_request_error",
          `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout ` +
            `Session has a status of "${record.session.status}".`,
          { code: "checkout_session_not_open" },
        );
      }
      store.expire(record, request);
      return expand(store, record.session, expansions);
    }),
  );
  app.get(
    "/v1/payment_intents/:id",
    serve(retrieve(store, "payment_intent", "intents")),
  );
  app.get("/v1/charges/:id", serve(retrieve(store, "charge", "charges")));
  app.get("/v1/refunds/:id", serve(retrieve(store, "refund", "refunds")));
  app.post(
    "/v1/refunds",
    serve(({ params, request }) => {
      const charge = params.string("charge");
      const intentId = params.string("payment_intent") ??
        (charge ? store.charges.get(charge)?.payment_intent : undefined);
      if (charge && !intentId) {
        throw missingResource("charge", charge, "charge");
      }
      if (!intentId) {
        throw new StripeApiError(
          400,
          "invalid_request_error",
          "One of the following params should be provided for this request: payment_intent or charge.",
          { code: "parameter_missing" },
          false,
        );
      }
      const input = {
        intentId,
        amount: params.integer("amount", { min: 1 }),
        reason: params.oneOf("reason", [
          "duplicate",
          "fraudulent",
          "requested_by_customer",
        ]) ??
          null,
        metadata: params.metadata(),
      };
      const expansions = params.list("expand");
      params.assertAllRead();
      return expand(store, refund(store, input, request), expansions);
    }),
  );
  app.get(
    "/v1/events",
    serve(({ params }) => {
      const type = params.string("type");
      const types = params.list("types");
      const matches = (t: string) =>
        (!type ||
          (type.endsWith(".*") ? t.startsWith(type.slice(0, -1)) : t === type)) &&
        (types.length === 0 || types.includes(t));
      return listPage(
        store,
        store.events.filter((e) => matches(e.type)),
        params,
        "/v1/events",
      );
    }),
  );
  app.get(
    "/v1/events/:id",
    serve(({ path }) => {
      const event = store.events.find((e) => e.id === path.id);
      if (!event) throw missingResource("event", path.id);
      return event;
    }),
  );
  app.all("/v1/*", (c) => c.json(unrecognized(c.req.method, c.req.path), 404));
  return app;
}

function retrieve(
  store: Store,
  kind: string,
  map: "intents" | "charges" | "refunds",
): Handler {
  return ({ params, path }) => {
    const found = store[map].get(path.id);
    if (!found) throw missingResource(kind, path.id);
    return expand(store, found, params.list("expand"));
  };
}

function unrecognized(method: string, path: string) {
  return new StripeApiError(
    404,
    "invalid_request_error",
    `Unrecognized request URL (${method}: ${path}). The Stripe emulator serves only the ` +
      `endpoints Settle uses.`,
  ).toJSON();
}

function authenticate(header: string | undefined, expected?: string): string {
  const key = apiKeyFrom(header);
  if (!key) {
    throw new StripeApiError(
      401,
      "invalid_request_error",
      "You did not provide an API key. You need to provide your API key in the Authorization " +
        "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    );
  }
  if (
    !key.startsWith("sk_test_") || (expected !== undefined && key !== expected)
  ) {
    throw new StripeApiError(
      401,
      "invalid_request_error",
      `Invalid API Key provided: ${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${
        key.slice(-4)
      }`,
      { code: "api_key_invalid" },
    );
  }
  return key;
}

function apiKeyFrom(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value = ""] = header.split(" ", 2);
  if (scheme.toLowerCase() === "bearer") return value.trim() || undefined;
  if (scheme.toLowerCase() === "basic") {
    // curl -u sk_test_…: sends the key as the user name.
    try {
      return atob(value.trim()).split(":")[0] || undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
