/**
 * What the fuzzer posts beside its malformed requests: the no-JavaScript forms (POST /cart,
 * /checkout, /checkout/cancel), well-formed and malformed, same-origin and cross-site, and
 * correctly signed webhook events whose strings run from 3,000 characters to ~900 KB.
 *
 * Unlike the rest of the fuzz these may change state, but only in ways the fuzz can name
 * up front (`Expected`): a same-origin, well-formed cart form fills a cart the fuzzer owns,
 * and a signed event about objects no order has is kept (its processed id, its kept record,
 * a place on its references' waiting lists). Every other post is one Settle must refuse: a
 * shopper's real cart, an order's real token and a cart with items are only ever sent
 * cross-site or with a body that cannot be read, so no order, stock or session may move.
 */
import { signOrderToken } from "@/lib/checkout/owner_token.ts";
import { cartCookie } from "@/lib/http/cart_cookie.ts";
import {
  stripeDispute,
  stripeEventBody,
  stripePaymentIntent,
  stripeSession,
  stripeSignature,
} from "@/lib/payments/stripe_fixtures.ts";
import { NASTY } from "./fuzz_inputs.ts";
import type { Prng } from "./prng.ts";
import { SESSION_SECRET, WEBHOOK_SECRET } from "./processes.ts";

/** PUBLIC_ORIGIN of the processes (processes.ts): a same-origin form says it. */
export const SAME_ORIGIN = "http://127.0.0.1:8000";
const FOREIGN_ORIGINS = [
  "https://evil.example",
  "null",
  "http://127.0.0.1:1",
  "http://127.0.0.1:8000.evil.example",
];
const FORM = "application/x-www-form-urlencoded";
/** lib/http/form_body.ts FORM_BODY_LIMIT. */
const FORM_LIMIT = 4 * 1024;

/** The carts and orders the form posts draw on, and what they are allowed to change. */
export interface FormPools {
  productIds: string[];
  orderIds: string[];
  /** Carts of orders the suite placed: never to change. */
  shopperCarts: string[];
  /** Carts the fuzzer owns: a same-origin, well-formed cart form may fill them. */
  fuzzCarts: string[];
  /** Carts nobody writes, so a same-origin Pay with one always meets an empty cart. */
  emptyCarts: string[];
}

/** KV changes the fuzz may cause, and is told about as it causes them. */
export interface Expected {
  /** Cart ids the fuzzer owns or Settle minted for its well-formed cart forms. */
  carts: Set<string>;
  /** Ids of the signed events it posted. */
  events: Set<string>;
  /** Session and payment intent ids those events name. */
  refs: Set<string>;
}

export function newExpected(pools: FormPools): Expected {
  return { carts: new Set(pools.fuzzCarts), events: new Set(), refs: new Set() };
}

/**
 * The kind of expected change `key` is, or null when nothing the fuzz did may explain it.
 * Rate-limit counters count too: a limit on the form routes answers 429, and counting is its
 * job (the processes run with every limit off, so there are none today).
 */
export function expectedChange(key: Deno.KvKey, e: Expected): string | null {
  const [root, a, b, c] = key;
  if (root === "carts" && e.carts.has(String(a))) return "fuzz carts";
  if ((root === "provider_events" || root === "events_kept") && e.events.has(String(b))) {
    return "kept events";
  }
  if (root === "events_waiting" && e.refs.has(String(c))) return "kept events";
  if (root === "rate_limits") return "limiter counters";
  return null;
}

export interface Post {
  path: string;
  init: RequestInit;
  /** For the report: which kind of post this was. */
  kind: string;
  /** True when the post may write a cart: then a cart cookie it is given is expected. */
  mayWrite: boolean;
}

const cookies = new Map<string, Promise<string>>();
function signedCart(id: string): Promise<string> {
  let cookie = cookies.get(id);
  if (!cookie) {
    cookie = cartCookie(id, SESSION_SECRET, false).then((c) => c.split(";")[0]);
    cookies.set(id, cookie);
  }
  return cookie;
}

const FORGED_CARTS = [
  `settle_cart=${crypto.randomUUID()}`,
  `settle_cart=${crypto.randomUUID()}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D`,
  "settle_cart=%E0%A4%A",
  `settle_cart=${"z".repeat(5000)}`,
];

