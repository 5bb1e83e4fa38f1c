/**
 * Signed fulfilment requests: `X-Settle-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over
 * `${t}.${body}` with FULFILLMENT_SECRET, the scheme Stripe uses for its webhooks, so the
 * receiver can check both who sent the order and that it is fresh. A receiver written in
 * Deno can use `verifySignature` as is.
 */

export const SIGNATURE_HEADER = "X-Settle-Signature";

const encoder = new TextEncoder();

function importKey(secret: string, usage: "sign" | "verify"): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    [usage],
  );
}

const toHex = (bytes: ArrayBuffer) =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");

function fromHex(hex: string): Uint8Array<ArrayBuffer> | null {
  if (!/^(?:[0-9a-f]{2})+$/i.test(hex)) return null;
  return Uint8Array.from(hex.match(/../g)!, (pair) => parseInt(pair, 16));
}

/** The header value for `body` signed at `timestamp` (unix seconds). */
export async function signBody(secret: string, body: string, timestamp: number): Promise<string> {
  const key = await importKey(secret, "sign");
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${timestamp}.${body}`));
  return `t=${timestamp},v1=${toHex(mac)}`;
}

export interface VerifyOptions {
  /** Oldest accepted signature age (default 300 s). */
  toleranceSeconds?: number;
  /** Unix seconds (default now). */
  now?: number;
}

/** True when `header` carries a fresh v1 signature of `body` made with `secret`. */
export async function verifySignature(
  secret: string,
  header: string | null,
  body: string,
  options: VerifyOptions = {},
): Promise<boolean> {
  if (!header) return false;
  const parts = header.split(",").map((p) => p.trim().split("="));
  const t = Number(parts.find(([k]) => k === "t")?.[1]);
  if (!Number.isSafeInteger(t)) return false;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (options.toleranceSeconds ?? 300)) return false;
  const key = await importKey(secret, "verify");
  const signed = encoder.encode(`${t}.${body}`);
  for (const [k, v] of parts) {
    const mac = k === "v1" ? fromHex(v ?? "") : null;
    // HMAC verify compares in constant time.
    if (mac && await crypto.subtle.verify("HMAC", key, mac, signed)) return true;
  }
  return false;
}
