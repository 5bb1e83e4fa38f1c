import assert from "node:assert/strict";
import { keys } from "../db/keys.ts";
import { getProductBySlug, getStock, listProducts } from "../db/products.ts";
import { listLedger } from "../stock/ledger.ts";
import { seedDemoCatalog } from "./demo.ts";
import { exportCatalog } from "./export.ts";
import {
  type CatalogFormat,
  formatRowError,
  importCatalog,
  type ImportOutcome,
  parseCatalog,
  type RowError,
} from "./import.ts";
import { upsertProduct } from "./upsert.ts";

const HEADER = "slug,title,description,price,currency,image,active,unique,trackStock,stock";
const csv = (...rows: string[]) => [HEADER, ...rows].join("\n") + "\n";
const MUG =
  "studio-mug,Studio Mug,Thrown by hand.,65.00,NZD,/images/studio-mug.svg,true,true,true,1";
const TOWEL =
  'tea-towel,"Tea Towel, linen","Printed with ""summer"" blossom.",18.90,nzd,/images/tea-towel.svg,TRUE,false,false,';
const CUP = "yen-cup,Yunomi,,1890,JPY,/images/cup.png,false,no,yes,7";

async function snapshot(kv: Deno.Kv): Promise<string> {
  const rows: unknown[] = [];
  for await (const e of kv.list({ prefix: [] })) rows.push([e.key, e.value, e.versionstamp]);
  return JSON.stringify(rows);
}

function ok(outcome: ImportOutcome) {
  if (!outcome.ok) assert.fail(outcome.errors.map(formatRowError).join("\n"));
  return outcome;
}

async function ledgerCount(kv: Deno.Kv): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix: ["stock_ledger"] })) n++;
  return n;
}

Deno.test("a good CSV file imports: major-unit prices, zero-decimal JPY, flags, quoting, stock", async () => {
  await using kv = await Deno.openKv(":memory:");
  const outcome = ok(await importCatalog(kv, csv(MUG, TOWEL, CUP), "csv"));
  assert.deepEqual(outcome.plan.counts, { new: 3, changed: 0, unchanged: 0, missing: 0 });
  assert.deepEqual(outcome.applied?.created, ["studio-mug", "tea-towel", "yen-cup"]);

  const mug = (await getProductBySlug(kv, "studio-mug"))!;
  assert.deepEqual(
    [mug.unitAmount, mug.currency, mug.unique, mug.trackStock, mug.active],
    [6500, "nzd", true, true, true],
  );
  const towel = (await getProductBySlug(kv, "tea-towel"))!;
  assert.deepEqual(
    [towel.title, towel.description, towel.unitAmount, towel.trackStock],
    ["Tea Towel, linen", 'Printed with "summer" blossom.', 1890, false],
  );
  assert.equal((await kv.get(keys.stock(towel.id))).versionstamp, null, "untracked: no stock key");
  const cup = (await getProductBySlug(kv, "yen-cup"))!;
  assert.deepEqual(
    [cup.unitAmount, cup.currency, cup.active, cup.unique, cup.description, cup.image],
    [1890, "jpy", false, false, "", "/images/cup.png"],
  );
  const levels = await getStock(kv, [mug.id, cup.id]);
  assert.deepEqual([levels.get(mug.id), levels.get(cup.id)], [1, 7]);
  const { entries } = await listLedger(kv, cup.id);
  assert.deepEqual(entries.map((e) => [e.kind, e.delta, e.actor]), [["adjusted", 7, "import"]]);
});

Deno.test("a good JSON file imports with unitAmount in minor units", async () => {
  await using kv = await Deno.openKv(":memory:");
  const file = JSON.stringify([
    {
      slug: "hand-grinder",
      title: "Burr Hand Grinder",
      unitAmount: 12900,
      currency: "nzd",
      image: "/images/hand-grinder.svg",
      active: true,
      unique: false,
      trackStock: true,
      stock: 5,
    },
    {
      slug: "kwd-thing",
      title: "Three decimals",
      description: "Fils.",
      unitAmount: 1500,
      currency: "KWD",
      image: "/images/placeholder.svg",
      active: true,
      unique: false,
      trackStock: false,
    },
  ]);
  const outcome = ok(await importCatalog(kv, file, "json"));
  assert.deepEqual(outcome.applied?.created, ["hand-grinder", "kwd-thing"]);
  const grinder = (await getProductBySlug(kv, "hand-grinder"))!;
  assert.deepEqual([grinder.unitAmount, grinder.description], [12900, ""]);
  assert.equal((await getStock(kv, [grinder.id])).get(grinder.id), 5);
  assert.equal((await getProductBySlug(kv, "kwd-thing"))?.currency, "kwd");
});

