/**
 * Creating an order and reading it: the pending order a checkout starts with, what the
 * public may see of it, and the questions services ask before acting on it.
 */
import { fulfillmentHold } from "./attention.ts";
import { assertQuantity, lineTotal, normaliseCurrency, sumLines } from "./money.ts";
import type {
  Address,
  LegacyOrderStatus,
  Order,
  OrderItem,
  OrderStatus,
  PaymentStatus,
} from "./types.ts";

export interface NewOrderInput {
  /** Time-ordered id (ULID). */
  id: string;
  /** From `formatOrderNumber` with the day's counter. */
  number: string;
  /** Priced from the catalog; `unitAmount` in minor units. At least one. */
  items: readonly OrderItem[];
  currency: string;
  /** The cart that created the order, if any: the retry owner check and what to trim. */
  cartId?: string | null;
  metadata?: Record<string, string>;
  /** Creation time: a Date or an ISO string (stored as ISO either way). */
  now: Date | string;
}

/** Statuses in which money was taken; refunds show in `payment.status`, not here. */
export const PAID_STATUSES: readonly OrderStatus[] = ["paid", "fulfilled"];

/** A pending order with its stock reserved and no checkout session yet. */
export function newOrder(input: NewOrderInput): Order {
  if (input.items.length === 0) {
    throw new RangeError("an order needs at least one item");
  }
  const now = new Date(input.now);
  if (Number.isNaN(now.getTime())) throw new RangeError("order creation time is invalid");
  const currency = normaliseCurrency(input.currency);
  const items = input.items.map((
    { productId, title, unitAmount, quantity },
  ) => ({
    productId,
    title,
    unitAmount,
    quantity: assertQuantity(quantity),
  }));
  const subtotal = sumLines(items);
  const createdAt = now.toISOString();
  return {
    id: input.id,
    number: input.number,
    items,
    subtotal,
    // No discounts, shipping or tax yet: the total is the subtotal.
    total: subtotal,
    currency,
    status: "pending",
    payment: {
      status: "pending",
      provider: "stripe",
      sessionId: null,
      sessionIds: [],
      paymentIntentId: null,
      paidIntentIds: [],
      paidSessionIds: [],
      amountReceived: 0,
      currency: null,
      failureReason: null,
      refundedAmount: 0,
      refundedByIntent: {},
      refunds: [],
    },
    fulfillment: {
      status: "not_attempted",
      attempts: 0,
      externalId: null,
      error: null,
    },
    stock: "reserved",
    needsAttention: [],
    cartId: input.cartId ?? null,
    metadata: { ...input.metadata },
    historySeq: 0,
    createdAt,
    updatedAt: createdAt,
  };
}

export interface PublicOrderItem {
  title: string;
  unitAmount: number;
  quantity: number;
  lineTotal: number;
}

/** What a shopper may see: no cart id, metadata, provider ids or attention flags. */
export interface PublicOrderView {
  id: string;
  number: string;
  status: OrderStatus;
  paymentStatus: PaymentStatus;
  /**
   * Money received and refunded so far, in minor units of the order's currency; null once a
   * payment came in another currency, whose units these sums would mix (the shop settles it).
   */
  amounts: { received: number; refunded: number } | null;
  items: PublicOrderItem[];
  subtotal: number;
  total: number;
  currency: string;
  /** Where the goods go and how, as chosen at checkout; null when nothing ships. */
  delivery: { address: Address; method: string; amount: number } | null;
  /** The e-mail the receipt goes to (the owner's own); null when none was given. */
  email: string | null;
  /** How it was paid, when the provider said: "card" with its brand and last four. */
  paymentMethod: PublicPaymentMethod | null;
  createdAt: string;
  updatedAt: string;
}

/** The payment method as a shopper may see it: never more than a brand and four digits. */
export interface PublicPaymentMethod {
  type: string;
  brand?: string;
  last4?: string;
}

/**
 * The payment method recorded on the order (`payment.method`, when the provider gave one),
 * read defensively: only a short type, a brand and four digits ever leave.
 */
function paymentMethodOf(payment: Order["payment"]): PublicPaymentMethod | null {
  const raw = (payment as { method?: unknown }).method;
  if (typeof raw !== "object" || raw === null) return null;
  const m = raw as Record<string, unknown>;
  const word = (v: unknown) => typeof v === "string" && /^[\w -]{1,30}$/.test(v) ? v : undefined;
  const card = typeof m.card === "object" && m.card !== null
    ? m.card as Record<string, unknown>
    : m;
  const brand = word(card.brand);
  const last4 = typeof card.last4 === "string" && /^\d{4}$/.test(card.last4)
    ? card.last4
    : undefined;
  const type = word(m.type) ?? (brand || last4 ? "card" : undefined);
  if (!type) return null;
  return { type, ...(brand ? { brand } : {}), ...(last4 ? { last4 } : {}) };
}

export function publicView(stored: Order): PublicOrderView {
  const order = normaliseOrder(stored);
  return {
    id: order.id,
    number: order.number,
    status: order.status,
    paymentStatus: order.payment.status,
    amounts: order.payment.received && order.payment.received.currency !== order.currency
      ? null
      : { received: order.payment.amountReceived, refunded: order.payment.refundedAmount },
    items: order.items.map((item) => ({
      title: item.title,
      unitAmount: item.unitAmount,
      quantity: item.quantity,
      lineTotal: lineTotal(item),
    })),
    subtotal: order.subtotal,
    total: order.total,
    currency: order.currency,
    delivery: order.shipping
      ? {
        address: order.shipping.address,
        method: order.shipping.label,
        amount: order.shipping.amount,
      }
      : null,
    email: order.customer?.email ?? null,
    paymentMethod: paymentMethodOf(order.payment),
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
}

export function isPaid(order: Order): boolean {
  return PAID_STATUSES.includes(order.status);
}

/** Money received and not yet refunded, in minor units. */
export function refundable(order: Order): number {
  return Math.max(0, order.payment.amountReceived - order.payment.refundedAmount);
}

/**
 * Whether a (new) checkout session may take money for this order. Pending and failed
 * orders can be paid; an expired one can be revived by a retry session (its stock must be
 * taken again when `order.stock` is "released"); a cancelled or paid one cannot.
 */
export function isPayable(order: Order): boolean {
  return order.status === "pending" || order.status === "failed" ||
    order.status === "expired";
}

/**
 * Whether the fulfil task may ship now: paid, not yet shipped, and nothing holding it (an
 * open hold flag, or all the money refunded: see fulfillmentHold).
 */
export function canFulfill(order: Order): boolean {
  return order.status === "paid" && order.fulfillment.status !== "success" &&
    fulfillmentHold(order) === null;
}

/**
 * An order as stored, read tolerantly: orders written before refunds moved to
 * `payment.status` alone carry "refunded"/"partially_refunded" as their status too (and the
 * same in `payment.status`, which stays). Their lifecycle status is paid, or fulfilled when
 * the goods went out. The domain reads every stored order through this: `apply` (so the next
 * change writes the order healed, and its status index moves) and `publicView`.
 */
export function normaliseOrder(order: Order): Order {
  const status = order.status as OrderStatus | LegacyOrderStatus;
  if (status !== "refunded" && status !== "partially_refunded") return order;
  const shipped = order.fulfillment.status === "success";
  return { ...order, status: shipped ? "fulfilled" : "paid" };
}
