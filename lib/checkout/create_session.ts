/**
 * Checkout: the order exists (pending, stock reserved) before the shopper is sent to pay.
 * One atomic commit writes the order, its indexes and the reservation; then the provider
 * session is created and tied to the order through the same fact path as everything else.
 */
import { z } from "zod";
import { ulid } from "ulid";
import { commitWithRetry } from "../db/atomic.ts";
import { CHECKOUT_REQUEST_TTL_MS, keys } from "../db/keys.ts";
import { getOrder, writeNewOrder } from "../db/orders.ts";
import { getProducts, getStockEntries } from "../db/products.ts";
import { getCart } from "../db/carts.ts";
import { BusinessRuleError } from "../http/errors.ts";
import { newOrder } from "../orders/order.ts";
import { formatOrderNumber, orderNumberDay } from "../orders/order_number.ts";
import type { FactSource, OrderItem } from "../orders/types.ts";
import type { AppDeps } from "../state.ts";
import { assertPurchasable } from "../catalog/purchasable.ts";
import { attachSession } from "./attach_session.ts";
import { refuseUnpayable, reopenCheckout } from "./retry_session.ts";
import { signOrderToken } from "./owner_token.ts";

/** Self-hosted denokv allows 10 checks per commit: one per product, the counter, the key. */
export const MAX_PRODUCTS_PER_ORDER = 8;

/**
 * Stripe refuses `expires_at` under 30 minutes away; the margin keeps a 30-minute setting
 * valid however long the request takes to reach it.
 */
export const EXPIRY_MARGIN_SECONDS = 60;

const COUNTER_TTL_MS = 3 * 24 * 60 * 60 * 1000;

const MetadataSchema = z.record(
  z.string().min(1).max(40),
  z.string().max(500),
).refine((m) => Object.keys(m).length <= 20, "at most 20 metadata keys");

/** The body of POST /api/payments/create-checkout-session. Extra fields (a price…) are dropped. */
export const CheckoutRequestSchema = z.object({
  items: z.array(z.object({
    productId: z.string().min(1).max(100),
    quantity: z.number().int().min(1).max(99),
  })).min(1).max(50).optional(),
  metadata: MetadataSchema.optional(),
});
export type CheckoutRequest = z.infer<typeof CheckoutRequestSchema>;

export interface CheckoutResult {
  id: string;
  url: string | null;
  orderId: string;
  orderNumber: string;
}

/** What `["checkout_requests", key]` remembers so a repeated request opens the same session. */
interface CheckoutRequestRecord {
  orderId: string;
  expiresAt: number;
}

export interface CheckoutInput extends CheckoutRequest {
  cartId: string | null;
  idempotencyKey: string | null;
}

export async function createCheckout(deps: AppDeps, input: CheckoutInput): Promise<CheckoutResult> {
  const requestKey = input.idempotencyKey
    ? keys.checkoutRequest(`${input.cartId ?? "-"}:${input.idempotencyKey}`)
    : null;
  if (requestKey) {
    const seen = await deps.kv.get<CheckoutRequestRecord>(requestKey);
    if (seen.value) return await resume(deps, seen.value);
  }
  const lines = await requestedLines(deps.kv, input);
  const expiresAt = Math.floor(deps.now().getTime() / 1000) +
    deps.config.checkoutExpiresMinutes * 60 +
    EXPIRY_MARGIN_SECONDS;
  // Allocated once the request is known to be valid, and kept across retries of the step.
  let number: string | null = null;
  const placed = await oneAtATime(deps.kv, () =>
    commitWithRetry(async () => {
      if (requestKey) {
        const seen = await deps.kv.get<CheckoutRequestRecord>(requestKey);
        if (seen.value) return { op: null, result: seen.value };
      }
      const op = deps.kv.atomic();
      const { items, currency } = await reserve(deps.kv, lines, op);
      number ??= await allocateOrderNumber(deps);
      const order = newOrder({
        id: ulid(deps.now().getTime()),
        number,
        items,
        currency,
        cartId: input.cartId,
        metadata: input.metadata ?? {},
        now: deps.now(),
      });
      writeNewOrder(op, order);
      if (requestKey) {
        op.check({ key: requestKey, versionstamp: null })
          .set(requestKey, { orderId: order.id, expiresAt }, { expireIn: CHECKOUT_REQUEST_TTL_MS });
      }
      return { op, result: { orderId: order.id, expiresAt } };
    }));
  return await openSession(deps, placed.orderId, 1, placed.expiresAt);
}

const placing = new WeakMap<Deno.Kv, Promise<unknown>>();

/**
 * Order placements in one process run one after another. They meet at the same few keys
 * (the day's counter, popular products' stock), and optimistic retries between neighbours
 * only add latency: the bench saw p99 of 1.5 s at 32 concurrent checkouts. Other processes
 * still meet at the commit's checks.
 */
function oneAtATime<T>(kv: Deno.Kv, fn: () => Promise<T>): Promise<T> {
  const run = (placing.get(kv) ?? Promise.resolve()).then(fn, fn);
  placing.set(kv, run.catch(() => {}));
  return run;
}

/**
 * The checkout key for the cart as it is now: the same cart contents give the same key, so
 * paying, going Back and paying again resumes one order instead of placing a second.
 */
export async function cartCheckoutKey(kv: Deno.Kv, cartId: string | null): Promise<string> {
  const cart = cartId ? await getCart(kv, cartId) : null;
  return cart ? `cart-${cart.updatedAt}` : `once-${crypto.randomUUID()}`;
}