/** A quantity zod's coerce may or may not accept: only sent where a write is allowed. */
const LOOSE_QUANTITIES = ["1", "2", "99", " 3", "05", "1e1", "0x10", "4.0", "+7"];
/** Quantities no form may accept, however they are spelled. */
const BAD_QUANTITIES = [
  "0",
  "-1",
  "100",
  "1e2",
  "1.5",
  "NaN",
  "Infinity",
  "",
  "abc",
  "9".repeat(40),
];

function fields(pairs: [string, string][]): string {
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
}

/** A cart form that may be accepted (duplicated fields, odd spellings, extra price fields). */
function looseCartForm(prng: Prng, pools: FormPools): string {
  const productId = prng.chance(0.85) ? prng.pick(pools.productIds) : prng.pick(NASTY);
  const action = prng.pick(["add", "add", "set", "remove"]);
  const pairs: [string, string][] = [["action", action], ["productId", productId]];
  if (action !== "remove") pairs.push(["quantity", prng.pick(LOOSE_QUANTITIES)]);
  if (prng.chance(0.3)) pairs.push(["unitAmount", "1"], ["currency", "usd"]);
  if (prng.chance(0.1)) pairs.push(["action", prng.pick(["remove", "add", "explode"])]);
  if (prng.chance(0.1)) pairs.push(["__proto__", "x"], ["constructor", "y"]);
  const body = fields(pairs);
  return prng.chance(0.05) ? `${body}&junk=%E0%A4%A&%%%` : body;
}

/** A cart form no cart may accept: a bad action, quantity or product id. */
function refusedCartForm(prng: Prng, pools: FormPools): string {
  const product = () => prng.pick(pools.productIds);
  switch (prng.int(0, 4)) {
    case 0:
      return fields([["action", prng.pick(["add", "set"])], ["productId", product()], [
        "quantity",
        prng.pick(BAD_QUANTITIES),
      ]]);
    case 1:
      return fields([["action", prng.pick(["", "ADD", "delete", "add ", "__proto__"])], [
        "productId",
        product(),
      ], ["quantity", "1"]]);
    case 2:
      return fields([["action", prng.pick(["add", "set", "remove"])], [
        "productId",
        prng.pick(["", "p".repeat(101), "a".repeat(3000)]),
      ], ["quantity", "1"]]);
    case 3:
      return fields([["productId", product()], ["quantity", "1"]]);
    default:
      return "";
  }
}

/** A body the form reader refuses before anything else: not a form, or past its limit. */
function unreadable(prng: Prng, inner: string): { body: string; type: string } {
  switch (prng.int(0, 3)) {
    case 0:
      return { body: `${inner}&pad=${"x".repeat(FORM_LIMIT + prng.int(1, 3000))}`, type: FORM };
    case 1:
      return { body: inner, type: prng.pick(["text/plain", "multipart/form-data; boundary=x"]) };
    case 2:
      return {
        body: JSON.stringify(Object.fromEntries(new URLSearchParams(inner))),
        type: "application/json",
      };
    default:
      return { body: inner, type: "" };
  }
}

function post(
  path: string,
  kind: string,
  body: string,
  type: string,
  cookie: string | null,
  origin: string | null,
  mayWrite = false,
): Post {
  const headers: Record<string, string> = {};
  if (type) headers["content-type"] = type;
  if (cookie) headers.cookie = cookie;
  if (origin) headers.origin = origin;
  return { path, kind, mayWrite, init: { method: "POST", headers, body } };
}

