/**
 * What the fuzzer sends: every public route from fresh.gen.ts with its methods, and
 * generators for hostile path values, queries, headers and bodies. Every request is wrong
 * in at least one way that Settle must refuse (no valid signature, cookie or token, and no
 * body that could pass), so none of them may change anything.
 */
import manifest from "@/fresh.gen.ts";
import { signOrderToken } from "@/lib/checkout/owner_token.ts";
import { stripeSignature } from "@/lib/payments/stripe_fixtures.ts";
import type { Prng } from "./prng.ts";
import { SESSION_SECRET, WEBHOOK_SECRET } from "./processes.ts";

export interface Route {
  /** e.g. /api/cart/items/:productId */
  pattern: string;
  methods: string[];
}

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const ODD_METHODS = ["PROPFIND", "PURGE", "FOO", "get", "M-SEARCH"];

/** The routes of the manifest (pages and handlers; layouts, middleware and error pages skipped). */
export function publicRoutes(): Route[] {
  const routes: Route[] = [];
  for (const [key, mod] of Object.entries(manifest.routes)) {
    if (/\/_[^/]*$/.test(key)) continue;
    const pattern = key.replace(/^\.\/routes/, "").replace(/\.[jt]sx?$/, "")
      .replace(/\/\([^)]+\)/g, "").replace(/\/index$/, "")
      .replace(/\[\.\.\.([^\]]+)\]/g, ":$1{.+}").replace(/\[([^\]]+)\]/g, ":$1") || "/";
    const handler = (mod as { handler?: unknown }).handler;
    const methods = typeof handler === "function"
      ? METHODS
      : [...Object.keys(handler ?? {}), ...("default" in mod ? ["GET"] : [])];
    routes.push({ pattern, methods: [...new Set(methods)] });
  }
  return routes;
}

/** Ids that exist, so the fuzzer reaches past "not found" into the real checks. */
export interface KnownIds {
  orderIds: string[];
  sessionIds: string[];
  productIds: string[];
  slugs: string[];
}

export const NASTY = [
  "",
  " ",
  "..",
  "../../etc/passwd",
  "%2e%2e%2f",
  "\u0000",
  "💥🛒",
  "\u202eevil",
  "ü".repeat(40),
  "' OR 1=1 --",
  "<script>alert(1)</script>",
  "-1",
  "0",
  "1e308",
  "NaN",
  "9".repeat(400),
  "a".repeat(3000),
  "null",
  "[object Object]",
  "__proto__",
  "constructor",
  "cs_",
  "cs_test_\n",
  "%",
];

function mutate(prng: Prng, id: string): string {
  switch (prng.int(0, 4)) {
    case 0:
      return id + prng.pick(["x", "0", "_", "💥", "%00"]);
    case 1:
      return id.slice(0, Math.max(1, id.length - prng.int(1, 4)));
    case 2:
      return id.toUpperCase();
    case 3:
      return id.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
    default:
      return ` ${id}`;
  }
}

export function paramValue(prng: Prng, name: string, known: KnownIds): string {
  const pools: Record<string, string[]> = {
    sessionId: known.sessionIds,
    orderId: known.orderIds,
    id: known.orderIds,
    productId: known.productIds,
    slug: known.slugs,
  };
  const pool = pools[name] ?? [];
  const roll = prng.next();
  let raw: string;
  if (pool.length && roll < 0.35) raw = prng.pick(pool);
  else if (pool.length && roll < 0.6) raw = mutate(prng, prng.pick(pool));
  else raw = prng.pick(NASTY);
  return prng.chance(0.9) ? encodeURIComponent(raw) : raw.replaceAll("/", "%2F");
}

export function query(prng: Prng, known: KnownIds): string {
  if (prng.chance(0.4)) return "";
  const names = [
    "session_id",
    "token",
    "order",
    "next",
    "page",
    "status",
    "q",
    "cursor",
    "__proto__",
  ];
  const parts = Array.from({ length: prng.int(1, 4) }, () => {
    const value = prng.chance(0.3) && known.sessionIds.length
      ? prng.pick(known.sessionIds)
      : prng.pick(NASTY);
    return `${prng.pick(names)}=${encodeURIComponent(value)}`;
  });
  return `?${parts.join("&")}`;
}

/** A random JSON value; `depth` bounds the nesting. */
export function randomJson(prng: Prng, depth = 4): unknown {
  const roll = prng.int(0, depth > 0 ? 9 : 5);
  switch (roll) {
    case 0:
      return null;
    case 1:
      return prng.chance(0.5);
    case 2:
      return prng.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, -0, 99, 100, 1e9]);
    case 3:
      return prng.pick(NASTY);
    case 4:
      return prng.int(-5, 200);
    case 5:
      return "x".repeat(prng.int(0, 600));
    case 6:
    case 7:
      return Array.from({ length: prng.int(0, 6) }, () => randomJson(prng, depth - 1));
    default: {
      const keys = [
        "items",
        "productId",
        "quantity",
        "metadata",
        "__proto__",
        "id",
        "type",
        "data",
        "object",
        "price",
        "unitAmount",
        "total",
        "email",
        "password",
        "constructor",
      ];
      const obj: Record<string, unknown> = {};
      for (let i = prng.int(0, 5); i > 0; i--) obj[prng.pick(keys)] = randomJson(prng, depth - 1);
      return obj;
    }
  }
}

