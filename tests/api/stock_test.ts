/**
 * Stock through the whole app: adjustments racing checkouts, refusals that write nothing, and
 * products whose stock is not tracked.
 */
import assert from "node:assert/strict";
import { keys } from "@/lib/db/keys.ts";
import { createProduct, getStock, randomProduct } from "@/lib/db/products.ts";
import { errorResponse } from "@/lib/http/errors.ts";
import { listLedger, summarizeLedger } from "@/lib/stock/ledger.ts";
import type { PlacementRecord } from "@/lib/stock/lines.ts";
import { adjustStock, StockBelowZeroError } from "@/lib/stock/stock.ts";
import { TEST_CARDS } from "@/lib/payments/emulator/server.ts";
import { createTestApp, eventually, type TestApp } from "../support/app.ts";
import { assertUnchanged, checkout, orderOf, snapshot } from "../support/shop.ts";

const who = { reason: "stock-take", actor: "admin:test" };

async function sharedApps(n: number): Promise<{ apps: TestApp[]; dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "settle-stock-" });
  const apps: TestApp[] = [];
  // Processes sharing one KV file, each with its own KV handle: their checkouts really race.
  for (let i = 0; i < n; i++) {
    apps.push(await createTestApp({ env: { KV_PATH: `${dir}/settle.kv` } }));
  }
  return { apps, dir };
}

async function closeAll({ apps, dir }: { apps: TestApp[]; dir: string }): Promise<void> {
  for (const app of apps) await app.close();
  await Deno.remove(dir, { recursive: true });
}

Deno.test("an adjustment racing 20 checkouts for the same product: never negative, the ledger adds up", async () => {
  const shared = await sharedApps(2);
  try {
    const [a, b] = shared.apps;
    const product = await createProduct(a.kv, randomProduct(), 30);
    const body = { items: [{ productId: product.id, quantity: 1 }] };
    const checkouts = Array.from({ length: 20 }, (_, i) => checkout(i % 2 ? a : b, body));
    // A stock-take finds 15 fewer on the shelf, and a delivery of 4 arrives, while they run.
    const adjustments = [
      adjustStock(b.kv, product.id, { delta: -15, ...who }),
      adjustStock(a.kv, product.id, { delta: 4, reason: "delivery", actor: "admin:test" }),
    ];
    const results = await Promise.all(checkouts);
    const adjusted = await Promise.allSettled(adjustments);
    const statuses = results.map((r) => r.status);
    for (const r of results) await r.body?.cancel();
    const placed = statuses.filter((s) => s === 200).length;
    assert.ok(statuses.every((s) => s === 200 || s === 422), String(statuses));
    for (const r of adjusted) {
      if (r.status === "rejected") assert.ok(r.reason instanceof StockBelowZeroError);
    }
    const moved = adjusted.reduce(
      (sum, r, i) => r.status === "fulfilled" ? sum + [-15, 4][i] : sum,
      0,
    );
    const level = (await getStock(a.kv, [product.id])).get(product.id)!;
    assert.equal(level, 30 - placed + moved);
    const summary = await summarizeLedger(a.kv, product.id);
    assert.equal(summary.net, level, "first level + every delta = the level now");
    const { entries } = await listLedger(a.kv, product.id, { limit: 100 });
    assert.ok(entries.every((e) => e.after === null || e.after >= 0), "never below zero");
    assert.equal(summary.units.reserved, placed);
  } finally {
    await closeAll(shared);
  }
});

Deno.test("an adjustment below zero is a 409 stock_below_zero and writes nothing", async () => {
  const app = await createTestApp();
  try {
    const product = await createProduct(app.kv, randomProduct(), 3);
    const before = await snapshot(app.kv);
    const err = await adjustStock(app.kv, product.id, { delta: -4, ...who }).catch((e) => e);
    const res = errorResponse(err);
    assert.equal(res.status, 409);
    const { error } = await res.json();
    assert.deepEqual([error.code, error.details.stock, error.details.delta], [
      "stock_below_zero",
      3,
      -4,
    ]);
    await assertUnchanged(app.kv, before);
  } finally {
    await app.close();
  }
});

Deno.test("a product without stock tracking is bought and paid with no stock key, marker or ledger entry", async () => {
  const app = await createTestApp();
  try {
    const untracked = await createProduct(app.kv, randomProduct({ trackStock: false }));
    const tracked = await createProduct(app.kv, randomProduct(), 5);
    const res = await checkout(app, {
      items: [{ productId: untracked.id, quantity: 99 }, { productId: tracked.id, quantity: 2 }],
    });
    assert.equal(res.status, 200);
    const placed = await res.json();
    const record = (await app.kv.get<PlacementRecord>(keys.placement(placed.orderId))).value!;
    assert.deepEqual(record.lines, [{ productId: tracked.id, quantity: 2 }]);
    await app.emulator!.pay(placed.id, TEST_CARDS.success);
    await eventually(async () => (await orderOf(app, placed.orderId)).stock === "committed");
    const order = await orderOf(app, placed.orderId);
    assert.deepEqual([
      order.status === "paid" || order.status === "fulfilled",
      order.needsAttention,
    ], [
      true,
      [],
    ]);
    assert.equal((await app.kv.get(keys.stock(untracked.id))).versionstamp, null);
    assert.equal(
      (await app.kv.get(keys.stockReservation(placed.orderId, untracked.id))).versionstamp,
      null,
    );
    assert.deepEqual((await listLedger(app.kv, untracked.id)).entries, []);
    assert.equal((await getStock(app.kv, [tracked.id])).get(tracked.id), 3);
    // On the shelf it is simply in stock.
    const shelf = await (await app.app.request("/api/products")).json() as {
      id: string;
      stock: number;
    }[];
    assert.ok(shelf.find((p) => p.id === untracked.id)!.stock > 99);
  } finally {
    await app.close();
  }
});