/** Each bad file, and the errors it must give: [row, line, field]. */
const BAD_CSV: [string, string, [number, number | undefined, string][]][] = [
  ["missing field", csv(MUG, "tea-towel,,,18.90,NZD,/images/x.svg,true,false,true,1"), [[
    2,
    3,
    "title",
  ]]],
  ["missing column", "slug,title,price,image,active,unique,trackStock\n", [[0, 1, "currency"]]],
  ["unknown column", HEADER + ",colour\n" + MUG + ",red\n", [[0, 1, "colour"]]],
  ["bad price", csv(MUG, "tea-towel,T,,18.9.0,NZD,/images/x.svg,true,false,true,1"), [[
    2,
    3,
    "price",
  ]]],
  ["too many decimals", csv(MUG, "tea-towel,T,,18.905,NZD,/images/x.svg,true,false,true,1"), [[
    2,
    3,
    "price",
  ]]],
  ["decimals in JPY", csv(MUG, "tea-towel,T,,18.90,JPY,/images/x.svg,true,false,true,1"), [[
    2,
    3,
    "price",
  ]]],
  ["negative price", csv(MUG, "tea-towel,T,,-1.00,NZD,/images/x.svg,true,false,true,1"), [[
    2,
    3,
    "price",
  ]]],
  ["price too big", csv(MUG, "tea-towel,T,,1000000.00,NZD,/images/x.svg,true,false,true,1"), [[
    2,
    3,
    "price",
  ]]],
  ["negative stock", csv(MUG, "tea-towel,T,,18.90,NZD,/images/x.svg,true,false,true,-1"), [[
    2,
    3,
    "stock",
  ]]],
  ["fractional stock", csv(MUG, "tea-towel,T,,18.90,NZD,/images/x.svg,true,false,true,1.5"), [[
    2,
    3,
    "stock",
  ]]],
  ["bad slug", csv(MUG, "Tea Towel,T,,18.90,NZD,/images/x.svg,true,false,true,1"), [[
    2,
    3,
    "slug",
  ]]],
  ["duplicate slug", csv(MUG, MUG.replace("Studio Mug", "Again")), [[2, 3, "slug"]]],
  ["currency format", csv(MUG, "tea-towel,T,,18.90,NZ$,/images/x.svg,true,false,true,1"), [[
    2,
    3,
    "currency",
  ]]],
  ["unknown currency", csv(MUG, "tea-towel,T,,18.90,XYZ,/images/x.svg,true,false,true,1"), [[
    2,
    3,
    "currency",
  ]]],
  [
    "stock with trackStock false",
    csv(MUG, "tea-towel,T,,18.90,NZD,/images/x.svg,true,false,false,4"),
    [[
      2,
      3,
      "stock",
    ]],
  ],
  ["bad boolean", csv(MUG, "tea-towel,T,,18.90,NZD,/images/x.svg,maybe,false,true,1"), [[
    2,
    3,
    "active",
  ]]],
  [
    "a .. image path",
    csv(MUG, "tea-towel,T,,18.90,NZD,/images/../../deno.json,true,false,true,1"),
    [[
      2,
      3,
      "image",
    ]],
  ],
  [
    "an image on another host without a scheme",
    csv(MUG, "tea-towel,T,,18.90,NZD,//evil.example/x.png,true,false,true,1"),
    [[
      2,
      3,
      "image",
    ]],
  ],
  ["too many fields", csv(MUG, MUG.replace("studio", "other") + ",extra"), [[2, 3, ""]]],
  ["broken quoting", csv(MUG, 'tea-towel,"T"x,,18.90,NZD,/images/x.svg,true,false,true,1'), [[
    0,
    3,
    "",
  ]]],
  [
    "a multi-line description shifts the lines",
    csv(
      'tea-towel,T,"one\ntwo",18.90,NZD,/images/x.svg,true,false,true,1',
      "bad slug!,T,,18.90,NZD,/images/x.svg,true,false,true,1",
    ),
    [[2, 4, "slug"]],
  ],
  [
    "several problems in several rows",
    csv(
      MUG,
      ",T,,abc,NZD,/images/x.svg,true,false,true,1",
      "ok-slug,T,,1.00,usd,/images/x.svg,true,false,false,3",
    ),
    [[2, 3, "slug"], [2, 3, "price"], [3, 4, "stock"]],
  ],
  ["no rows", csv(), [[0, undefined, ""]]],
];

