/**
 * The catalog as admins see and change it (/admin/products and /api/admin/products): the
 * list with search, filter and stock levels; saving a product from the admin form or a
 * script's JSON through `upsertProduct`; stock adjustments through `adjustStock`; and one
 * product's page of its stock ledger. Refusals are the usual 4xx errors, thrown before
 * anything is written; bad product fields are a 422 naming each field.
 */
import { z } from "zod";
import {
  newProductId,
  type ProductInputFields,
  ProductInputSchema,
  upsertProduct,
  type UpsertResult,
} from "../catalog/upsert.ts";
import { keys } from "../db/keys.ts";
import {
  DuplicateProductError,
  getProduct,
  getStock,
  listProducts,
  type Product,
} from "../db/products.ts";
import { AppError, ConflictError, NotFoundError, ValidationError } from "../http/errors.ts";
import { type Issue, issuesOf, parseInput } from "../http/json_body.ts";
import { minorUnitDigits, parseMajorUnits } from "../orders/money.ts";
import type { Order } from "../orders/types.ts";
import { type LedgerEntry, listLedger } from "../stock/ledger.ts";
import { getManyBatched } from "../db/kv.ts";
import { adjustStock, isTracked, StockBelowZeroError } from "../stock/stock.ts";
import { ReasonSchema } from "./actions.ts";
import { type Flash, refusalFlash } from "./flash.ts";

/** A tracked product with this many units or fewer on hand is flagged "Low stock". */
export const LOW_STOCK = 3;

export const PRODUCT_STATUSES = ["active", "inactive"] as const;

/** The list's query, from the page's URL or the JSON API's. */
export const ProductListParams = z.object({
  /** Part of a title or slug, any case. */
  q: z.string().trim().max(200).optional(),
  status: z.enum(PRODUCT_STATUSES).optional(),
});
export type ProductListQuery = z.infer<typeof ProductListParams>;

export interface ProductRow {
  product: Product;
  /** Units on hand; null when the product's stock is not tracked. */
  stock: number | null;
  /** Tracked, with LOW_STOCK units or fewer on hand. */
  low: boolean;
}

/** One product with its level, as both the list and the product page show it. */
function row(product: Product, level: number): ProductRow {
  const stock = isTracked(product) ? level : null;
  return { product, stock, low: stock !== null && stock <= LOW_STOCK };
}

/**
 * Every product matching `query`, by title. The whole catalog is read, as the shop's own
 * front page does: a shop's catalog is small next to its orders.
 */
export async function listAdminProducts(
  kv: Deno.Kv,
  { q, status }: ProductListQuery,
): Promise<ProductRow[]> {
  const needle = q?.toLowerCase();
  const products = (await listProducts(kv, { includeInactive: true })).filter((p) =>
    (!status || p.active === (status === "active")) &&
    (!needle || p.title.toLowerCase().includes(needle) || p.slug.includes(needle))
  ).sort((a, b) => a.title.localeCompare(b.title) || a.id.localeCompare(b.id));
  const levels = await getStock(kv, products.filter(isTracked).map((p) => p.id));
  return products.map((p) => row(p, levels.get(p.id) ?? 0));
}

/** Product fields that break ProductInputSchema's rules (422), each named. */
export class ProductFieldsError extends AppError {
  declare readonly details: Issue[];
  constructor(issues: Issue[]) {
    super(422, "invalid_product", "Check the product's fields: nothing was saved", issues);
  }
}

const SLUG_TAKEN: Issue = { path: "slug", message: "another product already has this slug" };

/** `upsertProduct` with its refusals as field errors. */
async function save(
  kv: Deno.Kv,
  fields: ProductInputFields,
  actor: string,
  id: string | undefined,
  earlier: Issue[] = [],
): Promise<UpsertResult> {
  const parsed = ProductInputSchema.safeParse(fields);
  const issues = [...earlier, ...(parsed.success ? [] : issuesOf(parsed.error))];
  if (issues.length) throw new ProductFieldsError(issues);
  try {
    return await upsertProduct(kv, fields, actor, { id, reason: "set with the product" });
  } catch (thrown) {
    if (thrown instanceof DuplicateProductError) throw new ProductFieldsError([SLUG_TAKEN]);
    throw thrown;
  }
}

/** Longer than any product id (ProductSchema's limit): such a URL names no product. */
const MAX_ID_LENGTH = 100;

/** A product that exists, or 404. */
async function requireProduct(kv: Deno.Kv, id: string): Promise<Product> {
  const product = id.length > MAX_ID_LENGTH ? null : await getProduct(kv, id);
  if (!product) throw new NotFoundError("No such product", { productId: id });
  return product;
}

