import { deepStrictEqual as assertEquals, equal, match, ok } from "node:assert/strict";
import { ADMIN_SESSION_TTL_MS, keys } from "../db/keys.ts";
import { parseConfig } from "../config.ts";
import {
  ADMIN_COOKIE,
  adminCredential,
  checkPassword,
  endSession,
  hashPassword,
  readSession,
  startSession,
} from "./auth.ts";

const SECRET = "auth-test-secret-auth-test-secret!!";
const NOW = new Date("2026-11-22T09:00:00Z");

const withCookie = (cookie: string) =>
  new Request("http://shop.test/admin", { headers: { cookie: cookie.split(";")[0] } });

Deno.test("a plain password is checked exactly; no credential lets nobody in", async () => {
  const credential = { password: "s3cret-pass" };
  equal(await checkPassword(credential, "s3cret-pass"), true);
  equal(await checkPassword(credential, "s3cret-pas"), false);
  equal(await checkPassword(credential, "s3cret-pass "), false);
  equal(await checkPassword(credential, ""), false);
  equal(await checkPassword({}, ""), false);
  equal(await checkPassword({}, "anything"), false);
});

Deno.test("a PBKDF2 hash checks the password it was made from and nothing else", async () => {
  const hash = await hashPassword("hunter2-but-longer", 1000);
  match(hash, /^pbkdf2-sha256\$1000\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  equal(await checkPassword({ passwordHash: hash }, "hunter2-but-longer"), true);
  equal(await checkPassword({ passwordHash: hash }, "hunter2"), false);
  // The hash wins over a plain password when both are set.
  equal(await checkPassword({ passwordHash: hash, password: "plain" }, "plain"), false);
  const other = await hashPassword("hunter2-but-longer", 1000);
  ok(other !== hash, "each hash has its own salt");
  equal(await checkPassword({ passwordHash: "md5$abc" }, "hunter2-but-longer"), false);
});

Deno.test("a session lives in KV behind a signed, HttpOnly, SameSite=Strict cookie", async () => {
  using kv = await Deno.openKv(":memory:");
  const { session, cookie } = await startSession(kv, SECRET, NOW, true);
  match(cookie, new RegExp(`^${ADMIN_COOKIE}=`));
  for (const part of ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"]) {
    ok(cookie.includes(part), `${part} in ${cookie}`);
  }
  assertEquals((await kv.get(keys.adminSession(session.id))).value, session);
  assertEquals(await readSession(kv, withCookie(cookie), SECRET, NOW), session);
  equal(await readSession(kv, withCookie(cookie), "another-secret-another-secret!!", NOW), null);
  const tampered = cookie.replace(/=([0-9a-f])/, (_, c) => `=${c === "a" ? "b" : "a"}`);
  equal(await readSession(kv, withCookie(tampered), SECRET, NOW), null);
  equal(await readSession(kv, new Request("http://shop.test/admin"), SECRET, NOW), null);
});

Deno.test("a session ends at its expiry (whatever KV still holds) and at sign-out", async () => {
  using kv = await Deno.openKv(":memory:");
  const { session, cookie } = await startSession(kv, SECRET, NOW, false);
  ok(!cookie.includes("Secure"), "plain http in development");
  const almost = new Date(NOW.getTime() + ADMIN_SESSION_TTL_MS - 1);
  assertEquals(await readSession(kv, withCookie(cookie), SECRET, almost), session);
  const past = new Date(NOW.getTime() + ADMIN_SESSION_TTL_MS);
  equal(await readSession(kv, withCookie(cookie), SECRET, past), null);

  const clear = await endSession(kv, session);
  match(clear, /Max-Age=0/);
  equal(await readSession(kv, withCookie(cookie), SECRET, NOW), null, "the copied cookie is dead");
  equal((await kv.get(keys.adminSession(session.id))).value, null);
});

Deno.test("without a configured password one is generated once per data folder", async () => {
  using kv = await Deno.openKv(":memory:");
  const dev = parseConfig({ SETTLE_ENV: "test", KV_PATH: ":memory:" });
  const first = await adminCredential(kv, dev);
  ok(first.password && first.password.length >= 12, "a generated password");
  assertEquals(await adminCredential(kv, dev), first, "kept in KV, not made again");
  const configured = parseConfig({ SETTLE_ENV: "test", ADMIN_PASSWORD: "given-password" });
  assertEquals(await adminCredential(kv, configured), {
    password: "given-password",
    passwordHash: undefined,
  });
});
