/**
 * Razorpay's two signatures, both hex HMAC-SHA256 with no timestamp: the checkout's payment
 * signature over `order_id|payment_id` (keyed with the API key secret) and the webhook
 * signature over the raw body (keyed with the webhook secret). Verification goes through
 * `crypto.subtle.verify`, which compares in constant time; node:crypto is not used.
 */
import { hmacKey } from "../../hmac_key.ts";

const encoder = new TextEncoder();

async function hexHmac(secret: string, message: string): Promise<string> {
  const mac = await crypto.subtle.sign(
    "HMAC",
    await hmacKey(secret),
    encoder.encode(message),
  );
  return Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** 32 bytes as 64 hex digits, or undefined for anything else (so verify can refuse it early). */
function decodeHex(hex: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return undefined;
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

async function verifyHex(secret: string, message: string, signature: unknown): Promise<boolean> {
  if (typeof signature !== "string" || secret === "") return false;
  const mac = decodeHex(signature.trim());
  if (!mac) return false;
  return await crypto.subtle.verify(
    "HMAC",
    await hmacKey(secret),
    mac,
    encoder.encode(message),
  );
}

/** What checkout hands the shop as `razorpay_signature`. */
export function paymentSignature(
  keySecret: string,
  orderId: string,
  paymentId: string,
): Promise<string> {
  return hexHmac(keySecret, `${orderId}|${paymentId}`);
}

/** What Razorpay sends as `X-Razorpay-Signature` for a webhook body. */
export function webhookSignature(secret: string, rawBody: string): Promise<string> {
  return hexHmac(secret, rawBody);
}

/** True only for a well-formed hex signature that matches; never throws on bad input. */
export function verifyPaymentSignature(
  keySecret: string,
  orderId: string,
  paymentId: string,
  signature: unknown,
): Promise<boolean> {
  return verifyHex(keySecret, `${orderId}|${paymentId}`, signature);
}

/** `rawBody` must be the bytes as received, decoded as UTF-8, not re-serialised JSON. */
export function verifyWebhookSignature(
  secret: string,
  rawBody: string,
  signature: unknown,
): Promise<boolean> {
  return verifyHex(secret, rawBody, signature);
}
