/**
 * Admin moves for route tests: sign in through the login form, read the form token a page
 * rendered, and post admin forms the way a browser does.
 */
import { equal } from "node:assert/strict";
import { writeNewOrder } from "@/lib/db/orders.ts";
import { newOrder } from "@/lib/orders/order.ts";
import { formatOrderNumber } from "@/lib/orders/order_number.ts";
import type { Order, OrderItem } from "@/lib/orders/types.ts";
import { ulid } from "ulid";
import { createTestApp, type TestApp, type TestAppOptions } from "./app.ts";

export const ADMIN_PASSWORD = "correct horse battery staple";
export const API_TOKEN = "admin-api-token-0123456789";

/** A test Settle whose admin password is ADMIN_PASSWORD, disposed with `await using`. */
export async function adminApp(options: TestAppOptions = {}) {
  const app = await createTestApp({
    ...options,
    env: { ADMIN_PASSWORD, ADMIN_API_TOKEN: API_TOKEN, ...options.env },
  });
  return Object.assign(app, { [Symbol.asyncDispose]: () => app.close() });
}

/** Posts the login form; returns the response (not followed). */
export async function postLogin(
  app: TestApp,
  password: string,
  next?: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const body = new URLSearchParams({ password, ...(next ? { next } : {}) });
  return await app.app.request("/admin/login", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body,
    redirect: "manual",
  });
}

/** Signs in and returns the `cookie` header value of the session. */
export async function signIn(app: TestApp): Promise<string> {
  const res = await postLogin(app, ADMIN_PASSWORD);
  equal(res.status, 303, "sign-in works");
  return res.headers.get("set-cookie")!.split(";")[0];
}

/** GETs an admin page as the signed-in admin. */
export async function getPage(app: TestApp, cookie: string, path: string): Promise<Response> {
  return await app.app.request(path, { headers: { cookie }, redirect: "manual" });
}

/** The form token a page rendered (every form on a page carries the same one). */
export async function tokenFrom(app: TestApp, cookie: string, path = "/admin"): Promise<string> {
  const html = await (await getPage(app, cookie, path)).text();
  const token = /name="_token" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error(`no form token on ${path}`);
  return token;
}

/** Posts an admin form (with `_token` when given) without following the redirect. */
export async function postForm(
  app: TestApp,
  cookie: string,
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return await app.app.request(path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie, ...headers },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
}

/** Runs one action on the order page with a fresh token; the response is not followed. */
export async function act(
  app: TestApp,
  cookie: string,
  orderId: string,
  fields: Record<string, string>,
): Promise<Response> {
  const path = `/admin/orders/${orderId}`;
  const _token = await tokenFrom(app, cookie, path);
  return await postForm(app, cookie, path, { _token, ...fields });
}

/** The text of the flash message the next view of `path` shows. */
export async function followFlash(
  app: TestApp,
  cookie: string,
  res: Response,
): Promise<string> {
  const flash = res.headers.get("set-cookie")!.split(";")[0];
  const page = await getPage(app, `${cookie}; ${flash}`, res.headers.get("location")!);
  return await page.text();
}

let seq = 0;

/**
 * Writes `count` orders straight to KV (no checkout), one millisecond apart so their ULIDs
 * and creation times are ordered; `shape` changes each before it is written.
 */
export async function writeOrders(
  kv: Deno.Kv,
  count: number,
  shape: (order: Order, i: number) => void = () => {},
  items: OrderItem[] = [{ productId: "p1", title: "Test mug", unitAmount: 1500, quantity: 1 }],
): Promise<Order[]> {
  const start = Date.now() - count - 60_000;
  const orders: Order[] = [];
  for (let i = 0; i < count; i++) {
    const at = new Date(start + i);
    const order = newOrder({
      id: ulid(at.getTime()),
      number: formatOrderNumber("TS", at, 1000 + ++seq),
      items,
      currency: "nzd",
      now: at,
    });
    shape(order, i);
    const op = kv.atomic();
    writeNewOrder(op, order);
    await op.commit();
    orders.push(order);
  }
  return orders;
}
