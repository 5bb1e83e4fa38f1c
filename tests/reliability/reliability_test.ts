/**
 * The reliability suite in its bounded form, so `deno task test` (and CI) runs it: two real
 * Settle processes on one KV file, one Stripe and one Razorpay emulator, a storm of 300
 * sessions and 60 Razorpay orders, a crash, the races, the edges and 2,000 fuzz requests.
 * `deno task reliability` runs the full volume.
 */
import assert from "node:assert/strict";
import { clean, details, table } from "./report.ts";
import { BOUNDED, runReliability } from "./run.ts";

Deno.test({
  name: "reliability (bounded): nothing lost, nothing applied twice, no 5xx, no stray writes",
  // Child processes and servers are all stopped by runReliability; their teardown spans ticks.
  sanitizeResources: false,
  async fn() {
    const { rows, processLog } = await runReliability({ ...BOUNDED, seed: 7 });
    const report = `${table(rows)}\n${details(rows)}\n${processLog.slice(0, 10).join("\n")}`;
    assert.deepEqual(
      rows.map((r) => r.phase),
      [
        "storm",
        "storm · razorpay",
        "crash",
        "races",
        "edges",
        "fuzz",
        "at rest",
        "at rest · razorpay",
      ],
      report,
    );
    for (const row of rows) assert.ok(clean(row), `${row.phase} is not clean:\n${report}`);
    const [storm, razorpay, crash, , edges, fuzz] = rows;
    assert.equal(storm.orders, BOUNDED.sessions, report);
    assert.ok(storm.duplicates > 0, `the emulator sent no duplicates:\n${report}`);
    assert.equal(razorpay.orders, BOUNDED.razorpayOrders, report);
    assert.ok(razorpay.duplicates > 0, `Razorpay sent no duplicates:\n${report}`);
    assert.match(
      razorpay.notes.join("\n"),
      /verify calls racing the webhooks: .*× 200/,
      `no verify call raced a webhook:\n${report}`,
    );
    assert.ok(crash.retries > 0, `no delivery needed a retry during the crash:\n${report}`);
    const edgeOrders = BOUNDED.earlyEvents + BOUNDED.createFaults + BOUNDED.lapsed +
      2 * BOUNDED.keyCollisions;
    assert.equal(edges.orders, edgeOrders, report);
    assert.ok(
      fuzz.orders >= BOUNDED.fuzz * 0.95,
      `too few fuzz requests reached Settle:\n${report}`,
    );
  },
});
