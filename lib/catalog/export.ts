/**
 * The catalog as a file of the shape `parseCatalog` reads, so a shop can round-trip a
 * spreadsheet: importing an export changes nothing. Every product (inactive too), by slug;
 * stock is the level on hand now, and empty for products whose stock is not tracked.
 */
import { getStock, isShippable, listProducts, type Product } from "../db/products.ts";
import { toMajorUnits } from "../orders/money.ts";
import { isTracked } from "../stock/stock.ts";
import { toCsv } from "./csv.ts";
import { type CatalogFormat, CSV_COLUMNS } from "./import.ts";

/** One product as the JSON file holds it (the same fields ProductInputSchema takes). */
export interface ExportedProduct {
  slug: string;
  title: string;
  description: string;
  unitAmount: number;
  currency: string;
  image: string;
  active: boolean;
  unique: boolean;
  trackStock: boolean;
  stock?: number;
  shippable: boolean;
}

export async function exportCatalog(kv: Deno.Kv, format: CatalogFormat): Promise<string> {
  const products = (await listProducts(kv, { includeInactive: true }))
    .sort((a, b) => a.slug.localeCompare(b.slug));
  const levels = await getStock(kv, products.filter(isTracked).map((p) => p.id));
  const rows = products.map((p) => exported(p, levels.get(p.id) ?? 0));
  if (format === "json") return JSON.stringify(rows, null, 2) + "\n";
  return toCsv([
    [...CSV_COLUMNS],
    ...rows.map((r) => [
      r.slug,
      r.title,
      r.description,
      toMajorUnits(r.unitAmount, r.currency),
      r.currency.toUpperCase(),
      r.image,
      String(r.active),
      String(r.unique),
      String(r.trackStock),
      r.stock === undefined ? "" : String(r.stock),
      String(r.shippable),
    ]),
  ]);
}

function exported(p: Product, level: number): ExportedProduct {
  const trackStock = isTracked(p);
  return {
    slug: p.slug,
    title: p.title,
    description: p.description,
    unitAmount: p.unitAmount,
    currency: p.currency,
    image: p.image,
    active: p.active,
    unique: p.unique,
    trackStock,
    ...(trackStock ? { stock: level } : {}),
    shippable: isShippable(p),
  };
}
