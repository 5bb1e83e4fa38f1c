/**
 * Writing one product from outside Settle (a catalog file, an admin form, a script): the
 * input is validated with `ProductInputSchema`, and `upsertProduct` makes the store match it,
 * idempotently. The product record (and, for a new product, its slug index) lands in one
 * atomic commit; a stock level, when given, is then set through lib/stock (one ledger entry
 * for the difference). Prices live on the product only: orders copy them when placed, so a
 * price change reaches new orders and never a saved one.
 */
import { z } from "zod";
import { ulid } from "ulid";
import { boundedAtomic, commitWithRetry } from "../db/atomic.ts";
import { keys } from "../db/keys.ts";
import { DuplicateProductError, isShippable, type Product } from "../db/products.ts";
import { isTracked, setStockLevel } from "../stock/stock.ts";

/** Stripe's largest amount (8 digits in the minor unit: 999,999.99 in a 2-decimal currency). */
export const MAX_UNIT_AMOUNT = 99_999_999;
/** More units than any small shop keeps of one product; catches a typo'd extra digit or five. */
export const MAX_STOCK = 10_000_000;

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** ISO 4217 codes the runtime knows (the same data `formatMoney` formats with), lower case. */
const CURRENCIES: ReadonlySet<string> = new Set(
  Intl.supportedValuesOf("currency").map((c) => c.toLowerCase()),
);
/** A path served from static/: `/images/mug.svg`. No `..`, no `//` (another host), no `\`. */
const STATIC_PATH = /^\/[A-Za-z0-9_~\-][A-Za-z0-9._~\-/]*$/;

const required = (what: string) => (issue: { input: unknown }) =>
  issue.input === undefined || issue.input === null ? "required" : `must be ${what}`;

/**
 * Only the shop's own files: the Content-Security-Policy (img-src 'self') would block an
 * image from another host, so a URL would import fine and then show as a broken picture.
 */
function isImage(value: string): boolean {
  return STATIC_PATH.test(value) && !value.includes("..") && !value.includes("//") &&
    !value.endsWith("/");
}

/**
 * One product as a catalog file, an admin form or a script gives it. Strict: an unknown
 * field is an error (a typo'd column must not be dropped silently). `stock` is an absolute
 * level; leave it out to keep the level as it is. A product whose stock is not tracked takes
 * no `stock`.
 */
export const ProductInputSchema = z.strictObject({
  slug: z.string({ error: required("text") }).trim()
    .max(80, "at most 80 characters")
    .regex(SLUG, "lowercase letters and digits joined by hyphens, e.g. flat-white-blend"),
  title: z.string({ error: required("text") }).trim()
    .min(1, "required").max(120, "at most 120 characters"),
  description: z.string({ error: required("text") }).trim()
    .max(2000, "at most 2000 characters").default(""),
  /** In the currency's minor unit (cents; yen for JPY). */
  unitAmount: z.number({ error: required("a number") })
    .int("must be a whole number of minor units (cents)")
    .min(0, "must not be negative")
    .max(MAX_UNIT_AMOUNT, `must be at most ${MAX_UNIT_AMOUNT} minor units`),
  currency: z.string({ error: required("text") }).trim()
    .regex(/^[A-Za-z]{3}$/, "must be a 3-letter ISO 4217 code, e.g. NZD")
    .transform((c) => c.toLowerCase())
    .refine((c) => CURRENCIES.has(c), "is not an ISO 4217 currency"),
  /** A path of a file under static/ (`/images/mug.svg`). */
  image: z.string({ error: required("text") }).trim()
    .max(2000, "at most 2000 characters")
    .refine(isImage, "must be a path under static/ like /images/mug.svg"),
  active: z.boolean({ error: required("true or false") }),
  unique: z.boolean({ error: required("true or false") }),
  trackStock: z.boolean({ error: required("true or false") }),
  /**
   * Whether the product is sent to the shopper (checkout asks for an address). Left out: a
   * new product ships, an existing one keeps its flag.
   */
  shippable: z.boolean({ error: "must be true or false" }).optional(),
  stock: z.number({ error: required("a number") })
    .int("must be a whole number")
    .min(0, "must not be negative")
    .max(MAX_STOCK, `must be at most ${MAX_STOCK}`)
    .optional(),
}, {
  error: (issue) =>
    issue.code === "invalid_type" ? "must be an object of product fields" : undefined,
}).refine((p) => p.trackStock || p.stock === undefined, {
  path: ["stock"],
  message: "must be empty when trackStock is false (untracked products have no stock level)",
  // Runs beside other fields' errors, so one pass names every problem of a row.
  when: (payload) => {
    const v = payload.value as { trackStock?: unknown; stock?: unknown } | undefined;
    return typeof v?.trackStock === "boolean" && typeof v.stock === "number";
  },
});

/** What callers pass (description may be left out). */
export type ProductInputFields = z.input<typeof ProductInputSchema>;
/** A validated product input. */
export type ValidProductInput = z.output<typeof ProductInputSchema>;

/** The product fields an input sets, in the order diffs and files list them. */
export const PRODUCT_FIELDS = [
  "slug",
  "title",
  "description",
  "unitAmount",
  "currency",
  "image",
  "active",
  "unique",
  "trackStock",
  "shippable",
] as const;
export type ProductField = typeof PRODUCT_FIELDS[number];

