/**
 * `deno task catalog`: the shop's own catalog in and out of the configured store (KV_PATH).
 *
 *   deno task catalog import FILE [--dry-run] [--deactivate-missing]
 *   deno task catalog export [--format csv|json] [--out FILE]
 *
 * Import reads CSV (prices in major units, `18.90`) or JSON (`unitAmount` in minor units),
 * prints what it would change (new, changed, unchanged, missing from the file) and applies
 * it unless --dry-run. A file with any bad row changes nothing: its errors, each naming the
 * row and field, are printed and the exit code is 1. Exit code 2 is a usage error.
 */
import { parseArgs } from "node:util";
import { exportCatalog } from "../lib/catalog/export.ts";
import {
  applyImport,
  type CatalogFormat,
  detectFormat,
  type FieldChange,
  formatRowError,
  type ImportPlan,
  parseCatalog,
  planImport,
} from "../lib/catalog/import.ts";
import { loadConfigOrExit } from "../lib/config.ts";
import { openKv } from "../lib/db/kv.ts";
import { toMajorUnits } from "../lib/orders/money.ts";

const USAGE = `Usage:
  deno task catalog import FILE [--dry-run] [--deactivate-missing]
  deno task catalog export [--format csv|json] [--out FILE]`;

class UsageError extends Error {}

/** Runs the command; resolves to the exit code. */
export async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        "dry-run": { type: "boolean", default: false },
        "deactivate-missing": { type: "boolean", default: false },
        format: { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  try {
    const [command, ...rest] = positionals;
    if (command === "import") {
      if (rest.length !== 1) throw new UsageError("import takes one FILE");
      if (values.format || values.out) throw new UsageError("--format and --out are for export");
      return await importFile(rest[0], {
        dryRun: values["dry-run"],
        deactivateMissing: values["deactivate-missing"],
      });
    }
    if (command === "export") {
      if (rest.length) throw new UsageError("export takes no FILE (use --out FILE)");
      if (values["dry-run"] || values["deactivate-missing"]) {
        throw new UsageError("--dry-run and --deactivate-missing are for import");
      }
      const format = values.format ??
        (values.out?.toLowerCase().endsWith(".json") ? "json" : "csv");
      if (format !== "csv" && format !== "json") throw new UsageError("--format is csv or json");
      return await exportTo(format, values.out);
    }
    throw new UsageError(command ? `unknown command ${command}` : "say import or export");
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\n${USAGE}`);
    return 2;
  }
}

async function importFile(
  file: string,
  { dryRun, deactivateMissing }: { dryRun: boolean; deactivateMissing: boolean },
): Promise<number> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (err) {
    console.error(`Cannot read ${file}: ${(err as Error).message}`);
    return 1;
  }
  const parsed = parseCatalog(text, detectFormat(file, text));
  if (!parsed.ok) {
    console.error(
      `${file} was not imported (${parsed.errors.length} ${
        parsed.errors.length === 1 ? "error" : "errors"
      }); nothing was changed:`,
    );
    for (const e of parsed.errors) console.error(`  ${formatRowError(e)}`);
    return 1;
  }
  const config = loadConfigOrExit();
  const kv = await openKv(config.kvPath);
  try {
    const plan = await planImport(kv, parsed.rows);
    printPlan(file, parsed.format, plan, deactivateMissing);
    await warn(plan, config.currency);
    if (dryRun) {
      console.log("Dry run: nothing was written.");
      return 0;
    }
    const done = await applyImport(kv, plan, {
      deactivateMissing,
      actor: "import",
      reason: `catalog import of ${basename(file)}`,
    });
    console.log(
      `Imported into ${config.kvPath}: ${done.created.length} created, ${done.updated.length} ` +
        `updated, ${done.unchanged.length} unchanged, ${done.deactivated.length} deactivated.`,
    );
    return 0;
  } finally {
    kv.close();
  }
}

function printPlan(
  file: string,
  format: CatalogFormat,
  plan: ImportPlan,
  deactivateMissing: boolean,
): void {
  const c = plan.counts;
  console.log(
    `${file} (${format}, ${plan.rows.length} rows): ${c.new} new, ${c.changed} changed, ` +
      `${c.unchanged} unchanged, ${c.missing} missing from the file`,
  );
  const width = Math.max(
    0,
    ...plan.rows.map((r) => r.slug.length),
    ...plan.missing.map((m) => m.slug.length),
  );
  for (const r of plan.rows) {
    const slug = r.slug.padEnd(width);
    const currency = r.input.currency;
    if (r.action === "new") {
      const stock = r.input.trackStock ? `stock ${r.input.stock ?? 0}` : "stock not tracked";
      const flags = [!r.input.active && "inactive", r.input.unique && "one of a kind"]
        .filter(Boolean);
      console.log(
        `  + ${slug}  new        ${show("title", r.input.title, currency)} · ${
          show("unitAmount", r.input.unitAmount, currency)
        } · ${stock}${flags.length ? ` · ${flags.join(", ")}` : ""}`,
      );
    } else if (r.action === "changed") {
      const changes = r.changes.map((ch) => describe(ch, currency)).join("; ");
      console.log(`  ~ ${slug}  changed    ${changes}`);
    } else {
      console.log(`  = ${slug}  unchanged`);
    }
  }
  for (const m of plan.missing) {
    const fate = !m.active
      ? "inactive already"
      : deactivateMissing
      ? "will be deactivated"
      : "left as it is (--deactivate-missing would deactivate it)";
    console.log(`  ? ${m.slug.padEnd(width)}  missing    ${fate}`);
  }
}

function describe({ field, before, after }: FieldChange, currency: string): string {
  if (field === "unitAmount") {
    // A currency change shows each price in its own currency.
    return `price ${show(field, before, currency)} → ${show(field, after, currency)}`;
  }
  return `${field} ${show(field, before, currency)} → ${show(field, after, currency)}`;
}

function show(field: string, value: unknown, currency: string): string {
  if (field === "unitAmount" && typeof value === "number") {
    return `${toMajorUnits(value, currency)} ${currency.toUpperCase()}`;
  }
  if (typeof value === "string") {
    const text = JSON.stringify(value);
    return text.length > 42 ? `${text.slice(0, 40)}…"` : text;
  }
  return String(value);
}

