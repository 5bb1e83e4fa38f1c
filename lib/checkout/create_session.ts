/**
 * Checkout: the order exists (pending, stock reserved) before the shopper is sent to pay.
 * A basket whose stock-tracked lines fit one commit is placed in one atomic commit, shared
 * with the placements that arrive meanwhile (place_together.ts): the order, its number, its
 * indexes, the reservation (lib/stock), the Idempotency-Key (scoped to its owner, bound to
 * the request) and the task that lets the stock go if no session is ever tied to the order. A bigger basket (up to the cart's 50 lines) is placed in steps, the placement
 * record and its compensation task first, then the lines in chunks, then the order (see
 * lib/stock/reservations.ts). Then the provider's tail: payment_page.ts opens a Stripe
 * session (createCheckout), razorpay_order.ts a Razorpay order (placeOrder is shared).
 */
import { z } from "zod";
import { ulid } from "ulid";
import { boundedAtomic, commitWithRetry } from "../db/atomic.ts";
import { CHECKOUT_REQUEST_TTL_MS, keys } from "../db/keys.ts";
import { writeNewOrder } from "../db/orders.ts";
import { getProducts, isShippable } from "../db/products.ts";
import { getCart } from "../db/carts.ts";
import { BusinessRuleError, ConflictError } from "../http/errors.ts";
import { log } from "../log.ts";
import { newOrder } from "../orders/order.ts";
import { sumLines } from "../orders/money.ts";
import type { CheckoutDetails } from "../cart/types.ts";
import { getCheckoutDetails } from "../cart/details.ts";
import {
  type Delivery,
  hasDetails,
  parseCheckoutDetails,
  resolveDelivery,
} from "../shipping/delivery.ts";
import { fingerprint } from "./request_fingerprint.ts";
import { shopRates } from "../shipping/service.ts";
import { formatOrderNumber, orderNumberDay } from "../orders/order_number.ts";
import type { Order, OrderItem } from "../orders/types.ts";
import type { AppDeps } from "../state.ts";
import { assertPurchasable } from "../catalog/purchasable.ts";
import { TASK } from "../facts/follow_ups.ts";
import { enqueue } from "../tasks/outbox.ts";
import { MAX_CART_LINES } from "../cart/service.ts";
import { isTracked, unitsAvailable } from "../stock/stock.ts";
import {
  abandonPlacement,
  ONE_COMMIT_LINES,
  placementState,
  readLevels,
  reserveInChunks,
  stagePlaced,
  stagePlacementStart,
} from "../stock/reservations.ts";
import type { StockLine } from "../stock/lines.ts";
import { assertWithinHoldLimits, type Holder, inHolderTurn, stageHolds } from "./holds.ts";
import { type CheckoutRequestRecord, COUNTER_TTL_MS, placeTogether } from "./place_together.ts";
import {
  type AttemptRecord,
  type CheckoutResult,
  firstAttempt,
  type JustPlaced,
  openPaymentPage,
} from "./payment_page.ts";
import type { Task } from "../tasks/outbox.ts";

export type { CheckoutResult } from "./payment_page.ts";
export { cartCheckoutKey } from "./request_fingerprint.ts";

/** How long a repeated request waits for its key's placement, still in steps, to finish. */
const PLACEMENT_WAIT_MS = 10_000;

const MetadataSchema = z.record(
  z.string().min(1).max(40),
  z.string().max(500),
).refine((m) => Object.keys(m).length <= 20, "at most 20 metadata keys");

/**
 * The body of POST /api/payments/create-checkout-session. Extra fields (a price…) are
 * dropped. The shopper's details (`customer`, `shipping`, `shippingRateId`) are taken as
 * given here and validated by the service (lib/shipping/delivery.ts), so a bad e-mail,
 * postcode, country or rate is a 422 naming the field, like the other business rules.
 */
export const CheckoutRequestSchema = z.object({
  items: z.array(z.object({
    productId: z.string().min(1).max(100),
    quantity: z.number().int().min(1).max(99),
  })).min(1).max(MAX_CART_LINES).optional(),
  metadata: MetadataSchema.optional(),
  customer: z.unknown().optional(),
  shipping: z.unknown().optional(),
  shippingRateId: z.unknown().optional(),
});
export type CheckoutRequest = z.infer<typeof CheckoutRequestSchema>;

