import assert from "node:assert/strict";
import { parseSigned, serializeSigned } from "hono/utils/cookie";
import {
  CART_COOKIE,
  cartCookie,
  CLIENT_COOKIE,
  clientCookie,
  isSecureRequest,
  readCartId,
  readClientId,
} from "./cart_cookie.ts";

const SECRET = "a-test-secret-that-is-long-enough-123";
const CART = "0b6f3d52-0c2b-4bd4-9d6b-2f0f6b1f4d2a";

const withCookie = (cookie: string) =>
  new Request("http://shop.test/cart", { headers: { cookie } });
/** The `name=value` part of a Set-Cookie header. */
const pair = (setCookie: string) => setCookie.split(";")[0];

Deno.test("cartCookie is signed, HttpOnly, Lax, site-wide and renewed for 30 days", async () => {
  const header = await cartCookie(CART, SECRET, false);
  assert.match(header, new RegExp(`^${CART_COOKIE}=${CART}\\.`));
  assert.match(header, /; Max-Age=2592000/);
  assert.match(header, /; Path=\//);
  assert.match(header, /; HttpOnly/);
  assert.match(header, /; SameSite=Lax/);
  assert.doesNotMatch(header, /Secure/);
  assert.match(await cartCookie(CART, SECRET, true), /; Secure/);
});

Deno.test("readCartId returns the id of a cookie signed with the secret", async () => {
  const cookie = pair(await cartCookie(CART, SECRET, false));
  assert.equal(await readCartId(withCookie(`theme=dark; ${cookie}`), SECRET), CART);
  assert.equal(await readCartId(new Request("http://shop.test/"), SECRET), null);
});

Deno.test("a forged or tampered cart cookie counts as none", async () => {
  const cookie = pair(await cartCookie(CART, SECRET, false));
  const other = "7c1d2e3f-0000-4000-8000-000000000000";
  const swapped = cookie.replace(CART, other);
  assert.equal(await readCartId(withCookie(swapped), SECRET), null);
  assert.equal(await readCartId(withCookie(cookie), "another-secret-of-enough-length!!"), null);
  assert.equal(await readCartId(withCookie(`${CART_COOKIE}=${CART}`), SECRET), null);
  const signedJunk = pair(await cartCookie("not-a-cart-id", SECRET, false));
  assert.equal(await readCartId(withCookie(signedJunk), SECRET), null);
});

Deno.test("cookies keep hono's signed format: old ones still read, new ones read by hono", async () => {
  const old = pair(await serializeSigned(CLIENT_COOKIE, CART, SECRET));
  assert.equal(await readClientId(withCookie(old), SECRET), CART);
  const fresh = pair(await clientCookie(CART, SECRET, false));
  assert.equal(fresh, old);
  assert.equal((await parseSigned(fresh, SECRET, CLIENT_COOKIE))[CLIENT_COOKIE], CART);
});

Deno.test("isSecureRequest trusts an https request or an https public origin", () => {
  const http = new Request("http://localhost:8000/");
  assert.equal(isSecureRequest(http, "http://localhost:8000"), false);
  assert.equal(isSecureRequest(http, "https://shop.example"), true);
  assert.equal(isSecureRequest(new Request("https://shop.example/"), "http://x"), true);
});