const GOOD_JSON = {
  slug: "studio-mug",
  title: "Studio Mug",
  unitAmount: 6500,
  currency: "nzd",
  image: "/images/studio-mug.svg",
  active: true,
  unique: true,
  trackStock: true,
  stock: 1,
};
const { title: _, ...untitled } = GOOD_JSON;
const BAD_JSON: [string, unknown, [number, number | undefined, string][]][] = [
  ["missing field", [GOOD_JSON, { ...untitled, slug: "b" }], [[2, undefined, "title"]]],
  ["price in major units", [{ ...GOOD_JSON, unitAmount: 18.9 }], [[1, undefined, "unitAmount"]]],
  ["price as text", [{ ...GOOD_JSON, unitAmount: "18.90" }], [[1, undefined, "unitAmount"]]],
  ["negative stock", [{ ...GOOD_JSON, stock: -2 }], [[1, undefined, "stock"]]],
  ["bad slug", [{ ...GOOD_JSON, slug: "Mug" }], [[1, undefined, "slug"]]],
  ["duplicate slug", [GOOD_JSON, GOOD_JSON], [[2, undefined, "slug"]]],
  ["currency format", [{ ...GOOD_JSON, currency: "dollars" }], [[1, undefined, "currency"]]],
  ["stock with trackStock false", [{ ...GOOD_JSON, trackStock: false }], [[1, undefined, "stock"]]],
  ["bad boolean", [{ ...GOOD_JSON, active: "yes" }], [[1, undefined, "active"]]],
  ["a .. image path", [{ ...GOOD_JSON, image: "/images/../x.svg" }], [[1, undefined, "image"]]],
  ["unknown field", [{ ...GOOD_JSON, colour: "red" }], [[1, undefined, "colour"]]],
  ["not an object", [GOOD_JSON, 5], [[2, undefined, ""]]],
  ["not an array", { products: [] }, [[0, undefined, ""]]],
];

async function assertRefused(
  format: CatalogFormat,
  name: string,
  text: string,
  expected: [number, number | undefined, string][],
) {
  await using kv = await Deno.openKv(":memory:");
  // A store the file would change if it were applied.
  await upsertProduct(kv, { ...GOOD_JSON, unitAmount: 100, stock: 9 }, "test");
  const before = await snapshot(kv);
  const outcome = await importCatalog(kv, text, format, { deactivateMissing: true });
  assert.equal(outcome.ok, false, `${format} ${name}: refused`);
  const errors = (outcome as { errors: RowError[] }).errors;
  assert.deepEqual(
    errors.map((e) => [e.row, e.line, e.field]),
    expected,
    `${format} ${name}: ${errors.map(formatRowError).join(" | ")}`,
  );
  for (const e of errors) assert.ok(e.message.length > 0);
  assert.equal(await snapshot(kv), before, `${format} ${name}: nothing changed`);
}

Deno.test("every kind of bad CSV row is named by row, line and field, and nothing changes", async () => {
  for (const [name, text, expected] of BAD_CSV) await assertRefused("csv", name, text, expected);
});

Deno.test("every kind of bad JSON row is named by row and field, and nothing changes", async () => {
  for (const [name, data, expected] of BAD_JSON) {
    await assertRefused("json", name, JSON.stringify(data), expected);
  }
  await assertRefused("json", "not JSON", "[{", [[0, undefined, ""]]);
});

Deno.test("error messages read as a place and a reason", () => {
  const result = parseCatalog(
    csv(MUG, "tea-towel,T,,18.9.0,NZD,/images/x.svg,true,false,true,1"),
    "csv",
  );
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.equal(
    formatRowError(result.errors[0]),
    'line 3 (row 2), price: "18.9.0" is not a price in NZD (write e.g. 18.90, no symbol)',
  );
});

async function storeWithThree(kv: Deno.Kv) {
  await importCatalog(
    kv,
    csv(
      MUG,
      TOWEL,
      "old-cup,Old Cup,,9.00,NZD,/images/placeholder.svg,true,false,true,3",
      "gone-cup,Gone Cup,,9.00,NZD,/images/placeholder.svg,false,false,true,0",
    ),
    "csv",
  );
}

