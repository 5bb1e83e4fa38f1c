/**
 * A signed token that proves ownership of one order (the cancel URL carries it), so a
 * shopper on another device can still retry the payment of their own order and nobody
 * else can.
 */
import { hmacKey } from "../hmac_key.ts";
const encoder = new TextEncoder();

const toBase64Url = (bytes: ArrayBuffer) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

/**
 * 32 bytes in 43 characters leave the last one 2 spare bits; only the spelling with them
 * clear is accepted, so one token has one spelling (a changed character never verifies).
 */
const CANONICAL_TOKEN = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

function fromBase64Url(token: string): Uint8Array<ArrayBuffer> | null {
  if (!CANONICAL_TOKEN.test(token)) return null;
  const binary = atob(token.replaceAll("-", "+").replaceAll("_", "/") + "=");
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

export async function signOrderToken(secret: string, orderId: string): Promise<string> {
  const mac = await crypto.subtle.sign(
    "HMAC",
    await hmacKey(secret),
    encoder.encode(`order:${orderId}`),
  );
  return toBase64Url(mac);
}

/** Constant-time check (crypto.subtle.verify) of a token from a URL. */
export async function verifyOrderToken(
  secret: string,
  orderId: string,
  token: string | null | undefined,
): Promise<boolean> {
  const mac = token ? fromBase64Url(token) : null;
  if (!mac) return false;
  return await crypto.subtle.verify(
    "HMAC",
    await hmacKey(secret),
    mac,
    encoder.encode(`order:${orderId}`),
  );
}