/**
 * A repeated request finds its order again: the first session if it never got one (the
 * provider failed the first time), the current session while it is open, or a fresh one
 * (through the retry path, which expires the old) when that session can no longer be paid.
 */
async function resume(deps: AppDeps, record: CheckoutRequestRecord): Promise<CheckoutResult> {
  const order = (await getOrder(deps.kv, record.orderId)).value;
  if (!order) throw new Error(`order ${record.orderId} vanished`);
  const current = order.payment.sessionId;
  if (!current) return await openSession(deps, order.id, 1, record.expiresAt);
  await refuseUnpayable(deps, order);
  const session = await deps.provider.retrieveSession(current);
  if (session.status === "open") {
    return { id: session.id, url: session.url, orderId: order.id, orderNumber: order.number };
  }
  return await reopenCheckout(deps, order);
}

/** Merges repeated product ids; falls back to the shopper's cart. */
async function requestedLines(
  kv: Deno.Kv,
  input: CheckoutInput,
): Promise<{ productId: string; quantity: number }[]> {
  const raw = input.items ??
    (input.cartId ? (await getCart(kv, input.cartId))?.items ?? [] : []);
  if (raw.length === 0) throw new BusinessRuleError("empty_cart", "There is nothing to check out");
  const merged = new Map<string, number>();
  for (const { productId, quantity } of raw) {
    merged.set(productId, (merged.get(productId) ?? 0) + quantity);
  }
  for (const [productId, quantity] of merged) {
    if (quantity > 99) {
      throw new BusinessRuleError("quantity_too_large", `At most 99 of ${productId} per order`, {
        productId,
      });
    }
  }
  if (merged.size > MAX_PRODUCTS_PER_ORDER) {
    throw new BusinessRuleError(
      "too_many_products",
      `An order can hold at most ${MAX_PRODUCTS_PER_ORDER} different products`,
      { limit: MAX_PRODUCTS_PER_ORDER },
    );
  }
  return [...merged].map(([productId, quantity]) => ({ productId, quantity }));
}

/** Prices the lines from the catalog and adds their stock reservation (with checks) to `op`. */
async function reserve(
  kv: Deno.Kv,
  lines: { productId: string; quantity: number }[],
  op: Deno.AtomicOperation,
): Promise<{ items: OrderItem[]; currency: string }> {
  const ids = lines.map((l) => l.productId);
  const [products, stock] = await Promise.all([getProducts(kv, ids), getStockEntries(kv, ids)]);
  const items: OrderItem[] = [];
  for (const { productId, quantity } of lines) {
    const entry = stock.get(productId)!;
    const available = entry.value ?? 0;
    const product = assertPurchasable(productId, products.get(productId), quantity, available);
    op.check(entry).set(keys.stock(productId), available - quantity);
    items.push({ productId, title: product.title, unitAmount: product.unitAmount, quantity });
  }
  const currencies = new Set(lines.map((l) => products.get(l.productId)!.currency));
  if (currencies.size > 1) {
    throw new BusinessRuleError(
      "mixed_currencies",
      "All items of an order must share one currency",
      {
        currencies: [...currencies],
      },
    );
  }
  return { items, currency: [...currencies][0] };
}

/**
 * The next number of the day, from its own small commit: the day's counter is the one key
 * every checkout touches, so keeping it out of the (larger, slower) order commit keeps
 * concurrent checkouts from retrying each other out. A number whose order then fails
 * (stock taken in between) is skipped; numbers stay unique and increasing.
 */
async function allocateOrderNumber(deps: AppDeps): Promise<string> {
  const now = deps.now();
  const key = keys.orderNumberCounter(orderNumberDay(now));
  const seq = await commitWithRetry(async () => {
    const counter = await deps.kv.get<number>(key);
    const next = (counter.value ?? 0) + 1;
    // The day's counter is only read on its own day; a few days' retention is plenty.
    const op = deps.kv.atomic().check(counter).set(key, next, { expireIn: COUNTER_TTL_MS });
    return { op, result: next };
  }, { attempts: 100 });
  return formatOrderNumber(deps.config.orderNumberPrefix, now, seq);
}

/**
 * Opens (or, for a repeated request, finds again) the provider session for an order and
 * ties it to the order. The provider's idempotency key (order id + attempt) makes a repeat
 * return the same session, so a double click can never open two.
 */
export async function openSession(
  deps: AppDeps,
  orderId: string,
  attempt: number,
  expiresAt: number,
  source: FactSource = { kind: "system" },
): Promise<CheckoutResult> {
  const order = (await getOrder(deps.kv, orderId)).value;
  if (!order) throw new Error(`order ${orderId} vanished`);
  const origin = deps.config.publicOrigin;
  const token = await signOrderToken(deps.secret, order.id);
  const session = await deps.provider.createCheckoutSession({
    orderId: order.id,
    orderNumber: order.number,
    attempt,
    items: order.items.map((i) => ({
      title: i.title,
      unitAmount: i.unitAmount,
      quantity: i.quantity,
    })),
    currency: order.currency,
    successUrl: `${origin}/checkout/success?session_id={CHECKOUT_SESSION_ID}`,
    cancelUrl: `${origin}/checkout/cancel?order=${order.id}&token=${token}`,
    expiresAt,
    metadata: order.metadata,
  });
  await attachSession(deps, order.id, session.id, source);
  return { id: session.id, url: session.url, orderId: order.id, orderNumber: order.number };
}