export interface CheckoutInput extends CheckoutRequest {
  cartId: string | null;
  /**
   * Who is asking, for the Idempotency-Key's scope: `cart:<id>` or `client:<id>` (a cookie
   * Settle sets for cartless callers). Required with a key; keys are never shared.
   */
  owner: string | null;
  idempotencyKey: string | null;
  /** Whose holds the new order counts against (holds.ts `holdersOf`); none: no cap. */
  holders?: Holder[];
}

/** The priced basket: what the order will say, and which lines hold stock. */
interface Quote {
  items: OrderItem[];
  currency: string;
  /** The items alone, minor units. */
  subtotal: number;
  /** Whether any line is a product that ships (the order then needs an address and a rate). */
  shippable: boolean;
  /** The customer and the priced delivery, when the caller gave details. */
  delivery: Delivery;
  /** Lines of products whose stock is tracked: these are reserved. */
  tracked: StockLine[];
  titles: Map<string, string>;
  units: number;
}

/** Everything one placement needs, fixed before its first commit. */
interface Placement {
  /** The order's id, fixed across retries: a commit that landed is found again by it. */
  orderId: string;
  requestKey: Deno.KvKey | null;
  print: string;
  quote: Quote;
  input: CheckoutInput;
  /** The order's `payment.provider`. */
  provider: string;
}

/** A placement's answer: the order's id, and the order itself when this request wrote it. */
interface Placed {
  orderId: string;
  justPlaced: JustPlaced | null;
}

/** The writes of a new order that its payment page goes on from. */
interface StagedOrder {
  order: Order;
  lapse: Task;
  attempt: AttemptRecord;
}

export async function createCheckout(deps: AppDeps, input: CheckoutInput): Promise<CheckoutResult> {
  const { orderId, justPlaced } = await place(deps, input);
  return await openPaymentPage(deps, orderId, "resume", { kind: "system" }, justPlaced);
}

export interface PlaceOptions {
  /**
   * Who the order is placed for: "stripe" (the default) or another provider, recorded as the
   * order's `payment.provider`. A key used for one provider's request is refused for the
   * other's (it is part of the key's fingerprint).
   */
  provider?: string;
  /**
   * The payment page cannot collect an address (Razorpay's popup): a shippable basket
   * without one is a 422 naming `shipping` and `shippingRateId`.
   */
  requireDelivery?: boolean;
}

/**
 * Places the order (pending, stock reserved) for a checkout request, or finds the one its
 * Idempotency-Key placed (the same key with another request: 422), and returns its id. The
 * provider-specific tail (a Stripe session, a Razorpay order) is the caller's.
 */
export async function placeOrder(
  deps: AppDeps,
  input: CheckoutInput,
  options: PlaceOptions = {},
): Promise<string> {
  return (await place(deps, input, options)).orderId;
}

