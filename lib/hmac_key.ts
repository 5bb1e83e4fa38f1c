/**
 * HMAC-SHA256 keys, imported once per secret and process: importing costs about as much as
 * one HMAC, and cookies, order tokens and provider signatures are checked on hot paths.
 */
const encoder = new TextEncoder();
const imported = new Map<string, Promise<CryptoKey>>();

/** The key for `secret`, able to sign and verify. */
export function hmacKey(secret: string): Promise<CryptoKey> {
  let key = imported.get(secret);
  if (!key) {
    key = crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    imported.set(secret, key);
  }
  return key;
}
