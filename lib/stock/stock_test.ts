import assert from "node:assert/strict";
import { createProduct, getStock, randomProduct } from "../db/products.ts";
import { listLedger } from "./ledger.ts";
import {
  adjustStock,
  availableUnits,
  isTracked,
  setStockLevel,
  StockBelowZeroError,
  StockInputError,
  UNTRACKED_AVAILABLE,
} from "./stock.ts";
import { checkLedger } from "./stock_fixtures.ts";

const who = { reason: "stock-take", actor: "admin:alice" };

async function snapshot(kv: Deno.Kv): Promise<string> {
  const rows: unknown[] = [];
  for await (const e of kv.list({ prefix: [] })) rows.push([e.key, e.value, e.versionstamp]);
  return JSON.stringify(rows);
}

Deno.test("adjustStock moves the level and writes one ledger entry in the same commit", async () => {
  await using kv = await Deno.openKv(":memory:");
  const p = await createProduct(kv, randomProduct(), 5);
  const at = new Date("2026-05-01T09:00:00.000Z");
  const { stock, entry } = await adjustStock(kv, p.id, { delta: -2, ...who, at });
  assert.equal(stock, 3);
  assert.deepEqual(
    [entry.kind, entry.delta, entry.after, entry.reason, entry.actor, entry.at],
    ["adjusted", -2, 3, "stock-take", "admin:alice", at.toISOString()],
  );
  assert.equal((await getStock(kv, [p.id])).get(p.id), 3);
  const { entries } = await listLedger(kv, p.id);
  assert.deepEqual(entries.map((e) => e.delta), [-2, 5], "newest first, the initial level last");
});

Deno.test("an adjustment below zero is refused with a typed error and writes nothing", async () => {
  await using kv = await Deno.openKv(":memory:");
  const p = await createProduct(kv, randomProduct(), 2);
  const before = await snapshot(kv);
  const err = await adjustStock(kv, p.id, { delta: -3, ...who }).catch((e) => e);
  assert.ok(err instanceof StockBelowZeroError);
  assert.deepEqual(err.details, { productId: p.id, stock: 2, delta: -3 });
  assert.equal(await snapshot(kv), before);
});

Deno.test("bad input and unknown products are refused", async () => {
  await using kv = await Deno.openKv(":memory:");
  const p = await createProduct(kv, randomProduct(), 2);
  for (
    const input of [
      { delta: 0, ...who },
      { delta: 1.5, ...who },
      { delta: 1, reason: " ", actor: "a" },
      { delta: 1, reason: "x".repeat(501), actor: "a" },
      { delta: 1, reason: "ok", actor: "" },
    ]
  ) {
    await assert.rejects(adjustStock(kv, p.id, input), StockInputError, JSON.stringify(input));
  }
  const unknown = await adjustStock(kv, "p_nope", { delta: 1, ...who }).catch((e) => e);
  assert.ok(unknown instanceof StockInputError && unknown.notFound);
  await assert.rejects(setStockLevel(kv, p.id, -1, who), StockInputError);
});

Deno.test("setStockLevel adjusts by the difference, and writes nothing when unchanged", async () => {
  await using kv = await Deno.openKv(":memory:");
  const p = await createProduct(kv, randomProduct(), 4);
  const up = await setStockLevel(kv, p.id, 10, who);
  assert.deepEqual([up.stock, up.entry?.delta, up.entry?.after], [10, 6, 10]);
  const down = await setStockLevel(kv, p.id, 0, who);
  assert.deepEqual([down.stock, down.entry?.delta], [0, -10]);
  const before = await snapshot(kv);
  assert.deepEqual(await setStockLevel(kv, p.id, 0, who), { stock: 0, entry: null });
  assert.equal(await snapshot(kv), before);
  // A product created with no stock key at all starts from 0.
  const bare = await createProduct(kv, randomProduct(), 0);
  assert.equal((await setStockLevel(kv, bare.id, 3, who)).entry?.delta, 3);
});

Deno.test("30 concurrent adjustments all land once: the level and the ledger agree", async () => {
  await using kv = await Deno.openKv(":memory:");
  const p = await createProduct(kv, randomProduct(), 20);
  const deltas = Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? -1 : 2));
  const results = await Promise.allSettled(
    deltas.map((delta) => adjustStock(kv, p.id, { delta, ...who })),
  );
  assert.ok(results.every((r) => r.status === "fulfilled"));
  const want = 20 + deltas.reduce((a, b) => a + b, 0);
  assert.equal((await getStock(kv, [p.id])).get(p.id), want);
  const { imbalance, units } = await checkLedger(kv, [p.id]);
  assert.equal(imbalance.get(p.id), 0);
  assert.equal(units.adjusted, 20 + deltas.reduce((a, b) => a + Math.abs(b), 0));
});

Deno.test("untracked products are always available; legacy products are tracked", async () => {
  await using kv = await Deno.openKv(":memory:");
  const tracked = await createProduct(kv, randomProduct(), 3);
  const untracked = await createProduct(kv, randomProduct({ trackStock: false }), 0);
  const units = await availableUnits(kv, [tracked, untracked]);
  assert.deepEqual([units.get(tracked.id), units.get(untracked.id)], [3, UNTRACKED_AVAILABLE]);
  assert.equal(isTracked({}), true);
  assert.equal(isTracked({ trackStock: false }), false);
});