async function place(
  deps: AppDeps,
  input: CheckoutInput,
  options: PlaceOptions = {},
): Promise<Placed> {
  if (input.idempotencyKey && !input.owner) {
    throw new Error("an Idempotency-Key needs an owner to scope it");
  }
  const provider = options.provider ?? "stripe";
  const requestKey = input.idempotencyKey && input.owner
    ? keys.checkoutRequest(input.owner, input.idempotencyKey)
    : null;
  const details = await checkoutDetails(deps.kv, input);
  // Hashed while the key and the prices are read.
  const printing = fingerprint(input, details, provider);
  // A key whose placement was abandoned is freed: place again (bounded).
  for (let round = 0; round < 3; round++) {
    // Priced while the key is read; a key already used answers even when pricing fails now.
    const [print, seen, priced] = await Promise.all([
      printing,
      requestKey ? deps.kv.get<CheckoutRequestRecord>(requestKey) : null,
      requestedLines(deps.kv, input).then((lines) => priceLines(deps.kv, lines)).then(
        (quote) => ({ quote }),
        (error: unknown) => ({ error }),
      ),
    ]);
    if (seen?.value) {
      const resumed = await resume(deps, seen.value, print);
      if (resumed) return { orderId: resumed, justPlaced: null };
      continue;
    }
    if ("error" in priced) throw priced.error;
    const { quote } = priced;
    if (details || (options.requireDelivery && quote.shippable)) {
      quote.delivery = resolveDelivery(await shopRates(deps.config), details ?? {}, quote);
    }
    const placement: Placement = {
      orderId: ulid(deps.now().getTime()),
      requestKey,
      print,
      quote,
      input,
      provider,
    };
    const placed = await inHolderTurn(
      deps,
      input.holders ?? [],
      () =>
        quote.tracked.length <= ONE_COMMIT_LINES
          ? placeInOneCommit(deps, placement)
          : placeInSteps(deps, placement),
    );
    // Its own order was committed whole, in one commit or in the last of its steps.
    if (placed.record.orderId === placement.orderId) {
      return { orderId: placement.orderId, justPlaced: placed.justPlaced };
    }
    const resumed = await resume(deps, placed.record, print);
    if (resumed) return { orderId: resumed, justPlaced: null };
  }
  throw new ConflictError(
    "checkout_in_progress",
    "This checkout is still being placed. Please try again in a moment.",
  );
}

/**
 * The whole placement in one commit, shared with the placements that arrive meanwhile
 * (place_together.ts): the reservation and the order number go into the order's commit.
 */
async function placeInOneCommit(
  deps: AppDeps,
  { orderId, requestKey, print, quote, input, provider }: Placement,
): Promise<{ record: CheckoutRequestRecord; justPlaced: JustPlaced | null }> {
  await assertWithinHoldLimits(deps, input.holders ?? [], quote.units);
  // The last staging is what landed; its commit's versionstamp makes the writes entries.
  const landed: { staged?: StagedOrder; versionstamp?: string } = {};
  const record = await placeTogether({
    kv: deps.kv,
    now: deps.now,
    orderNumberPrefix: deps.config.orderNumberPrefix,
  }, {
    orderId,
    requestKey,
    fingerprint: print,
    lines: quote.tracked,
    titles: quote.titles,
    // The lapse task adds none (stageOrder).
    checks: 0,
    stage: (op, number, now) => {
      landed.staged = stageOrder(deps, op, { orderId, number, quote, input, now, provider });
    },
    landed: (versionstamp) => landed.versionstamp = versionstamp,
  });
  const { staged, versionstamp } = landed;
  if (record.orderId !== orderId || !staged || !versionstamp) return { record, justPlaced: null };
  return {
    record,
    justPlaced: {
      order: { key: keys.order(orderId), value: staged.order, versionstamp },
      lapseTask: { key: keys.task(staged.lapse.id), value: staged.lapse, versionstamp },
      attempt: staged.attempt,
    },
  };
}

/**
 * A placement in steps (lib/stock/reservations.ts): (1) the placement record, its
 * compensation task and the Idempotency-Key; (2) the lines in chunks; (3) the order, which
 * checks that the placement was not abandoned meanwhile. On any failure the placement is
 * abandoned here and now (the compensation task is the net for a crash).
 */
