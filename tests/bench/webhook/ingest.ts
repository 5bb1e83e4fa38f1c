/**
 * Webhook ingest (issue 3, item 9): verified and applied `checkout.session.completed`
 * events per second over real HTTP with a file-backed KV, for Settle's whole process
 * beside two baselines fed the very same bodies:
 *   full  — `deno run -A main.ts`: middleware, route, verify, order lookup, one commit,
 *           and the outbox worker of the same process (WORKER=inline), which steps aside
 *           while requests are in flight and drains the follow-ups after the load;
 *   bare  — the plain-SDK endpoint: constructEventAsync, 200, nothing stored;
 *   floor — the floor for this schema, not for every design: Settle's verifier plus ONE
 *           commit of the exact mutations Settle makes;
 *   peer  — Node + Express + stripe-node + PostgreSQL (peer.ts), where installed.
 *   full, razorpay — main.ts again, fed Razorpay `payment.captured` events (razorpay.ts).
 * After the full run every order must be paid exactly once; after the peer's, likewise.
 */
import { join } from "node:path";
import {
  type Bench,
  type BenchOptions,
  type BenchResult,
  type Figure,
  runScenario,
  type ScenarioRow,
} from "../bench.ts";
import { copyForDiagnostics, diagnose } from "./diagnose.ts";
import { paidEventBody, signAll, signedEvents } from "./events.ts";
import { runPeer } from "./peer.ts";
import { runRazorpay } from "./razorpay.ts";
import { capturePlan, type Mutation, planBytes } from "./plan.ts";
import {
  checkPaidOnce,
  copyKv,
  drainOutbox,
  type DrainStats,
  loadWindow,
  placeOrders,
  prepareStore,
  readOrders,
} from "./store.ts";
import {
  DRAIN_LIMIT_MS,
  PUBLIC_ORIGIN,
  READY,
  settleEnv,
  WEBHOOK_PATH,
  WEBHOOK_SECRET,
} from "./settle.ts";

