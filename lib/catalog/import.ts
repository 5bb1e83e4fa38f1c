/**
 * A shop's catalog from a file: JSON (an array of products, prices in minor units as
 * `unitAmount`) or CSV (a header row, prices in the currency's major units as `price`).
 *
 * 1. `parseCatalog` validates every row with ProductInputSchema and collects every error,
 *    each naming its row (and CSV line) and field. A file with any error is refused whole,
 *    before anything is read from or written to the store.
 * 2. `planImport` compares the rows with the store: new, changed (which fields), unchanged,
 *    and the products the file does not mention (missing).
 * 3. `applyImport` upserts each row (idempotent by slug; one commit per product, stock
 *    through the ledger). It never deletes: missing products are left alone, or deactivated.
 *    Running it again after a crash finishes the job.
 */
import { z } from "zod";
import { getStock, isShippable, listProducts, type Product } from "../db/products.ts";
import { minorUnitDigits, parseMajorUnits } from "../orders/money.ts";
import { isTracked } from "../stock/stock.ts";
import { CsvSyntaxError, parseCsv } from "./csv.ts";
import {
  PRODUCT_FIELDS,
  productChanges,
  ProductInputSchema,
  setProductActive,
  upsertProduct,
  type ValidProductInput,
} from "./upsert.ts";

export type CatalogFormat = "csv" | "json";

/** The CSV columns, in the order exports write them. `price` is in major units ("18.90"). */
export const CSV_COLUMNS = [
  "slug",
  "title",
  "description",
  "price",
  "currency",
  "image",
  "active",
  "unique",
  "trackStock",
  "stock",
  "shippable",
] as const;
type CsvColumn = typeof CSV_COLUMNS[number];
/** A file without `shippable` (one written before it) leaves each product's flag as it is. */
const OPTIONAL_COLUMNS: ReadonlySet<CsvColumn> = new Set(["description", "stock", "shippable"]);

/** More rows than this is not a small shop's catalog; the file is refused as a whole. */
export const MAX_ROWS = 10_000;

/** One problem in a file: the row (1-based data row; 0 for the file or its header) and field. */
export interface RowError {
  row: number;
  /** The CSV line the row starts on. */
  line?: number;
  /** The field as the file names it (`price` in CSV, `unitAmount` in JSON); "" for the row. */
  field: string;
  message: string;
}

/** A row that passed validation. */
export interface ImportRow {
  row: number;
  line?: number;
  input: ValidProductInput;
}

export type ParseResult =
  | { ok: true; format: CatalogFormat; rows: ImportRow[] }
  | { ok: false; format: CatalogFormat; errors: RowError[] };

/** "line 4 (row 3), price: …" */
export function formatRowError(e: RowError): string {
  const where = e.row === 0
    ? (e.line ? `line ${e.line}` : "file")
    : e.line
    ? `line ${e.line} (row ${e.row})`
    : `row ${e.row}`;
  return `${where}${e.field ? `, ${e.field}` : ""}: ${e.message}`;
}

/** The format a file name says, else what its text looks like (JSON starts with `[`). */
export function detectFormat(name: string, text: string): CatalogFormat {
  const lower = name.toLowerCase();
  if (lower.endsWith(".json")) return "json";
  if (lower.endsWith(".csv")) return "csv";
  return text.trimStart().startsWith("[") ? "json" : "csv";
}

/** Validates a whole catalog file; see the module comment. */
export function parseCatalog(text: string, format: CatalogFormat): ParseResult {
  const { rows, errors } = format === "json" ? parseJsonRows(text) : parseCsvRows(text);
  errors.push(...duplicateSlugs(rows));
  if (!errors.length && rows.length === 0) {
    // An empty file would make every product "missing": almost surely the wrong file.
    errors.push({ row: 0, field: "", message: "the file lists no products" });
  }
  if (!errors.length) return { ok: true, format, rows };
  errors.sort((a, b) => a.row - b.row || fieldRank(a.field) - fieldRank(b.field));
  return { ok: false, format, errors };
}

/** A row's errors are listed in the order of its columns (the row itself first). */
const FIELD_ORDER: readonly string[] = [
  "",
  ...CSV_COLUMNS.slice(0, 4),
  "unitAmount",
  ...CSV_COLUMNS.slice(4),
];
const fieldRank = (field: string) => {
  const rank = FIELD_ORDER.indexOf(field);
  return rank === -1 ? FIELD_ORDER.length : rank;
};

