/**
 * The catalog as the shop shows it: active products with the units on hand. Inactive or
 * unknown products are simply not on the shelf.
 */
import { getProductBySlug, listProducts, type Product } from "../db/products.ts";
import { availableUnits } from "../stock/stock.ts";

export interface ShelfItem extends Product {
  /** Units in stock now (UNTRACKED_AVAILABLE for a product whose stock is not tracked). */
  stock: number;
}

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MAX_SLUG_LENGTH = 200;

/** Every active product with its stock, in id order. */
export async function listShelf(kv: Deno.Kv): Promise<ShelfItem[]> {
  const products = await listProducts(kv);
  const stock = await availableUnits(kv, products);
  return products.map((p) => ({ ...p, stock: stock.get(p.id) ?? 0 }));
}

/** The active product at `slug`, or null (also for slugs no product could have). */
export async function findShelfItem(kv: Deno.Kv, slug: string): Promise<ShelfItem | null> {
  // A URL segment can be far longer than a KV key may be; such a slug matches nothing.
  if (slug.length > MAX_SLUG_LENGTH || !SLUG.test(slug)) return null;
  const product = await getProductBySlug(kv, slug);
  if (!product?.active) return null;
  const stock = (await availableUnits(kv, [product])).get(product.id) ?? 0;
  return { ...product, stock };
}