/** One no-JS form post; see the module comment for which may write. */
export async function formPost(prng: Prng, pools: FormPools): Promise<Post> {
  const foreign = prng.chance(0.3) ? prng.pick(FOREIGN_ORIGINS) : null;
  const same = prng.chance(0.5) ? SAME_ORIGIN : null;
  const origin = foreign ?? same;
  const roll = prng.next();
  if (roll < 0.5) {
    // POST /cart
    const cookieKind = prng.pick(["none", "fuzz", "fuzz", "shopper", "forged"] as const);
    const cookie = cookieKind === "none"
      ? null
      : cookieKind === "fuzz"
      ? await signedCart(prng.pick(pools.fuzzCarts))
      : cookieKind === "shopper" && pools.shopperCarts.length
      ? await signedCart(prng.pick(pools.shopperCarts))
      : prng.pick(FORGED_CARTS);
    const shopper = cookieKind === "shopper" && pools.shopperCarts.length > 0;
    if (!foreign && !shopper && prng.chance(0.6)) {
      return post(
        "/cart",
        `cart ${cookieKind}, well-formed`,
        looseCartForm(prng, pools),
        FORM,
        cookie,
        origin,
        true,
      );
    }
    if (foreign) {
      const body = prng.chance(0.7) ? looseCartForm(prng, pools) : refusedCartForm(prng, pools);
      return post("/cart", `cart ${cookieKind}, cross-site`, body, FORM, cookie, origin);
    }
    if (prng.chance(0.6)) {
      return post(
        "/cart",
        `cart ${cookieKind}, refused`,
        refusedCartForm(prng, pools),
        FORM,
        cookie,
        origin,
      );
    }
    const bad = unreadable(prng, looseCartForm(prng, pools));
    return post("/cart", `cart ${cookieKind}, unreadable`, bad.body, bad.type, cookie, origin);
  }
  if (roll < 0.75) {
    // POST /checkout: a cart with items only cross-site or with an unreadable body.
    const cookieKind = prng.pick(["none", "empty", "forged", "fuzz", "shopper"] as const);
    const cookie = cookieKind === "none"
      ? null
      : cookieKind === "empty"
      ? await signedCart(prng.pick(pools.emptyCarts))
      : cookieKind === "forged"
      ? prng.pick(FORGED_CARTS)
      : await signedCart(prng.pick(
        cookieKind === "fuzz" || !pools.shopperCarts.length ? pools.fuzzCarts : pools.shopperCarts,
      ));
    const key = prng.chance(0.7) ? `fuzz-${prng.int(0, 1e9)}` : prng.pick(NASTY);
    const inner = fields([
      ["idempotencyKey", key],
      ...(prng.chance(0.3) ? [["amount", "1"], ["currency", "usd"]] as [string, string][] : []),
    ]);
    const mayHaveItems = cookieKind === "fuzz" || cookieKind === "shopper";
    if (foreign || !mayHaveItems) {
      const body = prng.chance(0.8) ? { body: inner, type: FORM } : unreadable(prng, inner);
      return post(
        "/checkout",
        `pay ${cookieKind}, ${foreign ? "cross-site" : "empty cart"}`,
        body.body,
        body.type,
        cookie,
        origin,
      );
    }
    const bad = unreadable(prng, inner);
    return post("/checkout", `pay ${cookieKind}, unreadable`, bad.body, bad.type, cookie, origin);
  }
  // POST /checkout/cancel: the real token or the owner's cart only cross-site or unreadable.
  const orderId = pools.orderIds.length && prng.chance(0.8)
    ? prng.pick(pools.orderIds)
    : prng.pick(NASTY);
  const tokenKind = prng.pick(["real", "other", "mutated", "none", "nasty"] as const);
  const real = pools.orderIds.length ? await signOrderToken(SESSION_SECRET, orderId) : "";
  const token = tokenKind === "real"
    ? real
    : tokenKind === "other" && pools.orderIds.length
    ? await signOrderToken(SESSION_SECRET, `${prng.pick(pools.orderIds)}x`)
    : tokenKind === "mutated"
    // The first character: the last one's two low bits are base64 padding, ignored by atob.
    ? real.replace(/^./, (c) => (c === "A" ? "B" : "A"))
    : tokenKind === "none"
    ? ""
    : prng.pick(NASTY);
  const cookieKind = prng.pick(["none", "fuzz", "shopper", "forged"] as const);
  const cookie = cookieKind === "none"
    ? null
    : cookieKind === "forged"
    ? prng.pick(FORGED_CARTS)
    : await signedCart(
      prng.pick(
        cookieKind === "fuzz" || !pools.shopperCarts.length ? pools.fuzzCarts : pools.shopperCarts,
      ),
    );
  const inner = fields([["order", orderId], ["token", token]]);
  const owner = tokenKind === "real" || cookieKind === "shopper";
  if (foreign || !owner) {
    const body = prng.chance(0.8) ? { body: inner, type: FORM } : unreadable(prng, inner);
    return post(
      "/checkout/cancel",
      `retry ${tokenKind} token, ${foreign ? "cross-site" : "not the owner"}`,
      body.body,
      body.type,
      cookie,
      origin,
    );
  }
  const bad = unreadable(prng, inner);
  return post(
    "/checkout/cancel",
    `retry ${tokenKind} token, unreadable`,
    bad.body,
    bad.type,
    cookie,
    origin,
  );
}