/** The rows that passed and the errors of those that did not. */
interface RowsAndErrors {
  rows: ImportRow[];
  errors: RowError[];
}

function parseJsonRows(text: string): RowsAndErrors {
  let data: unknown;
  try {
    data = JSON.parse(text.startsWith("\uFEFF") ? text.slice(1) : text);
  } catch (err) {
    const message = `not JSON: ${(err as Error).message}`;
    return { rows: [], errors: [{ row: 0, field: "", message }] };
  }
  const list = z.array(z.unknown()).max(MAX_ROWS).safeParse(data);
  if (!list.success) {
    return {
      rows: [],
      errors: [{
        row: 0,
        field: "",
        message: `must be an array of at most ${MAX_ROWS} products`,
      }],
    };
  }
  const rows: ImportRow[] = [];
  const errors: RowError[] = [];
  list.data.forEach((item, i) => {
    const parsed = ProductInputSchema.safeParse(item);
    if (parsed.success) rows.push({ row: i + 1, input: parsed.data });
    else errors.push(...issuesToErrors(parsed.error.issues, { row: i + 1 }));
  });
  return { rows, errors };
}

/** Header names are matched loosely: `Track stock`, `track_stock` and `trackStock` are one. */
const looseName = (name: string) => name.toLowerCase().replace(/[\s_-]+/g, "");
const COLUMN_BY_LOOSE = new Map(CSV_COLUMNS.map((c) => [looseName(c), c]));

function parseCsvRows(text: string): RowsAndErrors {
  let records;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (!(err instanceof CsvSyntaxError)) throw err;
    return {
      rows: [],
      errors: [{
        row: 0,
        line: err.line,
        field: "",
        message: err.message.replace(/^line \d+: /, ""),
      }],
    };
  }
  const [header, ...data] = records;
  if (!header) return { rows: [], errors: [{ row: 0, field: "", message: "the file is empty" }] };
  const errors: RowError[] = [];
  const columns: (CsvColumn | null)[] = header.fields.map((name) => {
    const column = COLUMN_BY_LOOSE.get(looseName(name.trim())) ?? null;
    if (!column) {
      errors.push({
        row: 0,
        line: header.line,
        field: name,
        message: `unknown column (the columns are ${CSV_COLUMNS.join(", ")})`,
      });
    }
    return column;
  });
  for (const column of CSV_COLUMNS) {
    const count = columns.filter((c) => c === column).length;
    if (count === 0 && !OPTIONAL_COLUMNS.has(column)) {
      errors.push({ row: 0, line: header.line, field: column, message: "column missing" });
    } else if (count > 1) {
      errors.push({ row: 0, line: header.line, field: column, message: "column given twice" });
    }
  }
  if (data.length > MAX_ROWS) {
    errors.push({ row: 0, field: "", message: `more than ${MAX_ROWS} rows` });
  }
  if (errors.length) return { rows: [], errors };

  const rows: ImportRow[] = [];
  data.forEach((record, i) => {
    const where = { row: i + 1, line: record.line };
    if (record.fields.length > columns.length) {
      errors.push({
        ...where,
        field: "",
        message: `${record.fields.length} fields, but the header has ${columns.length} columns`,
      });
      return;
    }
    const cells: Partial<Record<CsvColumn, string>> = {};
    columns.forEach((column, c) => {
      cells[column!] = record.fields[c] ?? "";
    });
    const { input, problems } = csvCellsToInput(cells);
    const parsed = ProductInputSchema.safeParse(input);
    const rowErrors: RowError[] = problems.map((p) => ({ ...where, ...p }));
    if (!parsed.success) {
      const named = new Set(problems.map((p) => p.field));
      rowErrors.push(
        ...issuesToErrors(parsed.error.issues, where, csvFieldName)
          .filter((e) => !named.has(e.field)),
      );
    }
    if (rowErrors.length) errors.push(...rowErrors);
    else if (parsed.success) rows.push({ ...where, input: parsed.data });
  });
  return { rows, errors };
}

const TRUE = new Set(["true", "yes", "y", "1"]);
const FALSE = new Set(["false", "no", "n", "0"]);

/**
 * One CSV row's cells as ProductInputSchema's input: empty cells are absent, booleans and
 * whole numbers read, the price turned into minor units of the row's currency. A cell that
 * cannot be read is a problem of its own (and left out, so zod does not name it twice).
 */
