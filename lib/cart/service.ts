/**
 * The shopper's cart: what may go in it and what it costs. Every rule is checked inside the
 * cart's read-check-write step, so a failed request writes nothing and a concurrent write
 * makes the step re-run against fresh data.
 */
import { z } from "zod";
import { type CartItem, getCart, updateCart } from "../db/carts.ts";
import { getProduct, getProducts, type Product } from "../db/products.ts";
import { availableUnits } from "../stock/stock.ts";
import { BusinessRuleError, NotFoundError } from "../http/errors.ts";
import { assertPurchasable } from "../catalog/purchasable.ts";
import { parseInput } from "../http/json_body.ts";
import type { Config } from "../config.ts";
import type { CartLine, CartView } from "./types.ts";

export const MAX_QUANTITY = 99;
export const MAX_CART_LINES = 50;
/** Units in a cart's lines, all products together. */
const unitsOf = (items: { quantity: number }[]) => items.reduce((n, i) => n + i.quantity, 0);

/** The currency an empty cart reports. */
export const DEFAULT_CURRENCY = "nzd";

export const QuantitySchema = z.number().int().min(1).max(MAX_QUANTITY);
export const ProductIdSchema = z.string().min(1).max(100);
export const CartItemInputSchema = z.object({
  productId: ProductIdSchema,
  quantity: QuantitySchema,
});
export type CartItemInput = z.infer<typeof CartItemInputSchema>;

/** The cart priced from the catalog as it is now. A missing cart is an empty one. */
export async function getCartView(
  kv: Deno.Kv,
  cartId: string | null,
  fallbackCurrency = DEFAULT_CURRENCY,
): Promise<CartView> {
  const cart = cartId ? await getCart(kv, cartId) : null;
  return await priceItems(kv, cartId, cart?.items ?? [], fallbackCurrency);
}

/** Sum of quantities, without reading the catalog (for the header badge). */
export async function getCartCount(kv: Deno.Kv, cartId: string | null): Promise<number> {
  const cart = cartId ? await getCart(kv, cartId) : null;
  return cart ? unitsOf(cart.items) : 0;
}

/** Limits the shop sets on what one cart may hold. */
export interface CartLimits {
  /**
   * Units in all (config.holdLimits.units, 0 = none): the most one client may hold unpaid,
   * so the cart refuses what Pay would refuse later.
   */
  maxUnits: number;
}

const NO_LIMITS: CartLimits = { maxUnits: 0 };

/** The shop's cart limits from its settings. */
export const cartLimits = (config: Config): CartLimits => ({ maxUnits: config.holdLimits.units });

/** Refuses a cart of `units` in all when it breaks `limits`. */
function requireWithinUnits(units: number, limits: CartLimits, productId: string): void {
  if (limits.maxUnits <= 0 || units <= limits.maxUnits) return;
  throw new BusinessRuleError(
    "cart_unit_limit",
    `A cart can hold at most ${limits.maxUnits} items at a time, so every shopper gets a fair ` +
      "chance at the stock. Pay for these first, then come back for more.",
    { productId, maxUnits: limits.maxUnits, requested: units },
  );
}

/** Adds `quantity` units, onto the existing line when the product is already in the cart. */
export async function addItem(
  kv: Deno.Kv,
  cartId: string,
  input: CartItemInput,
  limits: CartLimits = NO_LIMITS,
): Promise<CartView> {
  const { productId, quantity } = parseInput(CartItemInputSchema, input, "Invalid cart item");
  const cart = await updateCart(kv, cartId, async ({ items }) => {
    const line = items.find((item) => item.productId === productId);
    if (!line && items.length >= MAX_CART_LINES) {
      throw new BusinessRuleError(
        "cart_full",
        `A cart holds at most ${MAX_CART_LINES} different products`,
        { productId, maxLines: MAX_CART_LINES },
      );
    }
    const next = (line?.quantity ?? 0) + quantity;
    requireWithinUnits(unitsOf(items) + quantity, limits, productId);
    const product = await requirePurchasable(kv, productId, next, Boolean(line));
    if (next > MAX_QUANTITY) {
      throw new BusinessRuleError(
        "quantity_limit",
        `At most ${MAX_QUANTITY} of ${product.title} per cart`,
        { productId, title: product.title, max: MAX_QUANTITY, inCart: line?.quantity ?? 0 },
      );
    }
    await requireSameCurrency(kv, product, items);
    return line ? withQuantity(items, productId, next) : [...items, { productId, quantity }];
  });
  return await priceItems(kv, cartId, cart.items);
}

/**
 * Sets a line's quantity. Lowering it is always allowed, so a shopper whose line outgrew
 * the stock can bring it back down; raising it must fit the stock.
 */
