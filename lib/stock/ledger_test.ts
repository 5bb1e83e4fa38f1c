import assert from "node:assert/strict";
import { keys, STOCK_LEDGER_TTL_MS } from "../db/keys.ts";
import { listLedger, stageLedgerEntry, summarizeLedger } from "./ledger.ts";

async function write(kv: Deno.Kv, n: number, productId = "p_a") {
  const now = new Date("2026-05-01T00:00:00.000Z");
  for (let i = 0; i < n; i++) {
    const op = kv.atomic();
    // One millisecond for all: the ids still keep the order they were written in.
    stageLedgerEntry(op, {
      productId,
      delta: i + 1,
      after: null,
      kind: "adjusted",
      reason: `#${i}`,
      actor: "test",
    }, now);
    await op.commit();
  }
}

Deno.test("listLedger pages newest first with a cursor, and says when there is no more", async () => {
  await using kv = await Deno.openKv(":memory:");
  await write(kv, 5);
  await write(kv, 2, "p_other");
  const first = await listLedger(kv, "p_a", { limit: 2 });
  assert.deepEqual(first.entries.map((e) => e.reason), ["#4", "#3"]);
  assert.ok(first.cursor);
  const second = await listLedger(kv, "p_a", { limit: 2, cursor: first.cursor });
  assert.deepEqual(second.entries.map((e) => e.reason), ["#2", "#1"]);
  const last = await listLedger(kv, "p_a", { limit: 2, cursor: second.cursor });
  assert.deepEqual([last.entries.map((e) => e.reason), last.cursor], [["#0"], null]);
  const exact = await listLedger(kv, "p_a", { limit: 5 });
  assert.deepEqual([exact.entries.length, exact.cursor], [5, null]);
  assert.deepEqual((await listLedger(kv, "p_none")).entries, []);
});

Deno.test("summarizeLedger sums deltas and units per kind, for one order if asked", async () => {
  await using kv = await Deno.openKv(":memory:");
  const now = new Date();
  const op = kv.atomic();
  stageLedgerEntry(op, { productId: "p", delta: 10, after: 10, kind: "adjusted" }, now);
  stageLedgerEntry(op, {
    productId: "p",
    delta: -3,
    after: 7,
    kind: "reserved",
    orderId: "o1",
    quantity: 3,
  }, now);
  stageLedgerEntry(op, {
    productId: "p",
    delta: 0,
    after: null,
    kind: "committed",
    orderId: "o1",
    quantity: 3,
  }, now);
  stageLedgerEntry(op, {
    productId: "p",
    delta: -2,
    after: 5,
    kind: "reserved",
    orderId: "o2",
    quantity: 2,
  }, now);
  const entry = stageLedgerEntry(op, {
    productId: "p",
    delta: 2,
    after: 7,
    kind: "returned",
    orderId: "o2",
    quantity: 2,
  }, now);
  await op.commit();
  const all = await summarizeLedger(kv, "p");
  assert.equal(all.net, 7);
  assert.deepEqual(all.units, {
    adjusted: 10,
    reserved: 5,
    released: 0,
    committed: 3,
    returned: 2,
  });
  const o2 = await summarizeLedger(kv, "p", { orderId: "o2" });
  assert.deepEqual([o2.net, o2.entries, o2.units.returned], [0, 2, 2]);
  assert.equal(entry.at, now.toISOString());
  assert.ok(STOCK_LEDGER_TTL_MS >= 365 * 24 * 60 * 60 * 1000);
  assert.ok((await kv.get(keys.stockLedger("p", entry.id))).value);
});
