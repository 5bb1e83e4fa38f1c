/** Bearer-token access for admin scripts; disabled (401 for everyone) when no token is set. */
import { timingSafeEqual } from "node:crypto";
import { UnauthorizedError } from "../http/errors.ts";

const encoder = new TextEncoder();

export async function requireApiToken(req: Request, token: string | undefined): Promise<void> {
  const header = req.headers.get("authorization") ?? "";
  const match = /^Bearer (\S+)$/.exec(header);
  if (!token || !match) throw new UnauthorizedError("A valid admin API token is required");
  // Compare digests so neither length nor content leaks through timing.
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(match[1])),
    crypto.subtle.digest("SHA-256", encoder.encode(token)),
  ]);
  if (!timingSafeEqual(new Uint8Array(a), new Uint8Array(b))) {
    throw new UnauthorizedError("A valid admin API token is required");
  }
}