const NEXT_FILE = csv(
  MUG.replace("65.00", "70.00").replace("true,true,true,1", "true,true,true,2"),
  TOWEL,
  CUP,
);

Deno.test("dry-run reports new, changed (with fields), unchanged and missing, and writes nothing", async () => {
  await using kv = await Deno.openKv(":memory:");
  await storeWithThree(kv);
  const before = await snapshot(kv);
  const outcome = ok(await importCatalog(kv, NEXT_FILE, "csv", { dryRun: true }));
  assert.equal(outcome.applied, null);
  assert.equal(await snapshot(kv), before);
  const { plan } = outcome;
  assert.deepEqual(plan.counts, { new: 1, changed: 1, unchanged: 1, missing: 2 });
  assert.deepEqual(
    plan.rows.map((r) => [r.slug, r.action, r.row, r.line]),
    [["studio-mug", "changed", 1, 2], ["tea-towel", "unchanged", 2, 3], ["yen-cup", "new", 3, 4]],
  );
  assert.deepEqual(plan.rows[0].changes, [
    { field: "unitAmount", before: 6500, after: 7000 },
    { field: "stock", before: 1, after: 2 },
  ]);
  assert.deepEqual(
    plan.missing.map((m) => [m.slug, m.active]),
    [["gone-cup", false], ["old-cup", true]],
  );
});

Deno.test("applying updates what changed, leaves missing products alone and deletes nothing", async () => {
  await using kv = await Deno.openKv(":memory:");
  await storeWithThree(kv);
  const outcome = ok(await importCatalog(kv, NEXT_FILE, "csv"));
  assert.deepEqual(outcome.applied, {
    created: ["yen-cup"],
    updated: ["studio-mug"],
    unchanged: ["tea-towel"],
    deactivated: [],
  });
  const all = await listProducts(kv, { includeInactive: true });
  assert.equal(all.length, 5);
  assert.equal((await getProductBySlug(kv, "old-cup"))?.active, true);
  assert.equal((await getProductBySlug(kv, "studio-mug"))?.unitAmount, 7000);
});

Deno.test("--deactivate-missing deactivates the active products the file leaves out", async () => {
  await using kv = await Deno.openKv(":memory:");
  await storeWithThree(kv);
  const outcome = ok(await importCatalog(kv, NEXT_FILE, "csv", { deactivateMissing: true }));
  assert.deepEqual(outcome.applied?.deactivated, ["old-cup"], "gone-cup was inactive already");
  const oldCup = (await getProductBySlug(kv, "old-cup"))!;
  assert.equal(oldCup.active, false);
  assert.equal((await getStock(kv, [oldCup.id])).get(oldCup.id), 3, "its stock is kept");
  assert.equal((await listProducts(kv, { includeInactive: true })).length, 5);
});

Deno.test("importing the same file again is all unchanged and writes nothing, not even ledger entries", async () => {
  await using kv = await Deno.openKv(":memory:");
  ok(await importCatalog(kv, csv(MUG, TOWEL, CUP), "csv"));
  const entries = await ledgerCount(kv);
  const before = await snapshot(kv);
  const again = ok(await importCatalog(kv, csv(MUG, TOWEL, CUP), "csv"));
  assert.deepEqual(again.plan.counts, { new: 0, changed: 0, unchanged: 3, missing: 0 });
  assert.deepEqual(again.applied?.unchanged, ["studio-mug", "tea-towel", "yen-cup"]);
  assert.equal(await ledgerCount(kv), entries);
  assert.equal(await snapshot(kv), before);
});

Deno.test("a file without stock levels keeps the levels; turning tracking off touches no stock", async () => {
  await using kv = await Deno.openKv(":memory:");
  ok(await importCatalog(kv, csv(MUG), "csv"));
  const noStock = "slug,title,price,currency,image,active,unique,Track Stock\n" +
    "studio-mug,Studio Mug,65.00,NZD,/images/studio-mug.svg,true,true,true\n";
  const same = ok(await importCatalog(kv, noStock, "csv", { dryRun: true }));
  assert.deepEqual(same.plan.rows[0].changes, [{
    field: "description",
    before: "Thrown by hand.",
    after: "",
  }]);
  const off = ok(
    await importCatalog(kv, csv(MUG.replace("true,true,true,1", "true,true,false,")), "csv"),
  );
  assert.deepEqual(off.plan.rows[0].changes, [{ field: "trackStock", before: true, after: false }]);
  const mug = (await getProductBySlug(kv, "studio-mug"))!;
  assert.equal(mug.trackStock, false);
  assert.equal((await kv.get(keys.stock(mug.id))).value, 1, "lib/stock owns the key");
});

