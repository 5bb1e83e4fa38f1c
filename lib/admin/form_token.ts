/**
 * Admin forms carry a token bound to the admin session and the moment the form was
 * rendered. It is checked on every state-changing admin request (form field `_token` or
 * header `X-CSRF-Token`), expires after FORM_TOKEN_TTL_MS and works once: a cross-site
 * request cannot know it, and a stale or replayed form is refused.
 */
import { FORM_TOKEN_TTL_MS, keys } from "../db/keys.ts";
import { ConflictError, ForbiddenError } from "../http/errors.ts";

const encoder = new TextEncoder();

async function mac(secret: string, payload: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(payload)));
  return Array.from(sig, (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function issueFormToken(
  secret: string,
  sessionId: string,
  now: Date,
): Promise<string> {
  const nonce = crypto.randomUUID().replaceAll("-", "");
  const issued = now.getTime().toString(36);
  return `${issued}.${nonce}.${await mac(secret, `form:${sessionId}:${issued}:${nonce}`)}`;
}

/** Throws 403 for a missing, forged or expired token and 409 for one already used. */
export async function consumeFormToken(
  kv: Deno.Kv,
  secret: string,
  sessionId: string,
  token: string | null,
  now: Date,
): Promise<void> {
  const [issued, nonce, sig] = (token ?? "").split(".");
  if (!issued || !nonce || !sig) {
    throw new ForbiddenError("This form is missing its security token");
  }
  const expected = await mac(secret, `form:${sessionId}:${issued}:${nonce}`);
  // Both are hex of the same length; compare in constant time.
  let diff = expected.length ^ sig.length;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ sig.charCodeAt(i);
  if (diff !== 0) throw new ForbiddenError("This form's security token is not valid");
  if (now.getTime() - parseInt(issued, 36) > FORM_TOKEN_TTL_MS) {
    throw new ForbiddenError("This form has expired: reload the page and try again");
  }
  const key = keys.formTokenUsed(nonce);
  const res = await kv.atomic().check({ key, versionstamp: null })
    .set(key, true, { expireIn: FORM_TOKEN_TTL_MS }).commit();
  if (!res.ok) throw new ConflictError("form_replayed", "This form was already submitted");
}

/**
 * Browsers say where a request came from; anything but our own origin (or same-origin
 * fetch metadata) is a cross-site request.
 */
export function assertSameOrigin(req: Request, publicOrigin: string): void {
  const site = req.headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") {
    throw new ForbiddenError("Cross-site requests are not allowed here");
  }
  const origin = req.headers.get("origin");
  if (origin && origin !== publicOrigin && origin !== new URL(req.url).origin) {
    throw new ForbiddenError("Cross-site requests are not allowed here");
  }
}
