/**
 * Stripe's webhook signature: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, keyed
 * with the whole `whsec_…` string, exactly as Stripe's libraries verify it.
 */

export class Signer {
  private constructor(private readonly key: CryptoKey) {}

  static async create(secret: string): Promise<Signer> {
    const key = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    return new Signer(key);
  }

  async header(body: string, timestamp: number): Promise<string> {
    const mac = await crypto.subtle.sign(
      "HMAC",
      this.key,
      new TextEncoder().encode(`${timestamp}.${body}`),
    );
    const hex = Array.from(
      new Uint8Array(mac),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
    return `t=${timestamp},v1=${hex}`;
  }
}

/** A fresh `whsec_…` secret for when the caller does not bring one. */
export function generateWebhookSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `whsec_${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