/**
 * A body shaped like the route's real input but wrong in at least one field: a real
 * product never comes with a quantity that could be accepted.
 */
export function nearMiss(prng: Prng, known: KnownIds): unknown {
  const badQuantity = () => prng.pick<unknown>([0, -1, 100, 1e9, 1.5, "2", null, [], {}, 1e308]);
  const line = () =>
    prng.chance(0.5) && known.productIds.length
      ? { productId: prng.pick(known.productIds), quantity: badQuantity() }
      : { productId: prng.pick(NASTY), quantity: prng.int(1, 3) };
  switch (prng.int(0, 5)) {
    case 0:
      return { items: Array.from({ length: prng.int(1, 9) }, line) };
    case 1:
      return line();
    case 2:
      return { quantity: badQuantity() };
    case 3:
      return { items: [line()], metadata: { [prng.pick(NASTY) || "k"]: "x".repeat(600) } };
    case 4:
      return { items: "all", metadata: Array.from({ length: 30 }, (_, i) => i) };
    default:
      return {
        password: prng.pick(NASTY),
        next: prng.pick(["//evil.example", "/\\evil", "javascript:1"]),
      };
  }
}

export interface Body {
  body?: string;
  contentType?: string;
}

export function body(prng: Prng, path: string, known: KnownIds): Body {
  const limit = path === "/api/payments/webhook" ? 1024 * 1024 : 16 * 1024;
  const roll = prng.next();
  if (roll < 0.1) return {};
  if (roll < 0.12) {
    return { body: "x".repeat(limit + prng.int(1, 4096)), contentType: "application/json" };
  }
  if (roll < 0.22) {
    return {
      body: prng.pick(["{", "[1,", "}{", "\u0000", "nul", '{"a":1,}', "[".repeat(6000)]),
      contentType: "application/json",
    };
  }
  if (roll < 0.3) {
    return {
      body: `password=${encodeURIComponent(prng.pick(NASTY))}&next=${
        encodeURIComponent(prng.pick(NASTY))
      }`,
      contentType: prng.pick([
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "text/plain",
      ]),
    };
  }
  const value = roll < 0.65 ? nearMiss(prng, known) : randomJson(prng);
  return {
    body: JSON.stringify(value),
    contentType: prng.pick([
      "application/json",
      "application/json; charset=utf-8",
      "text/plain",
      "",
      "application/xml",
    ]),
  };
}

/** Headers that claim more than they prove: bad cookies, tokens and signatures. */
export async function headers(
  prng: Prng,
  path: string,
  payload: string,
  known: KnownIds,
): Promise<Record<string, string>> {
  const h: Record<string, string> = {};
  const maybe = (p: number) => prng.chance(p);
  if (maybe(0.4)) {
    const uuid = crypto.randomUUID();
    h.cookie = prng.pick([
      `settle_cart=${uuid}`,
      `settle_cart=${uuid}.${btoa(String(prng.next())).slice(0, 43)}=`,
      `settle_cart=${"z".repeat(prng.int(1, 6000))}`,
      `settle_admin=${uuid}; settle_cart=%E0%A4%A`,
      `=;;;; settle_cart`,
      `settle_cart=${encodeURIComponent(prng.pick(NASTY))}`,
    ]);
  }
  if (maybe(0.3) && known.orderIds.length) {
    // A real token, but for another order than the one in the path.
    h["x-order-token"] = maybe(0.5)
      ? await signOrderToken(SESSION_SECRET, `${prng.pick(known.orderIds)}x`)
      : prng.pick(NASTY).slice(0, 100);
  }
  if (maybe(0.3)) h["idempotency-key"] = prng.pick(NASTY).slice(0, 8000);
  if (maybe(0.2)) h.authorization = `Bearer ${prng.pick(NASTY)}`;
  if (maybe(0.2)) h.origin = prng.pick(["https://evil.example", "null", "http://127.0.0.1:1"]);
  if (maybe(0.1)) h["x-forwarded-for"] = prng.pick(NASTY);
  if (path === "/api/payments/webhook" || maybe(0.1)) {
    h["stripe-signature"] = await signature(prng, payload);
  }
  // fetch refuses header values beyond Latin-1 and control characters; send the rest.
  for (const name of Object.keys(h)) h[name] = h[name].replace(/[^\x20-\x7e\x80-\xff]/g, "?");
  return h;
}

/** Never a signature that verifies on a body Settle could act on. */
async function signature(prng: Prng, payload: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const hex = () => Array.from({ length: 64 }, () => prng.int(0, 15).toString(16)).join("");
  switch (prng.int(0, 6)) {
    case 0:
      return `t=${now},v1=${hex()}`;
    case 1:
      return await stripeSignature(payload, "whsec_not_the_real_secret", now);
    case 2:
      // The real secret, but an hour old (replayed).
      return await stripeSignature(payload, WEBHOOK_SECRET, now - 3600);
    case 3:
      return await stripeSignature(payload, WEBHOOK_SECRET, now + 3600);
    case 4:
      return `t=${now},${Array.from({ length: 40 }, () => `v1=${hex()}`).join(",")}`;
    case 5:
      return prng.pick(NASTY);
    default:
      return `v1=${hex()}`;
  }
}

export function method(prng: Prng, route: Route): string {
  const roll = prng.next();
  if (roll < 0.7 && route.methods.length) return prng.pick(route.methods);
  if (roll < 0.95) return prng.pick(METHODS);
  return prng.pick(ODD_METHODS);
}
