/**
 * The one-time message an admin page shows after a form's 303 ("Refunded $5.00.", or why
 * not): a signed, short-lived cookie scoped to /admin, read and cleared by the next page
 * view. Signed so that nobody else (a sibling subdomain, say) can plant a message such as a
 * link to send customers. Refusals travel this way too, so every form answers with a
 * redirect and a reload never submits it again.
 */
import { z } from "zod";
import { parseSigned, serializeSigned } from "hono/utils/cookie";
import { toAppError, ValidationError } from "../http/errors.ts";

export const FLASH_COOKIE = "settle_admin_flash";
/** Long enough for the redirect to land, short enough not to greet a later visit. */
const FLASH_MAX_AGE_S = 60;

const FlashSchema = z.object({
  tone: z.enum(["success", "error", "info"]),
  message: z.string().max(500),
  /** A link the admin needs next (a retry session's checkout URL). */
  url: z.url({ protocol: /^https?$/ }).max(2000).optional(),
  /** A refusal's field problems, e.g. `{path: "reason", message: "say why …"}`. */
  issues: z.array(z.object({ path: z.string().max(100), message: z.string().max(300) }))
    .max(20).optional(),
  /** The refused form's fields, to fill it in again. */
  draft: z.record(z.string().max(40), z.string().max(2000)).optional(),
});
export type Flash = z.infer<typeof FlashSchema>;

/** Browsers drop a cookie past 4096 bytes, name and attributes included. */
const MAX_COOKIE_BYTES = 4000;

/** The Set-Cookie value that carries `flash` to the next admin page. */
export async function flashCookie(secret: string, flash: Flash, secure: boolean): Promise<string> {
  const serialize = (value: Flash) =>
    serializeSigned(FLASH_COOKIE, JSON.stringify(value), secret, {
      path: "/admin",
      httpOnly: true,
      sameSite: "Strict",
      secure,
      maxAge: FLASH_MAX_AGE_S,
    });
  const cookie = await serialize(flash);
  if (cookie.length <= MAX_COOKIE_BYTES || !flash.draft) return cookie;
  // A long draft (a reason full of emoji) must not cost the message itself.
  return await serialize({ ...flash, draft: undefined });
}

/** A 303 to `location` that shows `flash` there. */
export async function redirectWithFlash(
  location: string,
  flash: Flash,
  { secret, publicOrigin }: { secret: string; publicOrigin: string },
): Promise<Response> {
  return new Response(null, {
    status: 303,
    headers: {
      location,
      "set-cookie": await flashCookie(secret, flash, publicOrigin.startsWith("https:")),
    },
  });
}

/** Statuses that mean "not done, and here is why": the form's page says so. */
const REFUSALS = new Set([400, 409, 422, 502]);

/**
 * The flash telling why an admin form was refused, with its fields to fill in again; null
 * for anything that is not a refusal (a 404, a 500), which the caller lets through.
 */
export function refusalFlash(thrown: unknown, draft: Record<string, string>): Flash | null {
  const err = toAppError(thrown);
  if (!err || !REFUSALS.has(err.status)) return null;
  const issues = err instanceof ValidationError && Array.isArray(err.details)
    ? (err.details as { path: string; message: string }[]).slice(0, 20)
      .map(({ path, message }) => ({ path: path.slice(0, 100), message: message.slice(0, 300) }))
    : undefined;
  // Cut to what readFlash accepts, so an oversized field cannot lose the whole message.
  const fields = Object.entries(draft).slice(0, 20)
    .map(([name, value]) => [name.slice(0, 40), value.slice(0, 2000)]);
  return {
    tone: "error",
    message: err.message.slice(0, 500),
    issues,
    draft: Object.fromEntries(fields),
  };
}

/** The Set-Cookie value that removes the flash once it has been shown. */
export const CLEAR_FLASH = `${FLASH_COOKIE}=; Path=/admin; Max-Age=0; HttpOnly; SameSite=Strict`;

/** The flash this request carries, if it is correctly signed and well-formed. */
export async function readFlash(req: Request, secret: string): Promise<Flash | null> {
  const header = req.headers.get("cookie");
  if (!header?.includes(FLASH_COOKIE)) return null;
  const value = (await parseSigned(header, secret, FLASH_COOKIE))[FLASH_COOKIE];
  if (typeof value !== "string") return null;
  try {
    const parsed = FlashSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
