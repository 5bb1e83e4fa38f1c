import { deepStrictEqual, equal } from "node:assert/strict";
import { createTestApp } from "../../support/app.ts";
import {
  checkoutOk,
  orderOf,
  snapshot,
  stockedProducts,
  WEBHOOK_SECRET,
} from "../../support/shop.ts";
import { paidEventBody, signAll } from "./events.ts";
import { capturePlan } from "./plan.ts";

/** Ids, times and epoch ms differ between two runs of the same event; the rest must not. */
function shape(value: unknown): string {
  return String(JSON.stringify(value))
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, "<time>")
    .replace(/\b[0-9A-HJKMNP-TV-Z]{26}\b/g, "<ulid>")
    .replace(/\b\d{13}\b/g, "<ms>");
}

async function entries(kv: Deno.Kv): Promise<Map<string, Deno.KvEntry<unknown>>> {
  const all = new Map<string, Deno.KvEntry<unknown>>();
  for await (const e of kv.list({ prefix: [] })) all.set(JSON.stringify(e.key), e);
  return all;
}

Deno.test("capturePlan records exactly what ingest writes for the event, and writes nothing", async () => {
  const app = await createTestApp();
  try {
    // Follow-up tasks must not run between the request and the comparison.
    await app.worker.stop();
    const [product] = await stockedProducts(app);
    const placed = await checkoutOk(app, { items: [{ productId: product.id, quantity: 1 }] });
    const order = await orderOf(app, placed.orderId);
    const [request] = await signAll([paidEventBody(order, "http://shop.test")], WEBHOOK_SECRET);

    const before = await snapshot(app.kv);
    const plan = await capturePlan(app.kv, WEBHOOK_SECRET, [request]);
    deepStrictEqual(await snapshot(app.kv), before);
    const mutations = Object.values(plan)[0];

    const old = await entries(app.kv);
    const res = await app.app.request("/api/payments/webhook", {
      method: "POST",
      headers: request.headers,
      body: request.body,
    });
    equal(res.status, 200);
    equal((await res.json()).outcome, "applied");
    const now = await entries(app.kv);

    const written: string[] = [];
    for (const [key, entry] of now) {
      if (old.get(key)?.versionstamp !== entry.versionstamp) {
        written.push(`set ${shape(entry.key)} ${shape(entry.value)}`);
      }
    }
    for (const [key, entry] of old) {
      if (!now.has(key)) written.push(`delete ${shape(entry.key)}`);
    }
    const planned = mutations.filter((m) => m.op !== "check").map((m) =>
      m.op === "set" ? `set ${shape(m.key)} ${shape(m.value)}` : `delete ${shape(m.key)}`
    );
    deepStrictEqual(planned.sort(), written.sort());
    // The floor keeps the "never seen" checks: each new task, no event waiting for the
    // payment intent this payment indexes, and the event id.
    deepStrictEqual(
      mutations.filter((m) => m.op === "check" && m.versionstamp === null).map((m) => m.key[0]),
      ["tasks", "events_waiting", "provider_events"],
    );
  } finally {
    await app.close();
  }
});