/**
 * `PUT /api/admin/products/:id`: the body is one product of the JSON catalog file (the
 * fields ProductInputSchema takes; `stock` sets an absolute level). `:id` is either the id
 * of an existing product, which is updated (its slug may change), or else the product's
 * slug, which must equal the body's: that product is updated, or created when no product
 * has the slug. Ids hold an underscore and slugs cannot, so the two never collide.
 */
export async function putProduct(
  kv: Deno.Kv,
  pathId: string,
  body: unknown,
  actor: string,
): Promise<UpsertResult> {
  if (pathId.length > MAX_ID_LENGTH) throw new NotFoundError("No such product");
  if (await getProduct(kv, pathId)) {
    return await save(kv, body as ProductInputFields, actor, pathId);
  }
  const slug = (body as { slug?: unknown } | null)?.slug;
  if (typeof slug === "string" && slug.trim() === pathId) {
    return await save(kv, body as ProductInputFields, actor, undefined);
  }
  if (pathId.includes("_")) throw new NotFoundError("No such product", { productId: pathId });
  const issue = { path: "slug", message: `must be "${pathId}", the slug in the URL` };
  throw new ProductFieldsError([issue]);
}

/** The product form's body limit: a 2000-character description may be 6 bytes a character. */
export const PRODUCT_FORM_LIMIT = 16 * 1024;

/** The admin form's fields: text as typed, ticked boxes as "yes". */
export type FormFields = Record<string, string>;

const ticked = (value: string | undefined) => value === "yes";

/** The price typed in major units ("18.90") as minor units, or the field's problem. */
function typedPrice(text = "", currency: string): number | Issue {
  const minor = parseMajorUnits(text, currency);
  if (typeof minor === "number") return minor;
  const digits = minorUnitDigits(currency);
  const example = digits === 0 ? "1890" : `18.${"9".padEnd(digits, "0")}`;
  const message = minor === "too_many_decimals"
    ? `at most ${digits} decimal places, e.g. ${example}`
    : `enter the price as a number, e.g. ${example}`;
  return { path: "price", message };
}

/** ProductInputSchema's field names as the form names them. */
const FORM_NAME: Record<string, string> = { unitAmount: "price" };

/**
 * Saves the admin form: a new product (`productId` null) in `currency`, or the existing one,
 * in its own currency. The form holds no stock: stock moves by adjustment. Every bad field is
 * named at once (ProductFieldsError, paths as the form names them); nothing is written then.
 */
export async function saveProductForm(
  kv: Deno.Kv,
  productId: string | null,
  fields: FormFields,
  actor: string,
  currency: string,
): Promise<UpsertResult> {
  const existing = productId === null ? null : await requireProduct(kv, productId);
  const productCurrency = existing?.currency ?? currency;
  const price = typedPrice(fields.price, productCurrency);
  const input = {
    slug: fields.slug ?? "",
    title: fields.title ?? "",
    description: fields.description ?? "",
    unitAmount: typeof price === "number" ? price : 0,
    currency: productCurrency,
    image: fields.image ?? "",
    active: ticked(fields.active),
    unique: ticked(fields.unique),
    trackStock: ticked(fields.trackStock),
    // The form marks that it showed the box: a form without it (an older page, a script)
    // leaves the flag as it is, rather than reading a missing box as unticked.
    shippable: fields.shippableShown === "yes" ? ticked(fields.shippable) : undefined,
  };
  // A new product gets its own id, so a create never takes over a product by its slug.
  const id = existing?.id ?? newProductId();
  try {
    return await save(kv, input, actor, id, typeof price === "number" ? [] : [price]);
  } catch (thrown) {
    if (!(thrown instanceof ProductFieldsError)) throw thrown;
    throw new ProductFieldsError(
      thrown.details.map((i) => ({ ...i, path: FORM_NAME[i.path] ?? i.path })),
    );
  }
}

const FIELD_WORDS: Record<string, string> = {
  unitAmount: "price",
  trackStock: "stock tracking",
  unique: "one of a kind",
};

/** "Saved: title and price changed." */
export function savedMessage({ product, created, changed }: UpsertResult): string {
  if (created) {
    const next = isTracked(product) ? " Add its stock with an adjustment." : "";
    return `Created “${product.title}”.${next}`;
  }
  if (changed.length === 0) return "Nothing changed.";
  const words = changed.map((f) => FIELD_WORDS[f] ?? f);
  const list = words.length === 1
    ? words[0]
    : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
  return `Saved: ${list} changed.`;
}

/**
 * A refused admin form's flash: as refusalFlash makes it, with a ProductFieldsError's field
 * problems (refusalFlash carries those of a 400 only).
 */
export function productRefusal(thrown: unknown, draft: FormFields): Flash | null {
  const flash = refusalFlash(thrown, draft);
  if (flash && thrown instanceof ProductFieldsError) flash.issues = thrown.details.slice(0, 20);
  return flash;
}

