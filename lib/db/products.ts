/**
 * The product catalog in Deno KV. A product lives at ["products", id] with a slug index
 * holding its id; stock lives apart at ["stock", productId] as a plain number so checkout
 * can reserve it with one `check()` on that key alone. Stock moves belong to lib/stock (its
 * ledger records each); this module only creates a product's first level and reads levels.
 */
import { z } from "zod";
import { keys } from "./keys.ts";
import { getManyBatched } from "./kv.ts";
import { stageLedgerEntry } from "../stock/ledger.ts";

export const ProductSchema = z.object({
  id: z.string().min(1).max(100),
  slug: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "lowercase words joined by hyphens"),
  title: z.string().min(1).max(200),
  description: z.string().max(2000),
  /** Price in the currency's minor unit (cents for NZD). */
  unitAmount: z.number().int().min(0),
  currency: z.string().regex(/^[a-z]{3}$/),
  /** Path under static/, e.g. `/images/mug.svg`. */
  image: z.string().startsWith("/images/"),
  /** Inactive products are not listed and cannot be added to a cart. */
  active: z.boolean(),
  /** A one-of-a-kind item: at most one per cart. */
  unique: z.boolean(),
  /**
   * Whether Settle counts this product's stock. Untracked products have no stock key, are
   * never sold out and need no check at checkout. Products stored before the flag existed
   * lack it and are tracked (read it with `isTracked` from lib/stock/stock.ts).
   */
  trackStock: z.boolean().default(true),
  /**
   * Whether the product is sent to the shopper (a delivery address and a shipping rate at
   * checkout). Digital goods are not. Products stored before the flag lack it and ship
   * (read it with `isShippable`).
   */
  shippable: z.boolean().default(true),
});

/** A product as stored (and as read: `trackStock`, `shippable` may be missing on older records). */
export type Product = z.infer<typeof ProductSchema>;
/** A product as written by callers: `trackStock` and `shippable` default to true. */
export type ProductInput = z.input<typeof ProductSchema>;

/** The product's id or slug is taken (the edge answers 409). */
export class DuplicateProductError extends Error {
  override name = "DuplicateProductError";
  readonly details: { productId: string; slug: string };
  constructor(productId: string, slug: string) {
    super(`Product ${productId} or slug ${slug} exists`);
    this.details = { productId, slug };
  }
}

/**
 * Creates a product, its slug index and (when tracked) its stock in one commit, with the
 * ledger entry of a first level above zero. Throws DuplicateProductError when the id or the
 * slug is already taken.
 */
export async function createProduct(
  kv: Deno.Kv,
  product: ProductInput,
  stock = 0,
  now = new Date(),
): Promise<Product> {
  const value = ProductSchema.parse(product);
  const level = assertStock(stock);
  const op = kv.atomic()
    .check({ key: keys.product(value.id), versionstamp: null })
    .check({ key: keys.productBySlug(value.slug), versionstamp: null })
    .set(keys.product(value.id), value)
    .set(keys.productBySlug(value.slug), value.id);
  if (value.trackStock) {
    op.set(keys.stock(value.id), level);
    if (level > 0) {
      stageLedgerEntry(op, {
        productId: value.id,
        delta: level,
        after: level,
        kind: "adjusted",
        reason: "initial stock",
        actor: "catalog",
      }, now);
    }
  }
  const res = await op.commit();
  if (!res.ok) {
    throw new DuplicateProductError(value.id, value.slug);
  }
  return value;
}

export async function getProduct(kv: Deno.Kv, id: string): Promise<Product | null> {
  return (await kv.get<Product>(keys.product(id))).value;
}

export async function getProductBySlug(kv: Deno.Kv, slug: string): Promise<Product | null> {
  const index = await kv.get<string>(keys.productBySlug(slug));
  return index.value === null ? null : await getProduct(kv, index.value);
}

/** Products by id; unknown ids are absent from the map. */
export async function getProducts(kv: Deno.Kv, ids: string[]): Promise<Map<string, Product>> {
  const entries = await getManyBatched<Product>(kv, ids.map((id) => keys.product(id)));
  const found = new Map<string, Product>();
  for (const entry of entries) {
    if (entry.value) found.set(entry.value.id, entry.value);
  }
  return found;
}

export interface ListProductsOptions {
  /** Include inactive products (admin views); the shop never does. */
  includeInactive?: boolean;
}

/** Every product in id order; active ones only unless asked. */
export async function listProducts(
  kv: Deno.Kv,
  { includeInactive = false }: ListProductsOptions = {},
): Promise<Product[]> {
  const products: Product[] = [];
  for await (const entry of kv.list<Product>({ prefix: keys.products() })) {
    if (includeInactive || entry.value.active) products.push(entry.value);
  }
  return products;
}

/**
 * Units on hand per product id, as the stock keys say (0 when there is none: never set, or
 * not tracked). What a shopper may buy is `availableUnits` in lib/stock/stock.ts.
 */
export async function getStock(kv: Deno.Kv, productIds: string[]): Promise<Map<string, number>> {
  const unique = [...new Set(productIds)];
  const entries = await getManyBatched<number>(kv, unique.map((id) => keys.stock(id)));
  return new Map(unique.map((id, i) => [id, entries[i].value ?? 0]));
}

/** Whether the product ships; products stored before the flag existed do. */
export function isShippable(
  product: Pick<Product, "shippable"> | { shippable?: boolean },
): boolean {
  return product.shippable !== false;
}

/** A valid, active product with random id and slug, for tests. */
export function randomProduct(overrides: Partial<Product> = {}): Product {
  const suffix = crypto.randomUUID().slice(0, 8);
  return {
    id: `prod_${suffix}`,
    slug: `test-product-${suffix}`,
    title: `Test product ${suffix}`,
    description: "A product made up for a test.",
    unitAmount: 1000 + Math.floor(Math.random() * 9000),
    currency: "nzd",
    image: "/images/placeholder.svg",
    active: true,
    unique: false,
    trackStock: true,
    shippable: true,
    ...overrides,
  };
}

function assertStock(quantity: number): number {
  if (!Number.isSafeInteger(quantity) || quantity < 0) {
    throw new RangeError(`stock must be a whole number ≥ 0, got ${quantity}`);
  }
  return quantity;
}
