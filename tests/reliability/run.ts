/**
 * `deno task reliability [--sessions N] [--razorpay R] [--concurrency C] [--edges E] [--fuzz F]
 * [--seed S] [--bounded] [--keep]`: two real Settle processes on loopback sharing one KV file,
 * one Stripe emulator and one Razorpay emulator (run here, both delivering through
 * forwarder.ts), put through a payment storm at both providers,
 * a crash, the status-page and retry races, the edges (early refunds and disputes, provider
 * faults at create, colliding keys) and a fuzzer, then checked once more at rest.
 * Prints a table and exits non-zero when anything was lost, applied twice, answered 5xx,
 * left in a wrong state or changed by a refused request.
 */
import { parseArgs } from "node:util";
import { startEmulator } from "@/lib/payments/emulator/server.ts";
import { startRazorpayEmulator } from "@/lib/payments/razorpay/emulator/server.ts";
import { ShopClient } from "./client.ts";
import { startForwarder } from "./forwarder.ts";
import { startMailbox } from "./mailbox.ts";
import {
  logSummary,
  RAZORPAY_KEYS,
  type SettleProcess,
  startSettle,
  WEBHOOK_SECRET,
} from "./processes.ts";
import { Prng } from "./prng.ts";
import { clean, details, type PhaseRow, table } from "./report.ts";
import { crashPhase } from "./crash.ts";
import { edgesPhase } from "./edges.ts";
import { fuzzPhase } from "./fuzz.ts";
import { verify } from "./oracle.ts";
import { runSplitPhase } from "./phase.ts";
import { racePhase } from "./races.ts";
import { seedStore } from "./seed.ts";
import { stormPhase } from "./storm.ts";
import { type Suite, within } from "./suite.ts";