export async function setQuantity(
  kv: Deno.Kv,
  cartId: string,
  productId: string,
  quantity: number,
  limits: CartLimits = NO_LIMITS,
): Promise<CartView> {
  parseInput(CartItemInputSchema, { productId, quantity }, "Invalid cart item");
  const cart = await updateCart(kv, cartId, async ({ items }) => {
    const line = items.find((item) => item.productId === productId);
    if (!line) {
      throw new NotFoundError(`Product ${productId} is not in the cart`, { productId });
    }
    if (quantity === line.quantity) return null;
    if (quantity > line.quantity) {
      requireWithinUnits(unitsOf(items) - line.quantity + quantity, limits, productId);
    }
    await requirePurchasable(kv, productId, quantity > line.quantity ? quantity : 0, true);
    return withQuantity(items, productId, quantity);
  });
  return await priceItems(kv, cartId, cart.items);
}

/** Removes a line; removing one that is not there is a no-op, so retries are harmless. */
export async function removeItem(
  kv: Deno.Kv,
  cartId: string,
  productId: string,
): Promise<CartView> {
  const cart = await updateCart(kv, cartId, ({ items }) => {
    const rest = items.filter((item) => item.productId !== productId);
    return rest.length === items.length ? null : rest;
  });
  return await priceItems(kv, cartId, cart.items);
}

/**
 * After a payment: takes the ordered quantities out of the cart. Whatever the shopper
 * added since the order was placed stays.
 */
export async function removeOrderedItems(
  kv: Deno.Kv,
  cartId: string,
  ordered: CartItem[],
  { guard }: { guard?: (op: Deno.AtomicOperation) => void } = {},
): Promise<void> {
  const paid = new Map<string, number>();
  for (const { productId, quantity } of ordered) {
    paid.set(productId, (paid.get(productId) ?? 0) + quantity);
  }
  await updateCart(
    kv,
    cartId,
    ({ items }) => {
      if (!items.some((item) => paid.has(item.productId))) return null;
      return items
        .map((item) => ({ ...item, quantity: item.quantity - (paid.get(item.productId) ?? 0) }))
        .filter((item) => item.quantity > 0);
    },
    new Date(),
    guard,
  );
}

/**
 * The product, if `quantity` units of it may be in a cart. Pass 0 to check only that it
 * exists and is on sale. `inCart`: the cart already holds a line of it.
 */
async function requirePurchasable(
  kv: Deno.Kv,
  productId: string,
  quantity: number,
  inCart = false,
): Promise<Product> {
  const product = await getProduct(kv, productId);
  const stock = product ? await availableUnits(kv, [product]) : new Map<string, number>();
  try {
    return assertPurchasable(productId, product, quantity, stock.get(productId) ?? 0);
  } catch (err) {
    // "Only one can be bought" leaves a shopper who already has it wondering where it went.
    if (inCart && err instanceof BusinessRuleError && err.code === "unique_item") {
      throw new BusinessRuleError(
        "unique_item",
        `${product!.title} is already in your cart, and there is only one`,
        err.details,
      );
    }
    throw err;
  }
}

/** One checkout charges one currency, so a cart never mixes them. */
async function requireSameCurrency(kv: Deno.Kv, product: Product, items: CartItem[]) {
  const other = items.find((item) => item.productId !== product.id);
  const otherProduct = other ? await getProduct(kv, other.productId) : null;
  if (otherProduct && otherProduct.currency !== product.currency) {
    throw new BusinessRuleError(
      "mixed_currency",
      `${product.title} is priced in ${product.currency.toUpperCase()}, the cart in ${otherProduct.currency.toUpperCase()}`,
      { productId: product.id, title: product.title, currency: product.currency },
    );
  }
}

async function priceItems(
  kv: Deno.Kv,
  cartId: string | null,
  items: CartItem[],
  fallbackCurrency = DEFAULT_CURRENCY,
): Promise<CartView> {
  const ids = items.map((item) => item.productId);
  const products = await getProducts(kv, ids);
  const stock = await availableUnits(kv, [...products.values()]);
  const lines: CartLine[] = [];
  // A product deleted from the catalog cannot be shown or bought: its line is dropped.
  for (const { productId, quantity } of items) {
    const product = products.get(productId);
    if (!product) continue;
    lines.push({
      productId,
      slug: product.slug,
      title: product.title,
      image: product.image,
      unitAmount: product.unitAmount,
      quantity,
      lineTotal: product.active ? product.unitAmount * quantity : 0,
      available: stock.get(productId) ?? 0,
      active: product.active,
      unique: product.unique,
    });
  }
  const subtotal = lines.reduce((sum, line) => sum + line.lineTotal, 0);
  return {
    id: cartId,
    items: lines,
    subtotal,
    total: subtotal,
    currency: products.values().next().value?.currency ?? fallbackCurrency,
    count: lines.reduce((sum, line) => sum + line.quantity, 0),
  };
}

function withQuantity(items: CartItem[], productId: string, quantity: number): CartItem[] {
  return items.map((item) => item.productId === productId ? { ...item, quantity } : item);
}
