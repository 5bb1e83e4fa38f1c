import assert from "node:assert/strict";
import { join } from "node:path";
import { keys } from "../db/keys.ts";
import { BusinessRuleError } from "../http/errors.ts";
import { parseOrderNumber } from "../orders/order_number.ts";
import { placeTogether, type Ticket, type TogetherDeps } from "./place_together.ts";

const NOW = new Date("2026-03-04T10:00:00Z");

function depsOf(kv: Deno.Kv): TogetherDeps {
  return { kv, now: () => NOW, orderNumberPrefix: "SO" };
}

/** A ticket whose order is one key holding its number: enough to see what each got. */
function ticket(
  orderId: string,
  { units = 1, requestKey = null as Deno.KvKey | null } = {},
): Ticket {
  return {
    orderId,
    requestKey,
    fingerprint: `print-${orderId}`,
    lines: units > 0 ? [{ productId: "mug", quantity: units }] : [],
    titles: new Map([["mug", "Mug"]]),
    checks: 0,
    stage: (op, number) => void op.set(["placed", orderId], number),
  };
}

async function numberOf(kv: Deno.Kv, orderId: string): Promise<number> {
  const number = (await kv.get<string>(["placed", orderId])).value;
  assert.ok(number, `order ${orderId} was not written`);
  return parseOrderNumber(number)!.seq;
}

Deno.test("placements arriving together get unique numbers without gaps, in arrival order", async () => {
  using kv = await Deno.openKv(":memory:");
  await kv.set(keys.stock("mug"), 100);
  const ids = Array.from({ length: 24 }, (_, i) => `o${String(i).padStart(2, "0")}`);
  await Promise.all(
    ids.map((id) => placeTogether(depsOf(kv), ticket(id, { requestKey: ["req", id] }))),
  );
  const seqs = await Promise.all(ids.map((id) => numberOf(kv, id)));
  assert.deepEqual(seqs, ids.map((_, i) => i + 1));
  assert.equal((await kv.get(keys.stock("mug"))).value, 100 - ids.length);
});

Deno.test("the last units go to the first placements that ask; the others are refused and take no number", async () => {
  using kv = await Deno.openKv(":memory:");
  await kv.set(keys.stock("mug"), 3);
  const results = await Promise.allSettled(
    ["a", "b", "c", "d", "e"].map((id) => placeTogether(depsOf(kv), ticket(id))),
  );
  assert.deepEqual(results.map((r) => r.status), [
    "fulfilled",
    "fulfilled",
    "fulfilled",
    "rejected",
    "rejected",
  ]);
  for (const r of results.slice(3)) {
    assert.ok(r.status === "rejected" && r.reason instanceof BusinessRuleError);
    assert.equal((r.reason as BusinessRuleError).code, "out_of_stock");
  }
  assert.deepEqual(await Promise.all(["a", "b", "c"].map((id) => numberOf(kv, id))), [1, 2, 3]);
  assert.equal((await kv.get(keys.stock("mug"))).value, 0);
});

Deno.test("two placements with one Idempotency-Key place one order and both get its record", async () => {
  using kv = await Deno.openKv(":memory:");
  await kv.set(keys.stock("mug"), 10);
  const key = ["req", "double-click"];
  const [first, second] = await Promise.all([
    placeTogether(depsOf(kv), ticket("first", { requestKey: key })),
    placeTogether(depsOf(kv), ticket("second", { requestKey: key })),
  ]);
  assert.deepEqual(first, { orderId: "first", fingerprint: "print-first" });
  assert.deepEqual(second, first);
  assert.equal((await kv.get(["placed", "second"])).value, null);
  assert.equal((await kv.get(keys.stock("mug"))).value, 9);
});

Deno.test("two processes' placements on one store keep numbers unique and gap-free, and each process's increasing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "store.kv");
    using one = await Deno.openKv(path);
    using two = await Deno.openKv(path);
    await one.set(keys.stock("mug"), 70);
    const idsOf = (p: string) => Array.from({ length: 15 }, (_, i) => `${p}${i}`);
    const placeAll = (kv: Deno.Kv, ids: string[]) =>
      Promise.all(ids.map((id) => placeTogether(depsOf(kv), ticket(id, { units: 2 }))));
    await Promise.all([placeAll(one, idsOf("p")), placeAll(two, idsOf("q"))]);
    const p = await Promise.all(idsOf("p").map((id) => numberOf(one, id)));
    const q = await Promise.all(idsOf("q").map((id) => numberOf(one, id)));
    assert.deepEqual(
      [...p, ...q].sort((a, b) => a - b),
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    for (const seqs of [p, q]) assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
    assert.equal((await one.get(keys.stock("mug"))).value, 70 - 30 * 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a placement of untracked products takes a number and no stock", async () => {
  using kv = await Deno.openKv(":memory:");
  await placeTogether(depsOf(kv), ticket("free", { units: 0 }));
  assert.equal(await numberOf(kv, "free"), 1);
  assert.equal((await kv.get(keys.stock("mug"))).value, null);
});

Deno.test("each placed ticket learns the versionstamp its order landed with", async () => {
  using kv = await Deno.openKv(":memory:");
  await kv.set(keys.stock("mug"), 1);
  const told = new Map<string, string>();
  const noting = (id: string): Ticket => ({ ...ticket(id), landed: (v) => told.set(id, v) });
  const results = await Promise.allSettled(
    ["a", "b"].map((id) => placeTogether(depsOf(kv), noting(id))),
  );
  assert.deepEqual(results.map((r) => r.status), ["fulfilled", "rejected"]);
  assert.deepEqual([...told.keys()], ["a"]);
  assert.equal(told.get("a"), (await kv.get(["placed", "a"])).versionstamp);
});