/** Things worth a second look that do not stop the import. */
async function warn(plan: ImportPlan, shopCurrency: string): Promise<void> {
  for (const r of plan.rows) {
    const { image, currency, slug } = r.input;
    if (currency !== shopCurrency) {
      console.log(
        `  note: ${slug} is priced in ${currency.toUpperCase()}; the shop's CURRENCY is ` +
          `${shopCurrency.toUpperCase()} (a cart never mixes currencies)`,
      );
    }
    if (image.startsWith("/")) {
      try {
        // The schema refused any `..`, so this stays inside static/.
        await Deno.stat(new URL(`../static${image}`, import.meta.url));
      } catch {
        console.log(`  note: ${slug}'s image ${image} is not in static/`);
      }
    }
  }
}

async function exportTo(format: CatalogFormat, out: string | undefined): Promise<number> {
  const config = loadConfigOrExit();
  const kv = await openKv(config.kvPath);
  let text: string;
  try {
    text = await exportCatalog(kv, format);
  } finally {
    kv.close();
  }
  if (out) {
    await Deno.writeTextFile(out, text);
    console.error(`Wrote the catalog (${format}) to ${out}.`);
  } else {
    const bytes = new TextEncoder().encode(text);
    for (let written = 0; written < bytes.length;) {
      written += await Deno.stdout.write(bytes.subarray(written));
    }
  }
  return 0;
}

const basename = (path: string) => path.split(/[\\/]/).pop() ?? path;

if (import.meta.main) Deno.exit(await main(Deno.args));
