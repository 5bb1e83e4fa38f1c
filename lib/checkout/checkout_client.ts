/**
 * The checkout API as islands call it: start a payment, pay again for a saved order, count
 * the cart. Failures come back as words a shopper can act on; nothing here throws.
 * Client-safe: bundled for the browser.
 */

export type ApiResult<T> =
  | { ok: true; data: T }
  | {
    ok: false;
    /** 0 when the shop could not be reached at all. */
    status: number;
    code: string;
    message: string;
    /** A paid order's status page (409 order_paid). */
    statusUrl?: string;
  };

/** Where the provider's hosted payment page is. */
export interface SessionLink {
  id: string;
  url: string | null;
}

const UNREACHABLE = "The shop could not be reached. Check your connection and try again.";
const PROVIDER_DOWN = "The payment provider is not answering right now. Nothing was charged " +
  "and nothing is lost: please try again in a moment.";
const TOO_MANY = "Too many attempts in a short time. Please wait a minute and try again.";

/**
 * What to tell the shopper about a refused request: the server's own words, except for
 * failures whose technical message would not help them (provider down, rate limited).
 */
export function shopperMessage(status: number, serverMessage: string | undefined): string {
  if (status === 502) return PROVIDER_DOWN;
  if (status === 429) return TOO_MANY;
  return serverMessage ?? `Something went wrong (${status}). Please try again.`;
}

/** A request to the shop's JSON API; a refusal or no connection comes back as a failure. */
export async function requestApi<T>(path: string, init: RequestInit): Promise<ApiResult<T>> {
  let res: Response;
  try {
    res = await fetch(path, { credentials: "same-origin", ...init });
  } catch {
    return { ok: false, status: 0, code: "network", message: UNREACHABLE };
  }
  const json = await res.json().catch(() => null);
  if (res.ok && json) return { ok: true, data: json as T };
  const error = json?.error ?? {};
  const message = shopperMessage(res.status, error.message);
  const statusUrl = typeof error.details?.statusUrl === "string"
    ? error.details.statusUrl
    : undefined;
  return { ok: false, status: res.status, code: error.code ?? "unknown", message, statusUrl };
}

/**
 * Opens a checkout session for the shopper's cart. The same `idempotencyKey` always gets the
 * same order and session, so a double click or a repeated request cannot start two.
 */
export function startCheckout(idempotencyKey: string): Promise<ApiResult<SessionLink>> {
  return requestApi("/api/payments/create-checkout-session", {
    method: "POST",
    headers: { "idempotency-key": idempotencyKey },
  });
}

export type ApiFailure = Extract<ApiResult<unknown>, { ok: false }>;

/**
 * Sends the browser to the session's payment page. Returns null once it is on its way, or
 * the failure to explain to the shopper (a session without a page counts as one).
 */
export function openPaymentPage(result: ApiResult<SessionLink>): ApiFailure | null {
  if (result.ok && result.data.url) {
    location.assign(result.data.url);
    return null;
  }
  return result.ok
    ? {
      ok: false,
      status: 200,
      code: "no_payment_page",
      message: "The payment page could not be opened. Please try again.",
    }
    : result;
}

/** A new session for a saved order; `token` proves ownership on another device. */
export function retryPayment(orderId: string, token: string): Promise<ApiResult<SessionLink>> {
  return requestApi(`/api/orders/${encodeURIComponent(orderId)}/retry-session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token }),
  });
}

/** Units in the shopper's cart now, or null when it cannot be read. */
export async function cartCountNow(): Promise<number | null> {
  const result = await requestApi<{ count: number }>("/api/cart", {
    headers: { accept: "application/json" },
  });
  return result.ok ? result.data.count : null;
}