async function placeInSteps(
  deps: AppDeps,
  placement: Placement,
): Promise<{ record: CheckoutRequestRecord; justPlaced: null }> {
  const { kv } = deps;
  const { orderId, requestKey, print, quote, input, provider } = placement;
  const mine: CheckoutRequestRecord = { orderId, fingerprint: print };
  const holders = input.holders ?? [];
  const other = await commitWithRetry<CheckoutRequestRecord | null>(async () => {
    const wanted: Deno.KvKey[] = [keys.order(orderId), keys.placement(orderId)];
    if (requestKey) wanted.push(requestKey);
    const [landed, record, seen] = await kv.getMany(wanted) as [
      Deno.KvEntryMaybe<Order>,
      Deno.KvEntryMaybe<unknown>,
      Deno.KvEntryMaybe<CheckoutRequestRecord> | undefined,
    ];
    if (landed.value) return { op: null, result: mine };
    if (seen?.value) {
      return { op: null, result: seen.value.orderId === orderId ? null : seen.value };
    }
    if (record.value) return { op: null, result: null };
    await assertWithinHoldLimits(deps, holders, quote.units);
    const now = deps.now();
    const op = boundedAtomic(kv);
    stagePlacementStart(op, {
      orderId,
      lines: quote.tracked,
      requestKey,
      dueAt: now.getTime() + deps.config.placementWindowMs,
      now,
    });
    if (requestKey) {
      op.check({ key: requestKey, versionstamp: null })
        .set(requestKey, mine, { expireIn: CHECKOUT_REQUEST_TTL_MS });
    }
    return { op, result: null };
  });
  if (other) return { record: other, justPlaced: null };
  try {
    await reserveInChunks(kv, orderId, {
      now: deps.now,
      titles: quote.titles,
      afterChunk: testPause(deps),
    });
    const number = await allocateOrderNumber(deps);
    const record = await commitWithRetry(async () => {
      const [landed, record] = await kv.getMany<[Order, never]>([
        keys.order(orderId),
        keys.placement(orderId),
      ]);
      if (landed.value) return { op: null, result: mine };
      const now = deps.now();
      const op = boundedAtomic(kv);
      stagePlaced(op, record, now);
      stageOrder(deps, op, { orderId, number, quote, input, now, provider });
      return { op, result: mine };
    });
    return { record, justPlaced: null };
  } catch (err) {
    await abandonPlacement(kv, orderId, { now: deps.now }).catch((undo) => {
      // The compensation task gives the stock back when the window closes.
      log("warn", "could not undo a placement at once", {
        orderId,
        error: undo instanceof Error ? undo.message : String(undo),
      });
    });
    throw err;
  }
}

/**
 * The order's writes, beside its reservation: the order and its indexes, the lapse task
 * (stock held by an order that never gets a session comes back when its window closes), the
 * first checkout attempt and the hold records. Returns the order, lapse task and attempt as
 * written.
 */
function stageOrder(
  deps: AppDeps,
  op: Deno.AtomicOperation,
  { orderId, number, quote, input, now, provider }: {
    orderId: string;
    number: string;
    quote: Quote;
    input: CheckoutInput;
    now: Date;
    provider: string;
  },
): StagedOrder {
  const order = newOrder({
    id: orderId,
    number,
    items: quote.items,
    currency: quote.currency,
    cartId: input.cartId,
    metadata: input.metadata ?? {},
    now,
  });
  order.payment.provider = provider;
  const { customer, shipping } = quote.delivery;
  if (customer) order.customer = customer;
  if (shipping) {
    order.shipping = shipping;
    order.total = order.subtotal + shipping.amount;
  }
  writeNewOrder(op, order);
  // Both placement commits check the counter or the placement record, so they land once:
  // without the task's own check a batch carries 7 placements instead of 3.
  const lapse = enqueue(op, {
    kind: TASK.lapseCheckout,
    orderId,
    dueAt: now.getTime() + deps.config.checkoutExpiresMinutes * 60_000,
    checkFresh: false,
  }, now);
  const attempt = firstAttempt(deps, lapse.id);
  op.set(keys.checkoutAttempt(orderId), attempt, { expireIn: CHECKOUT_REQUEST_TTL_MS });
  stageHolds(op, input.holders ?? [], orderId, quote.units, lapse.dueAt, now.getTime());
  return { order, lapse, attempt };
}

/**
 * SETTLE_TEST_PAUSE_PLACEMENT (test only; config refuses it elsewhere): after a placement's
 * first chunk, create `<file>.reached` and wait for `<file>` to appear, so a test can kill
 * the process between chunks.
 */
function testPause(deps: AppDeps): ((chunk: number) => Promise<void>) | undefined {
  const file = deps.config.testPausePlacement;
  if (!file || deps.config.env !== "test") return undefined;
  return async (chunk) => {
    if (chunk !== 1) return;
    await Deno.writeTextFile(`${file}.reached`, "");
    while (!(await Deno.stat(file).then(() => true, () => false))) {
      await new Promise((r) => setTimeout(r, 20));
    }
  };
}

/**
 * The shopper's details this checkout uses: what the request sent (validated: 422 naming
 * each bad field), else, for a cart checkout, what the cart kept; null for none (the order
 * is placed as before details existed).
 */