export const webhookIngest: Bench = {
  name: "webhook",
  title: "Webhook ingest: checkout.session.completed (paid), one event per order",
  async run(options: BenchOptions): Promise<BenchResult> {
    const { events, warmup, tmpDir, root } = options;
    const result: BenchResult = {
      name: "webhook",
      title: this.title,
      rows: [],
      ratios: [],
      checks: [],
      failures: [],
      notes: [],
    };
    const settleKv = join(tmpDir, "settle.kv");
    const floorKv = join(tmpDir, "floor.kv");
    const planFile = join(tmpDir, "floor_plan.json");
    let bodies: string[] = [];
    let orderIds: string[] = [];
    let diagnosticKvs: string[] = [];

    const basket = await prepareStore(settleKv);
    const full = await runScenario({
      scenario: "full",
      description: "Settle process (main.ts): middleware, route, verify, lookup, commit, worker",
      server: { args: ["run", "-A", "main.ts"], cwd: root, env: settleEnv(settleKv), ready: READY },
      path: WEBHOOK_PATH,
      requests: async (server) => {
        // Real pending orders, placed through Settle's own checkout API while it runs.
        const started = performance.now();
        const placed = await placeOrders(server.url, basket, warmup + events);
        orderIds = placed.ids;
        result.notes.push(
          `Setup: ${orderIds.length} pending orders (${warmup} for warm-up) placed through ` +
            `POST /api/payments/create-checkout-session, 4 at a time, in ${seconds(started)} s` +
            (placed.retries
              ? `; ${placed.retries} checkouts answered 5xx (commit conflicts) and were sent again.`
              : "."),
        );
        const kv = await Deno.openKv(settleKv);
        try {
          bodies = await eventBodies(kv, orderIds);
          if (options.profile) diagnosticKvs = await copyForDiagnostics(kv, tmpDir);
          result.notes.push(await prepareFloor(kv, bodies, floorKv, planFile));
        } finally {
          kv.close();
        }
        return await signedEvents(bodies, warmup)();
      },
      afterLoad: async (server, row) => {
        const drained = await drainOutbox(
          settleKv,
          server.pid,
          DRAIN_LIMIT_MS,
          loadWindow(row.load.elapsedMs),
        );
        result.notes.push(...drainNotes(drained, events, row.load.elapsedMs));
      },
    }, options);
    result.rows.push(full);
    await verifyFull(settleKv, orderIds, full, events, result);

    result.rows.push(
      await runScenario({
        scenario: "bare",
        description: "Deno.serve + SDK constructEventAsync, 200, nothing stored",
        server: {
          args: ["run", "-A", "tests/bench/servers/bare.ts", "--secret", WEBHOOK_SECRET],
          cwd: root,
          ready: READY,
        },
        path: WEBHOOK_PATH,
        requests: signedEvents(bodies, warmup),
      }, options),
      await runScenario({
        scenario: "floor",
        description:
          "Floor for this schema: Deno.serve + Settle's verifier + one commit of its mutations",
        server: {
          args: [
            "run",
            "-A",
            "tests/bench/servers/floor.ts",
            "--secret",
            WEBHOOK_SECRET,
            "--kv",
            floorKv,
            "--plan",
            planFile,
          ],
          cwd: root,
          ready: READY,
        },
        path: WEBHOOK_PATH,
        requests: signedEvents(bodies, warmup),
      }, options),
    );

    const peer = await runPeer(options, bodies, planFile);
    if (peer.row) result.rows.push(peer.row);
    const razorpay = await runRazorpay(options, join(tmpDir, "razorpay.kv"));
    result.rows.push(razorpay.row);
    result.checks.push(...razorpay.checks);
    result.failures.push(...razorpay.failures);
    result.notes.push(razorpay.setup);
    if (razorpay.drained) {
      const notes = drainNotes(razorpay.drained, events, razorpay.row.load.elapsedMs);
      result.notes.push(...notes.map((n) => `Razorpay: ${n}`));
    }
    if (peer.skipped) result.skipped = [peer.skipped];
    result.checks.push(...peer.checks);
    result.failures.push(...peer.failures);
    result.notes.push(...peer.notes);

    const [f, b, fl] = result.rows;
    result.ratios.push(ratio("full/bare", f, b), ratio("full/floor", f, fl));
    if (peer.row) result.ratios.push(ratio("full/peer", f, peer.row));
    // The floor replays the Stripe event's commit; a Razorpay payment commits the same keys.
    result.ratios.push(ratio("razorpay/floor", razorpay.row, fl));
    result.figures = figures(f, [
      [b, "bare: Deno.serve + SDK constructEventAsync"],
      [fl, "floor for this schema: Settle's verifier + one commit of its KV mutations"],
      [
        peer.row,
        peer.row
          ? "peer: Node + Express + stripe-node + PostgreSQL, Settle's work in one transaction"
          : `peer: skipped, ${peer.skipped?.reason}`,
      ],
    ]);
    for (const row of result.rows) {
      if (row.load.requests < events || row.load.errors) {
        result.failures.push(
          `${row.scenario}: ${row.load.ok} of ${events} requests answered 2xx within ` +
            `${options.maxSeconds} s (${JSON.stringify(row.load.statuses)})`,
        );
      }
    }
    if (options.profile) {
      const diagnostics = await diagnose(options, diagnosticKvs, bodies);
      result.rows.push(...diagnostics.rows);
      result.notes.push(...diagnostics.notes);
    }
    return result;
  },
};

/** The paid event of each order, in the order of `ids`; each must be pending with a session. */
async function eventBodies(kv: Deno.Kv, ids: string[]): Promise<string[]> {
  const orders = await readOrders(kv, ids);
  const unready = orders.filter((o) => o.status !== "pending" || !o.payment.sessionId);
  if (unready.length) throw new Error(`${unready.length} orders are not pending with a session`);
  return orders.map((o) => paidEventBody(o, PUBLIC_ORIGIN));
}

/**
 * Gives the floor a store as full as Settle's (a copy, orders still pending) and the
 * mutations Settle will make per event; returns a note describing them.
 */
async function prepareFloor(
  kv: Deno.Kv,
  bodies: string[],
  floorKv: string,
  planFile: string,
): Promise<string> {
  const floorStore = await Deno.openKv(floorKv);
  const copied = await copyKv(kv, floorStore);
  floorStore.close();
  const plan = await capturePlan(kv, WEBHOOK_SECRET, await signAll(bodies, WEBHOOK_SECRET));
  await Deno.writeTextFile(planFile, JSON.stringify(plan));
  const sample = Object.values(plan)[0];
  const bytes = planBytes(sample);
  const writes = sample.filter((m) => m.op !== "check").length;
  return `Per event Settle commits ${writes} mutations and ${sample.length - writes} checks ` +
    `(${mutationSummary(sample)}), ~${bytes.keys + bytes.values} bytes as JSON; the floor ` +
    `replays exactly these on a copy of Settle's store (${copied} entries), dropping the ` +
    `check on the order's versionstamp, which needs a read.`;
}

