/**
 * The anonymous cart's id travels in a signed, HttpOnly cookie: the signature is what makes
 * the cookie a credential (the owner check for a retried checkout relies on it), so a
 * forged or tampered cookie counts as no cart at all.
 */
import { parseSigned, serializeSigned } from "hono/utils/cookie";

export const CART_COOKIE = "settle_cart";
/** Matches the cart's KV lifetime (CART_TTL_MS); every write renews both. */
export const CART_COOKIE_MAX_AGE_S = 30 * 24 * 60 * 60;

const CART_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The cart id from a correctly signed cookie, or null. */
export async function readCartId(req: Request, secret: string): Promise<string | null> {
  const header = req.headers.get("cookie");
  if (!header) return null;
  const value = (await parseSigned(header, secret, CART_COOKIE))[CART_COOKIE];
  return typeof value === "string" && CART_ID.test(value) ? value : null;
}

/** The Set-Cookie value carrying `cartId`. */
export async function cartCookie(cartId: string, secret: string, secure: boolean): Promise<string> {
  return await serializeSigned(CART_COOKIE, cartId, secret, {
    path: "/",
    httpOnly: true,
    sameSite: "Lax",
    secure,
    maxAge: CART_COOKIE_MAX_AGE_S,
  });
}

/**
 * Whether cookies for this request should be Secure: the request came over https, or the
 * shop's public origin is https (behind a TLS-terminating proxy the request URL is http).
 */
export function isSecureRequest(req: Request, publicOrigin: string): boolean {
  return new URL(req.url).protocol === "https:" || publicOrigin.startsWith("https://");
}
