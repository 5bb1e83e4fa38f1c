/**
 * Shopper and provider moves for route tests: check out, pay through the emulator, post
 * signed webhooks, and read what KV holds.
 */
import { deepStrictEqual } from "node:assert/strict";
import { getOrder, listHistory } from "@/lib/db/orders.ts";
import { listProducts } from "@/lib/db/products.ts";
import { clientCookie } from "@/lib/http/cart_cookie.ts";
import type { Order } from "@/lib/orders/types.ts";
import { stripeEventBody, stripeSignature } from "@/lib/payments/stripe_fixtures.ts";
import type { TestApp } from "./app.ts";

export const WEBHOOK_SECRET = "whsec_test_secret";

export interface Checkout {
  id: string;
  url: string;
  orderId: string;
  orderNumber: string;
}

export async function productBySlug(app: TestApp, slug: string) {
  const all = await listProducts(app.kv, { includeInactive: true });
  const product = all.find((p) => p.slug === slug);
  if (!product) throw new Error(`no demo product ${slug}`);
  return product;
}

/** The first active demo products with at least `minStock` units. */
export async function stockedProducts(app: TestApp, minStock = 2) {
  const res = await app.app.request("/api/products");
  const list = await res.json() as { id: string; stock: number; unitAmount: number }[];
  return list.filter((p) => p.stock >= minStock);
}

export async function checkout(
  app: TestApp,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return await app.app.request("/api/payments/create-checkout-session", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

export async function checkoutOk(app: TestApp, body: unknown): Promise<Checkout> {
  const res = await checkout(app, body);
  if (res.status !== 200) throw new Error(`checkout ${res.status}: ${await res.text()}`);
  return await res.json();
}

/** Posts a Stripe-signed event straight to the webhook route. */
export async function postEvent(
  app: TestApp,
  type: string,
  object: unknown,
  options: { id?: string; secret?: string; timestamp?: number } = {},
): Promise<Response> {
  const body = stripeEventBody(type, object, { id: options.id ?? randomEventId() });
  const signature = await stripeSignature(
    body,
    options.secret ?? WEBHOOK_SECRET,
    options.timestamp,
  );
  return await app.app.request("/api/payments/webhook", {
    method: "POST",
    headers: { "content-type": "application/json", "stripe-signature": signature },
    body,
  });
}

/**
 * A `cookie` header naming one API client (the `settle_client` cookie Settle sets for a
 * cartless caller): requests that carry it share its Idempotency-Keys.
 */
export async function clientHeaders(app: TestApp): Promise<Record<string, string>> {
  const setCookie = await clientCookie(crypto.randomUUID(), app.deps.secret, false);
  return { cookie: setCookie.split(";")[0] };
}

export const randomEventId = () => `evt_test_${crypto.randomUUID().replaceAll("-", "")}`;

export async function orderOf(app: TestApp, orderId: string): Promise<Order> {
  const order = (await getOrder(app.kv, orderId)).value;
  if (!order) throw new Error(`order ${orderId} missing`);
  return order;
}

export async function outcomes(app: TestApp, orderId: string): Promise<string[]> {
  return (await listHistory(app.kv, orderId)).map((h) =>
    `${h.fact?.kind ?? "unhandled"}:${h.outcome.kind}`
  );
}

/** Every key and value in KV, to prove a refused request changed nothing. */
export async function snapshot(kv: Deno.Kv): Promise<string[]> {
  const rows: string[] = [];
  for await (const e of kv.list({ prefix: [] })) {
    rows.push(
      JSON.stringify(
        [e.key, e.value, e.versionstamp],
        (_, v) => typeof v === "bigint" ? v.toString() : v,
      ),
    );
  }
  return rows;
}

export async function assertUnchanged(kv: Deno.Kv, before: string[]): Promise<void> {
  deepStrictEqual(await snapshot(kv), before);
}

/** A delivery address in the shop's country and its standard rate, for shippable baskets. */
export const NZ_DELIVERY = {
  shipping: {
    name: "Kim Tan",
    line1: "1 Queen Street",
    city: "Auckland",
    postalCode: "1010",
    country: "NZ",
  },
  shippingRateId: "standard",
};