/** Time per event of `a` over that of `b`: by throughput, median latency and server CPU. */
function ratio(label: string, a: ScenarioRow, b: ScenarioRow): string {
  const throughput = b.load.rps / a.load.rps;
  const p50 = a.load.p50Ms / b.load.p50Ms;
  const perEvent = (r: ScenarioRow) => (r.serverCpuMs ?? NaN) / r.load.requests;
  return `${label}: ×${throughput.toFixed(2)} time per event by throughput, ` +
    `×${p50.toFixed(2)} p50 latency, ×${
      (perEvent(a) / perEvent(b)).toFixed(2)
    } server CPU per event`;
}

/** Settle's req/s, p50 and CPU per event beside each baseline's. */
function figures(full: ScenarioRow, baselines: [ScenarioRow | null, string][]): Figure[] {
  const cpu = (r: ScenarioRow) => (r.serverCpuMs ?? NaN) / r.load.requests;
  const out: Figure[] = [];
  for (const [row, baseline] of baselines) {
    out.push(
      {
        figure: "webhook ingest, req/s",
        settle: full.load.rps,
        baseline,
        baselineValue: row?.load.rps ?? null,
      },
      {
        figure: "webhook ingest, p50 ms",
        settle: full.load.p50Ms,
        baseline,
        baselineValue: row?.load.p50Ms ?? null,
        digits: 2,
      },
      {
        figure: "webhook ingest, server CPU ms/event",
        settle: cpu(full),
        baseline,
        baselineValue: row ? cpu(row) : null,
        digits: 2,
      },
    );
  }
  return out;
}

function drainNotes(d: DrainStats, events: number, loadMs: number): string[] {
  const endToEnd = (loadMs + d.ms) / 1000;
  return [
    `Outbox: when the load ended the worker had finished ${d.doneAtEnd} follow-up tasks ` +
    `(${d.ranDuringLoad} of them during the measured load) and ${d.queuedAtEnd} were ` +
    `queued; it then ran ${d.ranAfter} more in ` +
    `${(d.ms / 1000).toFixed(1)} s (${d.left} left), using ${d.cpuMs} ms of server CPU ` +
    `(${(d.cpuMs / d.ranAfter).toFixed(2)} ms per task).`,
    `End to end, follow-ups included: the ${events} measured orders were paid in ` +
    `${(loadMs / 1000).toFixed(1)} s and the outbox was empty ${(d.ms / 1000).toFixed(1)} s ` +
    `later: ${(events / endToEnd).toFixed(0)} orders/s (conservative: the warm-up's ` +
    `leftover follow-ups are drained too).`,
  ];
}

async function verifyFull(
  kvPath: string,
  orderIds: string[],
  full: ScenarioRow,
  events: number,
  result: BenchResult,
): Promise<void> {
  const kv = await Deno.openKv(kvPath);
  try {
    const check = await checkPaidOnce(kv, orderIds);
    if (check.problems.length) {
      result.failures.push(...check.problems);
    } else {
      result.checks.push(
        `After the full run (server stopped, KV file read): orders_by_status/paid holds ` +
          `${check.paidIndexed} = ${orderIds.length} orders (${events} measured + ` +
          `${orderIds.length - events} warm-up); each has exactly one payment_succeeded ` +
          `history entry, applied.`,
      );
    }
  } finally {
    kv.close();
  }
  const applied = full.load.outcomes["applied"] ?? 0;
  if (applied !== full.load.ok) {
    result.failures.push(`full: ${full.load.ok} answered 2xx but ${applied} "applied"`);
  }
}

function mutationSummary(mutations: Mutation[]): string {
  const families = new Map<string, number>();
  for (const m of mutations) {
    const name = `${m.op} ${String(m.key[0])}`;
    families.set(name, (families.get(name) ?? 0) + 1);
  }
  return [...families].map(([name, n]) => (n > 1 ? `${name} ×${n}` : name)).join(", ");
}

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);
