/**
 * Admin sign-in: one admin secret (ADMIN_PASSWORD, or ADMIN_PASSWORD_HASH made by
 * `deno task hash-password`), checked in constant time; a session kept in KV (so logout
 * really ends it) behind a signed HttpOnly SameSite=Strict cookie.
 */
import { timingSafeEqual } from "node:crypto";
import { parseSigned, serializeSigned } from "hono/utils/cookie";
import { ADMIN_SESSION_TTL_MS, keys } from "../db/keys.ts";
import { devSecret, randomSecret } from "../dev_secrets.ts";
import type { Config } from "../config.ts";

export const ADMIN_COOKIE = "settle_admin";
const encoder = new TextEncoder();

export interface AdminSession {
  id: string;
  /** Who is signed in; one shared admin for now. */
  actor: string;
  createdAt: string;
  expiresAt: string;
}

export interface AdminCredential {
  password?: string;
  passwordHash?: string;
}

/**
 * The configured credential. In development without one, a password is generated once per
 * data folder and printed the first time, so `deno task start` needs no variables.
 */
export async function adminCredential(kv: Deno.Kv, config: Config): Promise<AdminCredential> {
  const { password, passwordHash } = config.admin;
  if (password || passwordHash || config.env === "production") return { password, passwordHash };
  let generated = false;
  const dev = await devSecret(kv, "admin_password", () => {
    generated = true;
    return randomSecret(9);
  });
  if (generated && config.env === "development") {
    console.log(`Admin password for /admin (printed once, kept in KV): ${dev}`);
  }
  return { password: dev };
}

/** Constant-time check of a submitted password against the credential. */
export async function checkPassword(
  credential: AdminCredential,
  submitted: string,
): Promise<boolean> {
  if (credential.passwordHash) return await verifyPasswordHash(credential.passwordHash, submitted);
  if (!credential.password) return false;
  const [a, b] = await Promise.all([digest(submitted), digest(credential.password)]);
  return timingSafeEqual(a, b);
}

const digest = async (s: string) =>
  new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(s)));

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

async function pbkdf2(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as Uint8Array<ArrayBuffer>, iterations },
    key,
    256,
  );
  return new Uint8Array(bits);
}

/** `pbkdf2-sha256$<iterations>$<salt>$<hash>` (base64), for ADMIN_PASSWORD_HASH. */
export async function hashPassword(password: string, iterations = 310_000): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return `pbkdf2-sha256$${iterations}$${b64(salt)}$${
    b64(await pbkdf2(password, salt, iterations))
  }`;
}

async function verifyPasswordHash(stored: string, submitted: string): Promise<boolean> {
  const [scheme, iterations, salt, hash] = stored.split("$");
  if (scheme !== "pbkdf2-sha256" || !hash) return false;
  const expected = unb64(hash);
  const actual = await pbkdf2(submitted, unb64(salt), Number(iterations));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Starts a session and returns its Set-Cookie value. */
export async function startSession(
  kv: Deno.Kv,
  secret: string,
  now: Date,
  secure: boolean,
): Promise<{ session: AdminSession; cookie: string }> {
  const session: AdminSession = {
    id: randomSecret(24),
    actor: "admin",
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + ADMIN_SESSION_TTL_MS).toISOString(),
  };
  await kv.set(keys.adminSession(session.id), session, { expireIn: ADMIN_SESSION_TTL_MS });
  const cookie = await serializeSigned(ADMIN_COOKIE, session.id, secret, {
    path: "/",
    httpOnly: true,
    sameSite: "Strict",
    secure,
    maxAge: ADMIN_SESSION_TTL_MS / 1000,
  });
  return { session, cookie };
}

/** The live session named by a correctly signed cookie, or null. */
export async function readSession(
  kv: Deno.Kv,
  req: Request,
  secret: string,
  now: Date,
): Promise<AdminSession | null> {
  const header = req.headers.get("cookie");
  if (!header) return null;
  const id = (await parseSigned(header, secret, ADMIN_COOKIE))[ADMIN_COOKIE];
  if (typeof id !== "string" || !/^[0-9a-f]{48}$/.test(id)) return null;
  const session = (await kv.get<AdminSession>(keys.adminSession(id))).value;
  // expireIn is lazy: the expiry inside the record is what counts.
  if (!session || new Date(session.expiresAt) <= now) return null;
  return session;
}

/** Ends the session and returns the Set-Cookie value that clears the cookie. */
export async function endSession(kv: Deno.Kv, session: AdminSession | null): Promise<string> {
  if (session) await kv.delete(keys.adminSession(session.id));
  return `${ADMIN_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict`;
}