for (const format of ["csv", "json"] as const) {
  Deno.test(`export round-trips through import (${format}): everything unchanged`, async () => {
    await using kv = await Deno.openKv(":memory:");
    await seedDemoCatalog(kv);
    ok(await importCatalog(kv, csv(TOWEL.replace("tea-towel", "linen-towel"), CUP), "csv"));
    const exported = await exportCatalog(kv, format);
    const before = await snapshot(kv);
    const outcome = ok(await importCatalog(kv, exported, format, { deactivateMissing: true }));
    const total = (await listProducts(kv, { includeInactive: true })).length;
    assert.deepEqual(outcome.plan.counts, { new: 0, changed: 0, unchanged: total, missing: 0 });
    assert.equal(await snapshot(kv), before);
    assert.equal(await exportCatalog(kv, format), exported);
  });
}

Deno.test("export writes the import's shape: CSV in major units, JSON in minor units", async () => {
  await using kv = await Deno.openKv(":memory:");
  ok(await importCatalog(kv, csv(MUG, TOWEL, CUP), "csv"));
  const text = await exportCatalog(kv, "csv");
  assert.deepEqual(text.split("\n"), [
    `${HEADER},shippable`,
    "studio-mug,Studio Mug,Thrown by hand.,65.00,NZD,/images/studio-mug.svg,true,true,true,1,true",
    'tea-towel,"Tea Towel, linen","Printed with ""summer"" blossom.",18.90,NZD,/images/tea-towel.svg,true,false,false,,true',
    "yen-cup,Yunomi,,1890,JPY,/images/cup.png,false,false,true,7,true",
    "",
  ]);
  const json = JSON.parse(await exportCatalog(kv, "json"));
  assert.deepEqual(json[1], {
    slug: "tea-towel",
    title: "Tea Towel, linen",
    description: 'Printed with "summer" blossom.',
    unitAmount: 1890,
    currency: "nzd",
    image: "/images/tea-towel.svg",
    active: true,
    unique: false,
    trackStock: false,
    shippable: true,
  });
  assert.equal(json[2].stock, 7);
});

Deno.test("shippable: a column sets it, a file without the column keeps each product's flag", async () => {
  await using kv = await Deno.openKv(":memory:");
  const towel = TOWEL;
  ok(await importCatalog(kv, `${HEADER},shippable\n${towel},false\n`, "csv"));
  const [first] = await listProducts(kv, { includeInactive: true });
  assert.equal(first.shippable, false);
  const again = ok(await importCatalog(kv, csv(TOWEL), "csv"));
  assert.equal(again.plan.counts.unchanged, 1);
  assert.equal((await listProducts(kv, { includeInactive: true }))[0].shippable, false);
  const back = ok(await importCatalog(kv, `${HEADER},shippable\n${towel},yes\n`, "csv"));
  assert.equal(back.plan.counts.changed, 1);
  assert.equal((await listProducts(kv, { includeInactive: true }))[0].shippable, true);
  const bad = await importCatalog(kv, `${HEADER},shippable\n${towel},maybe\n`, "csv");
  assert.ok(!bad.ok);
});

Deno.test("the sample catalog in the repo imports cleanly", async () => {
  await using kv = await Deno.openKv(":memory:");
  const text = await Deno.readTextFile(new URL("../../catalog/sample.csv", import.meta.url));
  const outcome = ok(await importCatalog(kv, text, "csv"));
  const products = await listProducts(kv, { includeInactive: true });
  assert.equal(products.length, outcome.plan.counts.new);
  assert.ok(products.some((p) => !p.trackStock), "one untracked");
  assert.ok(products.some((p) => p.unique), "one unique");
  assert.ok(products.some((p) => !p.active), "one inactive");
  for (const p of products) {
    if (!p.image.startsWith("/")) continue;
    assert.ok((await Deno.stat(new URL(`../../static${p.image}`, import.meta.url))).isFile);
  }
});