function csvCellsToInput(
  cells: Partial<Record<CsvColumn, string>>,
): { input: Record<string, unknown>; problems: { field: string; message: string }[] } {
  const input: Record<string, unknown> = {};
  const problems: { field: string; message: string }[] = [];
  for (const column of ["slug", "title", "description", "currency", "image"] as const) {
    const cell = cells[column];
    if (cell !== undefined && cell.trim() !== "") input[column] = cell;
  }
  for (const column of ["active", "unique", "trackStock", "shippable"] as const) {
    const cell = cells[column]?.trim().toLowerCase() ?? "";
    if (cell === "") continue;
    if (TRUE.has(cell)) input[column] = true;
    else if (FALSE.has(cell)) input[column] = false;
    else {problems.push({
        field: column,
        message: `${JSON.stringify(cells[column])} is not true or false`,
      });}
  }
  const stock = cells.stock?.trim() ?? "";
  if (stock !== "") {
    if (/^[+-]?\d{1,15}$/.test(stock)) input.stock = Number(stock);
    else {problems.push({
        field: "stock",
        message: `${JSON.stringify(stock)} is not a whole number`,
      });}
  }
  const price = cells.price?.trim() ?? "";
  if (price !== "") {
    const currency = cells.currency?.trim() ?? "";
    if (/^[A-Za-z]{3}$/.test(currency)) {
      const amount = parseMajorUnits(price, currency);
      if (typeof amount === "number") input.unitAmount = amount;
      else problems.push({ field: "price", message: priceProblem(price, currency, amount) });
    } else if (!/^\d+(?:\.\d+)?$/.test(price)) {
      problems.push({ field: "price", message: `${JSON.stringify(price)} is not a price` });
    } else {
      // Without a currency the price cannot be read; the currency's own error says why.
      input.unitAmount = 0;
    }
  }
  return { input, problems };
}

function priceProblem(price: string, currency: string, problem: string): string {
  const digits = minorUnitDigits(currency);
  const code = currency.toUpperCase();
  const example = digits === 0 ? "1890" : digits === 3 ? "18.900" : "18.90";
  if (problem === "too_many_decimals") {
    return digits === 0
      ? `${JSON.stringify(price)}: ${code} has no decimals (write e.g. ${example})`
      : `${JSON.stringify(price)}: ${code} has ${digits} decimals at most`;
  }
  return `${JSON.stringify(price)} is not a price in ${code} (write e.g. ${example}, no symbol)`;
}

/** The CSV names prices `price`. */
const csvFieldName = (field: string) => field === "unitAmount" ? "price" : field;

function issuesToErrors(
  issues: z.core.$ZodIssue[],
  where: { row: number; line?: number },
  rename: (field: string) => string = (f) => f,
): RowError[] {
  return issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      return {
        ...where,
        field: issue.keys.join(", "),
        message: `unknown field (the fields are ${[...PRODUCT_FIELDS, "stock"].join(", ")})`,
      };
    }
    const field = rename(issue.path.map(String).join("."));
    return { ...where, field, message: issue.message };
  });
}

function duplicateSlugs(rows: ImportRow[]): RowError[] {
  const first = new Map<string, ImportRow>();
  const errors: RowError[] = [];
  for (const r of rows) {
    const earlier = first.get(r.input.slug);
    if (earlier) {
      errors.push({
        row: r.row,
        line: r.line,
        field: "slug",
        message: `${r.input.slug} is also in ${
          earlier.line ? `line ${earlier.line} (row ${earlier.row})` : `row ${earlier.row}`
        }`,
      });
    } else {
      first.set(r.input.slug, r);
    }
  }
  return errors;
}

// ---------------------------------------------------------------------------------------
// The diff and its application

export type RowAction = "new" | "changed" | "unchanged";

export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

export interface PlannedRow extends ImportRow {
  slug: string;
  action: RowAction;
  /** The fields that change, with their values before and after (empty unless changed). */
  changes: FieldChange[];
  /** The existing product's id (null for a new one). */
  productId: string | null;
}

export interface MissingProduct {
  id: string;
  slug: string;
  title: string;
  active: boolean;
}

