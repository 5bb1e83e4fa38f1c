import assert from "node:assert/strict";
import { keys } from "../db/keys.ts";
import { ConflictError } from "../http/errors.ts";
import { CLAIM_MS, withOpeningClaim } from "./opening_claim.ts";

const T0 = new Date("2026-12-02T10:00:00Z");

Deno.test("a twin arriving while the claim is held is refused with checkout_in_progress", async () => {
  using kv = await Deno.openKv(":memory:");
  const { promise: release, resolve } = Promise.withResolvers<void>();
  const { promise: inside, resolve: entered } = Promise.withResolvers<void>();
  const first = withOpeningClaim(kv, "o1", () => T0, async () => {
    entered();
    await release;
    return "first";
  });
  await inside;
  await assert.rejects(
    () => withOpeningClaim(kv, "o1", () => T0, () => Promise.resolve("twin")),
    (err) => err instanceof ConflictError && err.code === "checkout_in_progress",
  );
  assert.equal(await withOpeningClaim(kv, "o2", () => T0, () => Promise.resolve("other")), "other");
  resolve();
  assert.equal(await first, "first");
  assert.equal(await withOpeningClaim(kv, "o1", () => T0, () => Promise.resolve("after")), "after");
});

Deno.test("the claim is given back when opening throws", async () => {
  using kv = await Deno.openKv(":memory:");
  await assert.rejects(() =>
    withOpeningClaim(kv, "o1", () => T0, () => Promise.reject(new Error("provider down")))
  );
  assert.equal(await withOpeningClaim(kv, "o1", () => T0, () => Promise.resolve("again")), "again");
});

Deno.test("a claim left by a crashed process lapses after CLAIM_MS, not before", async () => {
  using kv = await Deno.openKv(":memory:");
  await kv.set(keys.providerOrderOpening("o1"), { id: "crashed", until: T0.getTime() + CLAIM_MS });
  const at = (ms: number) => () => new Date(T0.getTime() + ms);
  await assert.rejects(
    () => withOpeningClaim(kv, "o1", at(CLAIM_MS - 1), () => Promise.resolve("early")),
    ConflictError,
  );
  assert.equal(
    await withOpeningClaim(kv, "o1", at(CLAIM_MS), () => Promise.resolve("late")),
    "late",
  );
});