/** 3,000 to ~900,000 bytes, spread evenly on a log scale. */
function hugeSize(prng: Prng): number {
  return Math.round(3000 * Math.pow(300, prng.next()));
}

const encoder = new TextEncoder();

/** A string that takes about `bytes` bytes once in the event's JSON. */
function filler(prng: Prng, bytes: number): string {
  const unit = prng.pick(["x", "ü", "<script>alert(1)</script>", "\u0000", "💥", 'a\\"b']);
  const unitBytes = encoder.encode(JSON.stringify(unit)).length - 2;
  return unit.repeat(Math.max(1, Math.round(bytes / unitBytes)));
}

const fresh = () => crypto.randomUUID().replaceAll("-", "");
/** A ULID of time 0: shaped like an order id, and no order can have it. */
const noOrder = () => `0000000000${fresh().slice(0, 16).toUpperCase().replace(/[ILOU]/g, "Z")}`;

export interface SignedEvent {
  body: string;
  signature: string;
  eventId: string;
  /** The session and payment intent ids it names. */
  refs: string[];
  type: string;
  /** Bytes of the body. */
  size: number;
}

/**
 * A correctly signed event about objects no order has, with one string of 3,000 bytes to
 * ~900 KB (as JSON, so the event stays under the webhook's 1 MiB limit): a decline message,
 * a dispute reason, a metadata value, a customer's name, or an id (past Stripe's 255
 * characters an id makes the event unreadable: it is kept as such, or refused).
 */
export async function oversizedEvent(prng: Prng): Promise<SignedEvent> {
  const size = hugeSize(prng);
  const big = filler(prng, size);
  const where = prng.pick(["text", "text", "metadata", "name", "id", "event id"] as const);
  const bigId = where === "id" ? prng.pick(["session", "intent"]) : null;
  const session = bigId === "session" ? `cs_${big}` : `cs_test_fuzz_${fresh()}`;
  const intent = bigId === "intent" ? `pi_${big}` : `pi_fuzz_${fresh()}`;
  const eventId = where === "event id" ? `evt_${big}` : `evt_fuzz_${fresh()}`;
  const type = prng.pick([
    "checkout.session.completed",
    "payment_intent.payment_failed",
    "charge.dispute.created",
  ]);
  const metadata: Record<string, string> = { order_id: noOrder() };
  if (where === "metadata") metadata[prng.pick(["note", "order_id", "order_number"])] = big;
  // A session has no text of its own that Settle reads: its metadata carries it.
  if (where === "text" && type === "checkout.session.completed") metadata.note = big;
  const text = where === "text" ? big : "declined";
  const object = type === "checkout.session.completed"
    ? stripeSession({
      id: session,
      payment_intent: intent,
      metadata,
      customer_details: {
        email: "fuzz@example.com",
        name: where === "name" ? big : "F",
        phone: null,
      },
    })
    : type === "payment_intent.payment_failed"
    ? stripePaymentIntent({
      id: intent,
      status: "requires_payment_method",
      amount_received: 0,
      metadata,
      last_payment_error: { code: where === "name" ? big : "card_declined", message: text },
    })
    : stripeDispute({
      id: `dp_fuzz_${fresh()}`,
      payment_intent: intent,
      charge: `ch_fuzz_${fresh()}`,
      reason: text,
      metadata,
      evidence: where === "name" ? { customer_name: big } : {},
    });
  const body = stripeEventBody(type, object, { id: eventId });
  return {
    body,
    signature: await stripeSignature(body, WEBHOOK_SECRET, Math.floor(Date.now() / 1000)),
    eventId,
    refs: [session, intent],
    type,
    size: encoder.encode(body).length,
  };
}