/**
 * The names of the product fields (not stock) that `input` would change on `existing`.
 * Products stored before `trackStock` existed are tracked, before `shippable` ship; a
 * `shippable` left out changes nothing.
 */
export function productChanges(existing: Product, input: ValidProductInput): ProductField[] {
  return PRODUCT_FIELDS.filter((field) => {
    if (field === "shippable") {
      return input.shippable !== undefined && input.shippable !== isShippable(existing);
    }
    const before = field === "trackStock" ? isTracked(existing) : existing[field];
    return before !== input[field];
  });
}

export interface UpsertOptions {
  /** The ledger's reason for a stock change; "catalog update" by default. */
  reason?: string;
  /**
   * Upsert by id instead of by slug (an admin editing a product): the product with this id
   * is updated, its slug may change; with no such product, it is created with this id.
   */
  id?: string;
  /** The time of the stock change (tests). */
  at?: Date;
}

export interface UpsertResult {
  product: Product;
  created: boolean;
  /**
   * Fields that changed on an existing product (`stock` when the level moved); empty for a
   * product left as it was, and for a new one.
   */
  changed: string[];
}

/**
 * Makes the store hold `input`: by slug (or by `options.id`), creating the product when it
 * does not exist. Idempotent: the same input again writes nothing (no commit, no ledger
 * entry). Throws a ZodError for bad input, DuplicateProductError when `options.id` is given
 * and the slug belongs to another product, and StockInputError / CommitConflictError from
 * the stock and commit layers.
 *
 * `actor` names who changes the catalog in the ledger (`import`, `admin:alice`).
 */
export async function upsertProduct(
  kv: Deno.Kv,
  input: ProductInputFields,
  actor: string,
  options: UpsertOptions = {},
): Promise<UpsertResult> {
  const value = ProductInputSchema.parse(input);
  const written = await commitWithRetry(() => stageProduct(kv, value, options.id));
  const changed: string[] = [...written.changed];
  if (value.trackStock && value.stock !== undefined) {
    const { entry } = await setStockLevel(kv, written.product.id, value.stock, {
      reason: options.reason ?? "catalog update",
      actor,
      at: options.at,
    });
    if (entry && !written.created) changed.push("stock");
  }
  return { product: written.product, created: written.created, changed };
}

interface Staged {
  product: Product;
  created: boolean;
  changed: ProductField[];
}

async function stageProduct(
  kv: Deno.Kv,
  value: ValidProductInput,
  byId: string | undefined,
): Promise<{ op: Deno.AtomicOperation | null; result: Staged }> {
  const slugEntry = await kv.get<string>(keys.productBySlug(value.slug));
  if (byId !== undefined && slugEntry.value !== null && slugEntry.value !== byId) {
    const holder = await kv.get<Product>(keys.product(slugEntry.value));
    // An index left pointing at no product does not hold the slug.
    if (holder.value) throw new DuplicateProductError(byId, value.slug);
  }
  const id = byId ?? slugEntry.value ?? newProductId();
  const entry = await kv.get<Product>(keys.product(id));
  const fields = {
    slug: value.slug,
    title: value.title,
    description: value.description,
    unitAmount: value.unitAmount,
    currency: value.currency,
    image: value.image,
    active: value.active,
    unique: value.unique,
    trackStock: value.trackStock,
    shippable: value.shippable ?? (entry.value ? isShippable(entry.value) : true),
  };
  const op = boundedAtomic(kv);
  if (!entry.value) {
    const product: Product = { id, ...fields };
    // check(null) on a new slug; a stale index (its product gone) is taken over as read.
    op.check(entry).check(slugEntry)
      .set(keys.product(id), product)
      .set(keys.productBySlug(value.slug), id);
    return { op, result: { product, created: true, changed: [] } };
  }
  const existing = entry.value;
  const changed = productChanges(existing, value);
  // Fields a newer Settle may have added to the record are kept.
  const product: Product = { ...existing, ...fields, id };
  if (changed.length === 0) return { op: null, result: { product, created: false, changed } };
  op.check(entry).set(keys.product(id), product);
  if (existing.slug !== value.slug) {
    const oldIndex = await kv.get<string>(keys.productBySlug(existing.slug));
    op.check(slugEntry, oldIndex).set(keys.productBySlug(value.slug), id);
    if (oldIndex.value === id) op.delete(keys.productBySlug(existing.slug));
  }
  return { op, result: { product, created: false, changed } };
}

/**
 * Sets a product's `active` flag alone (an import deactivating what its file no longer
 * lists). Returns whether anything changed; false for an unknown product.
 */
export async function setProductActive(
  kv: Deno.Kv,
  productId: string,
  active: boolean,
): Promise<boolean> {
  return await commitWithRetry(async () => {
    const entry = await kv.get<Product>(keys.product(productId));
    if (!entry.value || entry.value.active === active) return { op: null, result: false };
    const op = boundedAtomic(kv).check(entry)
      .set(keys.product(productId), { ...entry.value, active });
    return { op, result: true };
  });
}

/** Ids of products made here: time-ordered, never derived from the slug (slugs may change). */
export function newProductId(): string {
  return `prod_${ulid().toLowerCase()}`;
}