export interface ReliabilityOptions {
  /** Checkout sessions in the storm. */
  sessions: number;
  /** Razorpay orders in the storm (placed, paid and verified while the sessions are). */
  razorpayOrders: number;
  /** Checkout sessions in the storm during which a process is killed. */
  crashSessions: number;
  /** Orders whose status page races their webhooks. */
  pageRaces: number;
  /** Orders whose retry races a payment on the old session. */
  retryRaces: number;
  /** Orders refunded and disputed before their payment reaches Settle. */
  earlyEvents: number;
  /** Checkouts whose first create fails at the provider (500, timeout, lost response). */
  createFaults: number;
  /** Checkouts whose every create fails, closed by their lapse. */
  lapsed: number;
  /** Pairs of cookieless strangers sharing an Idempotency-Key. */
  keyCollisions: number;
  /** Shoppers at once, and webhook deliveries in flight at once. */
  concurrency: number;
  /** Malformed requests the fuzzer sends. */
  fuzz: number;
  seed: number;
  /** Keep the KV file and the process logs (their folder is logged). */
  keep?: boolean;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export const FULL: Omit<ReliabilityOptions, "seed"> = {
  sessions: 5000,
  razorpayOrders: 1000,
  crashSessions: 1000,
  pageRaces: 300,
  retryRaces: 100,
  earlyEvents: 200,
  createFaults: 30,
  lapsed: 10,
  keyCollisions: 200,
  concurrency: 32,
  fuzz: 10_000,
};

/** The CI form: the same phases, a fraction of the volume. */
export const BOUNDED: Omit<ReliabilityOptions, "seed"> = {
  sessions: 300,
  razorpayOrders: 60,
  crashSessions: 100,
  pageRaces: 100,
  retryRaces: 40,
  earlyEvents: 20,
  createFaults: 6,
  lapsed: 2,
  keyCollisions: 20,
  concurrency: 32,
  fuzz: 2000,
};

export interface ReliabilityResult {
  rows: PhaseRow[];
  /** Warnings and errors the processes logged, counted by message. */
  processLog: string[];
}

export async function runReliability(options: ReliabilityOptions): Promise<ReliabilityResult> {
  const log = options.log ?? (() => {});
  const prng = new Prng(options.seed);
  const dir = await Deno.makeTempDir({ prefix: "settle_reliability_" });
  const kvPath = `${dir}/settle.kv`;
  const catalog = await seedStore(kvPath);
  const mailbox = startMailbox();
  const forwarder = startForwarder();
  const dice = prng.fork();
  const emulator = await startEmulator({
    env: "test",
    webhookUrl: forwarder.url,
    webhookSecret: WEBHOOK_SECRET,
    secretKey: "sk_test_reliability",
    duplicateRate: 0.3,
    shuffle: true,
    concurrency: options.concurrency,
    retryBaseMs: 100,
    maxAttempts: 10,
    timeoutMs: 15_000,
    random: () => dice.next(),
  });
  const razorpayDice = prng.fork();
  const razorpay = startRazorpayEmulator({
    env: "test",
    ...RAZORPAY_KEYS,
    webhookUrl: forwarder.razorpayUrl,
    duplicateRate: 0.3,
    shuffle: true,
    concurrency: options.concurrency,
    retryBaseMs: 100,
    maxAttempts: 10,
    timeoutMs: 15_000,
    random: () => razorpayDice.next(),
    // Half the payments wait for Settle to capture them (verify and the webhook race to).
    autoCapture: () => razorpayDice.chance(0.5),
  });
  const setup = {
    kvPath,
    stripeApi: emulator.url,
    razorpayApi: razorpay.url,
    mailApi: mailbox.url,
    logDir: dir,
  };
  const processes: SettleProcess[] = [];
  const logFiles = new Set<string>();
  let kv: Deno.Kv | null = null;
  const rows: PhaseRow[] = [];
  let processLog: string[] = [];
  try {
    processes.push(...await Promise.all([startSettle("A", setup), startSettle("B", setup)]));
    for (const p of processes) logFiles.add(p.logFile);
    forwarder.setTargets(processes.map((p) => p.url));
    kv = await Deno.openKv(kvPath);
    const suite: Suite = {
      emulator,
      razorpay,
      client: new ShopClient(() => suite.processes.map((p) => p.url)),
      forwarder,
      mailbox,
      setup,
      processes,
      kv,
      catalog,
      prng,
      placed: [],
      log,
    };
    log(`processes ${processes.map((p) => `${p.name}=${p.url}`).join(", ")}; KV ${kvPath}`);
    // Leases of a killed process run out after 30 s; everything else settles in seconds.
    const settleMs = 120_000;
    const { concurrency } = options;
    const phases = async () => {
      rows.push(
        ...await stormPhase(suite, {
          sessions: options.sessions,
          razorpayOrders: options.razorpayOrders,
          concurrency,
          settleMs,
        }),
      );
      rows.push(
        await crashPhase(suite, { sessions: options.crashSessions, concurrency, settleMs }),
      );
      rows.push(
        await racePhase(suite, {
          pageRaces: options.pageRaces,
          retryRaces: options.retryRaces,
          concurrency,
          settleMs,
        }),
      );
      rows.push(
        await edgesPhase(suite, {
          earlyEvents: options.earlyEvents,
          createFaults: options.createFaults,
          lapsed: options.lapsed,
          keyCollisions: options.keyCollisions,
          concurrency,
          settleMs,
        }),
      );
      rows.push(await fuzzPhase(suite, { requests: options.fuzz, concurrency: 16, settleMs }));
      rows.push(...await atRestPhase(suite));
    };
    try {
      await within(phases(), timeLimitMs(options), "the reliability run");
    } catch (err) {
      rows.push(failedRow("time limit", err));
    }
  } finally {
    kv?.close();
    await Promise.all(processes.map((p) => p.stop().catch(() => {})));
    await emulator.close();
    await razorpay.close();
    await forwarder.close();
    await mailbox.close();
    processLog = await logSummary([...logFiles]);
    if (options.keep) log(`kept ${dir}`);
    else await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  return { rows, processLog };
}

/**
 * A generous bound on the whole run: start-up, a lease's wait, a provider timeout's 20 s,
 * and time per unit of volume.
 */
function timeLimitMs(o: ReliabilityOptions): number {
  const orders = o.sessions + o.razorpayOrders + o.crashSessions + o.pageRaces + o.retryRaces +
    o.earlyEvents +
    o.createFaults + o.lapsed + 2 * o.keyCollisions;
  return 300_000 + orders * 100 + o.fuzz * 10;
}

function failedRow(phase: string, err: unknown): PhaseRow {
  return {
    phase,
    orders: 0,
    deliveries: 0,
    duplicates: 0,
    retries: 0,
    lost: 0,
    doubleApplied: 0,
    nonOwner: 0,
    server5xx: 0,
    wrongStates: 0,
    kvChanges: 0,
    seconds: 0,
    problems: [String(err)],
    notes: [],
  };
}

/** The processes are stopped; every order of every phase is checked again from the file. */
function atRestPhase(suite: Suite): Promise<PhaseRow[]> {
  return runSplitPhase(suite, "at rest", async () => {
    await Promise.all(suite.processes.map((p) => p.stop()));
    const byRazorpay = suite.placed.filter((p) => p.provider === "razorpay");
    const byStripe = suite.placed.filter((p) => p.provider !== "razorpay");
    const verdict = await verify(suite, byStripe, { allowResend: true });
    const razorpay = await verify(suite, byRazorpay, { allowResend: true, stock: false });
    // Counted by the phases that caused them.
    verdict.resentReceipts = 0;
    razorpay.resentReceipts = 0;
    const note = (n: number) => `${n} orders re-read from the KV file with both processes stopped`;
    return {
      verdict,
      notes: [note(byStripe.length)],
      razorpay: { verdict: razorpay, notes: [note(byRazorpay.length)] },
    };
  });
}

const USAGE = `deno task reliability [options]
  --bounded        the CI volume (${BOUNDED.sessions} sessions, ${BOUNDED.razorpayOrders} Razorpay \
orders, ${BOUNDED.fuzz} fuzz requests …) instead of the full one (${FULL.sessions}, \
${FULL.razorpayOrders}, ${FULL.fuzz} …)
  --sessions N     Stripe checkout sessions in the storm
  --razorpay R     Razorpay orders in the storm
  --concurrency C  shoppers at once, and webhook deliveries in flight at once
  --edges E        early-event orders and colliding key pairs (faults and lapses in proportion)
  --fuzz F         malformed requests
  --seed S         dice seed
  --keep           keep the KV file and the process logs`;

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be an integer ≥ 1`);
  return n;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      sessions: { type: "string" },
      razorpay: { type: "string" },
      concurrency: { type: "string" },
      edges: { type: "string" },
      fuzz: { type: "string" },
      seed: { type: "string" },
      bounded: { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const base = values.bounded ? BOUNDED : FULL;
  // --edges E: E early-event orders and E colliding pairs; faults and lapses in proportion.
  const edges = positive("edges", values.edges, base.earlyEvents);
  const scaled = (n: number) => Math.max(1, Math.round(n * edges / base.earlyEvents));
  const options: ReliabilityOptions = {
    ...base,
    earlyEvents: edges,
    keyCollisions: edges,
    createFaults: Math.max(3, scaled(base.createFaults)),
    lapsed: scaled(base.lapsed),
    sessions: positive("sessions", values.sessions, base.sessions),
    razorpayOrders: positive("razorpay", values.razorpay, base.razorpayOrders),
    concurrency: positive("concurrency", values.concurrency, base.concurrency),
    fuzz: positive("fuzz", values.fuzz, base.fuzz),
    seed: positive("seed", values.seed, 20261122),
    keep: values.keep,
    log: (line) => console.error(`[reliability ${new Date().toISOString().slice(11, 19)}] ${line}`),
  };
  const { rows, processLog } = await runReliability(options);
  console.log(`\n${table(rows)}\n`);
  const more = details(rows);
  if (more) console.log(more);
  if (processLog.length) {
    console.log(`\nprocess logs (warnings and errors):\n  ${processLog.slice(0, 20).join("\n  ")}`);
  }
  const ok = rows.every(clean);
  console.log(ok ? "\nreliability: OK" : "\nreliability: FAILED");
  Deno.exit(ok ? 0 : 1);
}