/**
 * One form of the product page (`action` save or adjust); returns what was done, for the
 * flash. Refusals are thrown as the services throw them.
 */
export async function runProductForm(
  kv: Deno.Kv,
  productId: string,
  fields: FormFields,
  actor: string,
  currency: string,
): Promise<string> {
  switch (fields.action) {
    case "save":
      return savedMessage(await saveProductForm(kv, productId, fields, actor, currency));
    case "adjust":
      return await adjustFromForm(kv, productId, fields, actor);
    default:
      throw new ValidationError("Unknown product action");
  }
}

/** The largest single adjustment: more than any shop's shelf (see upsert's MAX_STOCK). */
const MAX_DELTA = 10_000_000;

/** An adjustment as scripts send it: `{delta, reason}`. */
export const AdjustmentSchema = z.strictObject({
  delta: z.number().int("a whole number of units").min(-MAX_DELTA).max(MAX_DELTA)
    .refine((n) => n !== 0, "must not be 0"),
  reason: ReasonSchema,
});
type Adjustment = z.infer<typeof AdjustmentSchema>;

/** The same from the product page's form: `delta` as typed ("12", "-2", "+3"). */
const AdjustmentFormSchema = z.object({
  delta: z.string().trim().regex(/^[+-]?\d{1,8}$/, "a whole number of units, e.g. 12 or -2")
    .transform(Number).pipe(AdjustmentSchema.shape.delta),
  reason: ReasonSchema,
});

/**
 * Adds `delta` units (or takes them away) with the ledger entry saying why and who. Refused
 * (409, nothing written) when the product's stock is not tracked or would go below zero.
 */
export async function adjustProductStock(
  kv: Deno.Kv,
  productId: string,
  { delta, reason }: Adjustment,
  actor: string,
): Promise<{ stock: number; entry: LedgerEntry }> {
  const product = await requireProduct(kv, productId);
  if (!isTracked(product)) {
    throw new ConflictError(
      "stock_not_tracked",
      `The stock of “${product.title}” is not tracked: turn tracking on to adjust it`,
    );
  }
  try {
    return await adjustStock(kv, productId, { delta, reason, actor });
  } catch (thrown) {
    if (!(thrown instanceof StockBelowZeroError)) throw thrown;
    const { stock } = thrown.details;
    throw new ConflictError(
      "stock_below_zero",
      `Stock cannot go below zero: ${stock} on hand, so it cannot go down by ${-delta}. ` +
        "Nothing was changed.",
      thrown.details,
    );
  }
}

/** The product page's adjustment form; returns what was done, for the flash. */
async function adjustFromForm(
  kv: Deno.Kv,
  productId: string,
  fields: FormFields,
  actor: string,
): Promise<string> {
  const input = parseInput(AdjustmentFormSchema, fields, "Check the adjustment and try again");
  const { stock } = await adjustProductStock(kv, productId, input, actor);
  const change = input.delta > 0 ? `Added ${input.delta}` : `Took away ${-input.delta}`;
  return `${change}: ${stock} on hand now.`;
}

const LEDGER_PAGE_SIZE = 20;

export interface ProductView extends ProductRow {
  /** The ledger page: newest first. */
  ledger: LedgerEntry[];
  /** The next (older) page's cursor; null on the last. */
  ledgerCursor: string | null;
  /** Order numbers of the orders this page's entries name (placements never placed are absent). */
  orderNumbers: Map<string, string>;
}

/** One product for its admin page, with a page of its ledger (from `cursor`); 404 if unknown. */
export async function productView(
  kv: Deno.Kv,
  productId: string,
  cursor?: string,
): Promise<ProductView> {
  const product = await requireProduct(kv, productId);
  const [levels, page] = await Promise.all([
    getStock(kv, [product.id]),
    listLedger(kv, product.id, { limit: LEDGER_PAGE_SIZE, cursor }).catch((err) => {
      // A cursor KV cannot read (one it can read but did not make lists within the prefix).
      if (cursor && err instanceof TypeError) {
        throw new ValidationError("This page link is not valid");
      }
      throw err;
    }),
  ]);
  const orderIds = [...new Set(page.entries.flatMap((e) => e.orderId ? [e.orderId] : []))];
  const orders = await getManyBatched<Order>(kv, orderIds.map((id) => keys.order(id)));
  const orderNumbers = new Map(
    orders.flatMap((e) => e.value ? [[e.value.id, e.value.number] as const] : []),
  );
  return {
    ...row(product, levels.get(product.id) ?? 0),
    ledger: page.entries,
    ledgerCursor: page.cursor,
    orderNumbers,
  };
}
