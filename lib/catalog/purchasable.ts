/**
 * The rules for buying a product, shared by the cart, checkout and retry so the shopper
 * gets the same 422 (same code, same words) wherever a rule stops them.
 */
import { BusinessRuleError } from "../http/errors.ts";
import type { Product } from "../db/products.ts";

/**
 * The product, if `quantity` units of it may be bought with `available` on hand; pass
 * quantity 0 to check only that it exists and is on sale.
 */
export function assertPurchasable(
  productId: string,
  product: Product | null | undefined,
  quantity: number,
  available: number,
): Product {
  if (!product) {
    throw new BusinessRuleError("unknown_product", `There is no product ${productId}`, {
      productId,
    });
  }
  const named = { productId, title: product.title };
  if (!product.active) {
    throw new BusinessRuleError(
      "product_inactive",
      `${product.title} is no longer for sale`,
      named,
    );
  }
  if (product.unique && quantity > 1) {
    throw new BusinessRuleError(
      "unique_item",
      `${product.title} is one of a kind: only one can be bought`,
      { ...named, max: 1, requested: quantity },
    );
  }
  assertInStock(productId, product.title, quantity, available);
  return product;
}

/** A 422 naming the item and what is left when `quantity` is more than `available`. */
export function assertInStock(
  productId: string,
  title: string,
  quantity: number,
  available: number,
): void {
  if (quantity <= available) return;
  throw new BusinessRuleError(
    "out_of_stock",
    available === 0 ? `${title} is sold out` : `Only ${available} of ${title} available`,
    { productId, title, available, requested: quantity },
  );
}