export interface ImportPlan {
  rows: PlannedRow[];
  /** Products in the store that the file does not list, by slug. */
  missing: MissingProduct[];
  counts: { new: number; changed: number; unchanged: number; missing: number };
}

/** What importing `rows` would do to the store; reads only. */
export async function planImport(kv: Deno.Kv, rows: ImportRow[]): Promise<ImportPlan> {
  const products = await listProducts(kv, { includeInactive: true });
  const bySlug = new Map(products.map((p) => [p.slug, p]));
  const levels = await getStock(kv, products.filter(isTracked).map((p) => p.id));
  const planned = rows.map((r): PlannedRow => {
    const existing = bySlug.get(r.input.slug);
    if (!existing) {
      return { ...r, slug: r.input.slug, action: "new", changes: [], productId: null };
    }
    const changes = diff(existing, r.input, levels.get(existing.id) ?? 0);
    return {
      ...r,
      slug: r.input.slug,
      action: changes.length ? "changed" : "unchanged",
      changes,
      productId: existing.id,
    };
  });
  const listed = new Set(rows.map((r) => r.input.slug));
  const missing = products
    .filter((p) => !listed.has(p.slug))
    .map((p) => ({ id: p.id, slug: p.slug, title: p.title, active: p.active }))
    .sort((a, b) => a.slug.localeCompare(b.slug));
  const count = (action: RowAction) => planned.filter((p) => p.action === action).length;
  return {
    rows: planned,
    missing,
    counts: {
      new: count("new"),
      changed: count("changed"),
      unchanged: count("unchanged"),
      missing: missing.length,
    },
  };
}

function diff(existing: Product, input: ValidProductInput, level: number): FieldChange[] {
  const changes: FieldChange[] = productChanges(existing, input).map((field) => ({
    field,
    before: field === "trackStock"
      ? isTracked(existing)
      : field === "shippable"
      ? isShippable(existing)
      : existing[field],
    after: input[field],
  }));
  // A level is set only for a tracked product; a product that becomes tracked starts from
  // whatever its stock key holds (0 when it never had one).
  if (input.trackStock && input.stock !== undefined && input.stock !== level) {
    changes.push({ field: "stock", before: level, after: input.stock });
  }
  return changes;
}

export interface ApplyOptions {
  /** Deactivate the active products the file does not list. */
  deactivateMissing?: boolean;
  /** Who imports, in the stock ledger; "import" by default. */
  actor?: string;
  /** Why, in the stock ledger; "catalog import" by default. */
  reason?: string;
}

export interface ApplyResult {
  created: string[];
  updated: string[];
  unchanged: string[];
  /** Slugs of missing products this import deactivated. */
  deactivated: string[];
}

/**
 * Applies a plan: every row is upserted (a row the plan found unchanged writes nothing, or
 * catches up with a change made since the plan), then missing products are deactivated when
 * asked. Nothing is ever deleted.
 */
export async function applyImport(
  kv: Deno.Kv,
  plan: ImportPlan,
  { deactivateMissing = false, actor = "import", reason = "catalog import" }: ApplyOptions = {},
): Promise<ApplyResult> {
  const result: ApplyResult = { created: [], updated: [], unchanged: [], deactivated: [] };
  for (const row of plan.rows) {
    const { created, changed } = await upsertProduct(kv, row.input, actor, { reason });
    const list = created ? result.created : changed.length ? result.updated : result.unchanged;
    list.push(row.slug);
  }
  if (deactivateMissing) {
    for (const p of plan.missing) {
      if (p.active && await setProductActive(kv, p.id, false)) result.deactivated.push(p.slug);
    }
  }
  return result;
}

export type ImportOutcome =
  | { ok: false; errors: RowError[] }
  | { ok: true; plan: ImportPlan; applied: ApplyResult | null };

/**
 * A whole import of one file's text: validate (a bad row stops everything before the store is
 * read), plan, then apply unless `dryRun` (applied is null).
 */
export async function importCatalog(
  kv: Deno.Kv,
  text: string,
  format: CatalogFormat,
  { dryRun = false, ...options }: ApplyOptions & { dryRun?: boolean } = {},
): Promise<ImportOutcome> {
  const parsed = parseCatalog(text, format);
  if (!parsed.ok) return { ok: false, errors: parsed.errors };
  const plan = await planImport(kv, parsed.rows);
  return { ok: true, plan, applied: dryRun ? null : await applyImport(kv, plan, options) };
}
