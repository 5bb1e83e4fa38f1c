/**
 * The one-time message an admin page shows after a form's 303 ("Refunded $5.00."): a signed,
 * short-lived cookie scoped to /admin, read and cleared by the next page view. Signed so that
 * nobody else (a sibling subdomain, say) can plant a message such as a link to send customers.
 */
import { z } from "zod";
import { parseSigned, serializeSigned } from "hono/utils/cookie";

export const FLASH_COOKIE = "settle_admin_flash";
/** Long enough for the redirect to land, short enough not to greet a later visit. */
const FLASH_MAX_AGE_S = 60;

const FlashSchema = z.object({
  tone: z.enum(["success", "error", "info"]),
  message: z.string().max(500),
  /** A link the admin needs next (a retry session's checkout URL). */
  url: z.url({ protocol: /^https?$/ }).max(2000).optional(),
});
export type Flash = z.infer<typeof FlashSchema>;

/** The Set-Cookie value that carries `flash` to the next admin page. */
export async function flashCookie(secret: string, flash: Flash, secure: boolean): Promise<string> {
  return await serializeSigned(FLASH_COOKIE, JSON.stringify(flash), secret, {
    path: "/admin",
    httpOnly: true,
    sameSite: "Strict",
    secure,
    maxAge: FLASH_MAX_AGE_S,
  });
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
