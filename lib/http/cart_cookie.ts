/**
 * The anonymous cart's id (and a cartless client's id) travels in a signed, HttpOnly cookie:
 * the signature is what makes the cookie a credential (the owner check for a retried
 * checkout relies on it), so a forged or tampered cookie counts as none at all.
 */
import { hmacKey } from "../hmac_key.ts";
import { parse, serialize } from "hono/utils/cookie";

export const CART_COOKIE = "settle_cart";
/** Matches the cart's KV lifetime (CART_TTL_MS); every write renews both. */
export const CART_COOKIE_MAX_AGE_S = 30 * 24 * 60 * 60;

const CART_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A base64 HMAC-SHA256: 32 bytes in 44 characters, the last one padding. */
const SIGNATURE = /^[A-Za-z0-9+/]{43}=$/;

const encoder = new TextEncoder();

/**
 * A client without a cart (an API caller) gets its own id in this cookie, so the
 * Idempotency-Keys it sends are its own and never meet a stranger's.
 */
export const CLIENT_COOKIE = "settle_client";

/** The cart id from a correctly signed cookie, or null. */
export function readCartId(req: Request, secret: string): Promise<string | null> {
  return readSignedId(req, secret, CART_COOKIE);
}

/** The client id from a correctly signed `settle_client` cookie, or null. */
export function readClientId(req: Request, secret: string): Promise<string | null> {
  return readSignedId(req, secret, CLIENT_COOKIE);
}

async function readSignedId(req: Request, secret: string, name: string): Promise<string | null> {
  const header = req.headers.get("cookie");
  if (!header) return null;
  const value = parse(header, name)[name];
  if (value === undefined) return null;
  // hono's format: `<value>.<base64 HMAC-SHA256 of value>`, the whole URI-encoded.
  const dot = value.lastIndexOf(".");
  const id = value.slice(0, dot);
  const signature = value.slice(dot + 1);
  if (dot < 0 || !CART_ID.test(id) || !SIGNATURE.test(signature)) return null;
  const mac = Uint8Array.from(atob(signature), (c) => c.charCodeAt(0));
  return await crypto.subtle.verify("HMAC", await hmacKey(secret), mac, encoder.encode(id))
    ? id
    : null;
}

/** The Set-Cookie value carrying `cartId`. */
export function cartCookie(cartId: string, secret: string, secure: boolean): Promise<string> {
  return signedIdCookie(CART_COOKIE, cartId, secret, secure);
}

/** The Set-Cookie value carrying a new client's id. */
export function clientCookie(clientId: string, secret: string, secure: boolean): Promise<string> {
  return signedIdCookie(CLIENT_COOKIE, clientId, secret, secure);
}

async function signedIdCookie(name: string, id: string, secret: string, secure: boolean) {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(id));
  const signature = btoa(String.fromCharCode(...new Uint8Array(mac)));
  return serialize(name, `${id}.${signature}`, {
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