async function checkoutDetails(
  kv: Deno.Kv,
  input: CheckoutInput,
): Promise<CheckoutDetails | null> {
  const sent = {
    customer: input.customer,
    shipping: input.shipping,
    shippingRateId: input.shippingRateId,
  };
  if (Object.values(sent).some((v) => v !== undefined)) return parseCheckoutDetails(sent);
  if (input.items) return null;
  const saved = await getCheckoutDetails(kv, input.cartId);
  return hasDetails(saved) ? parseCheckoutDetails(saved) : null;
}

/**
 * The order a key placed (its payment page is the caller's). The same key with another
 * request is refused, as Stripe refuses it. A placement still in steps is waited for; null
 * when it was abandoned (the key is free again).
 */
async function resume(
  deps: AppDeps,
  record: CheckoutRequestRecord,
  print: string,
): Promise<string | null> {
  if (record.fingerprint !== print) {
    throw new BusinessRuleError(
      "idempotency_key_reused",
      "This Idempotency-Key was already used with a different request. Use a new key for a " +
        "new request.",
    );
  }
  if (!(await placed(deps, record.orderId))) return null;
  return record.orderId;
}

/** Whether the order exists, waiting (bounded) while its placement is still in steps. */
async function placed(deps: AppDeps, orderId: string): Promise<boolean> {
  const deadline = Date.now() + PLACEMENT_WAIT_MS;
  while (true) {
    if ((await deps.kv.get(keys.order(orderId))).value) return true;
    const state = await placementState(deps.kv, orderId);
    if (state !== "placing") {
      // Placed between the two reads, or abandoned (or never recorded).
      return (await deps.kv.get(keys.order(orderId))).value !== null;
    }
    if (Date.now() > deadline) {
      throw new ConflictError(
        "checkout_in_progress",
        "This checkout is still being placed. Please try again in a moment.",
      );
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Merges repeated product ids; falls back to the shopper's cart. A basket holds at most the
 * cart's own limit of different products (MAX_CART_LINES), which the cart enforces where the
 * shopper fills it; a request naming more is refused here too.
 */
async function requestedLines(kv: Deno.Kv, input: CheckoutInput): Promise<StockLine[]> {
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
  if (merged.size > MAX_CART_LINES) {
    throw new BusinessRuleError(
      "too_many_products",
      `An order can hold at most ${MAX_CART_LINES} different products`,
      { limit: MAX_CART_LINES },
    );
  }
  return [...merged].map(([productId, quantity]) => ({ productId, quantity }));
}

/**
 * Prices the lines from the catalog and checks every rule against the stock as it is now
 * (422 before anything is written); placement checks the stock again in its commits.
 */
async function priceLines(kv: Deno.Kv, lines: StockLine[]): Promise<Quote> {
  const ids = lines.map((l) => l.productId);
  // Levels of untracked products are read too (absent keys) to read both at once.
  const [products, levels] = await Promise.all([getProducts(kv, ids), readLevels(kv, ids)]);
  const available = unitsAvailable([...products.values()], levels);
  const items: OrderItem[] = [];
  const tracked: StockLine[] = [];
  const titles = new Map<string, string>();
  for (const { productId, quantity } of lines) {
    const product = assertPurchasable(
      productId,
      products.get(productId),
      quantity,
      available.get(productId) ?? 0,
    );
    items.push({ productId, title: product.title, unitAmount: product.unitAmount, quantity });
    titles.set(productId, product.title);
    if (isTracked(product)) tracked.push({ productId, quantity });
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
  const units = lines.reduce((sum, l) => sum + l.quantity, 0);
  return {
    items,
    currency: [...currencies][0],
    subtotal: sumLines(items),
    shippable: lines.some(({ productId }) => isShippable(products.get(productId)!)),
    delivery: { customer: null, shipping: null },
    tracked,
    titles,
    units,
  };
}

/**
 * The next number of the day for a placement in steps, from its own small commit (its
 * order's commit has no check to spare). A number whose order then fails (stock taken in
 * between) is skipped; numbers stay unique and increasing.
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
