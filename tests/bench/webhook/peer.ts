/**
 * The "peer" scenario: the same signed events against what most shops run (Node, Express,
 * stripe-node's synchronous `constructEvent`, PostgreSQL; tests/bench/peer/), doing in one
 * transaction the work Settle does in its one commit: processed event, order update under a
 * row lock, history row, status indexes, payment-intent index row, and the follow-up tasks
 * Settle's own plan queues (read from the floor's plan file). It runs where Node and npm are
 * installed, PostgreSQL is or can be (postgres.ts), and the npm registry answers: the peer's
 * packages are installed with `npm ci` into a temp folder, never into the repository (a
 * package.json at the root would switch Deno to node_modules resolution). Otherwise the row
 * says why it was skipped.
 */
import { join } from "node:path";
import { type BenchOptions, runScenario, type ScenarioRow, type Skipped } from "../bench.ts";
import { signedEvents } from "./events.ts";
import type { Plan } from "./plan.ts";
import { ensurePostgres, type Postgres, startPostgres } from "./postgres.ts";
import { READY, WEBHOOK_PATH, WEBHOOK_SECRET } from "./settle.ts";

const PEER_DIR = new URL("../peer/", import.meta.url).pathname;
const PEER_FILES = ["package.json", "package-lock.json", "server.mjs", "schema.sql"];
const DESCRIPTION =
  "Node + Express + stripe-node constructEvent + PostgreSQL, Settle's work in one transaction";

export interface PeerRun {
  row: ScenarioRow | null;
  skipped: Skipped | null;
  checks: string[];
  failures: string[];
  notes: string[];
}

/**
 * Seeds the orders of `bodies` as pending and runs the events against the peer, which queues
 * per paid event the follow-up tasks Settle's commit queues in `planFile` (plan.ts).
 */
export async function runPeer(
  options: BenchOptions,
  bodies: string[],
  planFile: string,
): Promise<PeerRun> {
  const out: PeerRun = { row: null, skipped: null, checks: [], failures: [], notes: [] };
  const skip = (reason: string) => ({
    ...out,
    skipped: { scenario: "peer", description: DESCRIPTION, reason },
  });
  const postgres = await ensurePostgres();
  if ("missing" in postgres) return skip(postgres.missing);
  const { bin } = postgres;
  const node = await version("node");
  if (!node) return skip("Node.js not installed");
  const dir = join(options.tmpDir, "peer");
  const installed = await install(dir);
  if (installed) return skip(installed);

  try {
    const followUps = taskKinds(JSON.parse(await Deno.readTextFile(planFile)));
    await measure(options, bodies, { bin, dir, node, followUps }, out);
  } catch (err) {
    // The other scenarios stand; the peer's row says it failed and why.
    out.failures.push(`peer: ${err instanceof Error ? err.message : err}`.slice(0, 2000));
    return { ...skip("failed, see below"), failures: out.failures };
  }
  return out;
}

interface PeerSetup {
  /** PostgreSQL's bin folder. */
  bin: string;
  /** Where the peer was installed. */
  dir: string;
  /** `node --version`. */
  node: string;
  /** Kinds of the tasks Settle queues per paid event, one entry per task. */
  followUps: string[];
}

async function measure(
  options: BenchOptions,
  bodies: string[],
  { bin, dir, node, followUps }: PeerSetup,
  out: PeerRun,
): Promise<void> {
  const pg = await startPostgres(bin);
  try {
    await pg.sql(await Deno.readTextFile(join(dir, "schema.sql")) + seedSql(bodies));
    out.row = await runScenario({
      scenario: "peer",
      description: DESCRIPTION,
      server: {
        command: "node",
        args: [
          "server.mjs",
          "--secret",
          WEBHOOK_SECRET,
          "--database",
          pg.url,
          "--follow-ups",
          followUps.join(","),
        ],
        cwd: dir,
        ready: READY,
      },
      path: WEBHOOK_PATH,
      requests: signedEvents(bodies, options.warmup),
      extraPids: () => pg.pids(),
    }, options);
    await verify(pg, bodies.length, followUps.length, out);
    const { dependencies } = JSON.parse(await Deno.readTextFile(join(dir, "package.json")));
    const packages = Object.entries(dependencies).map(([name, v]) => `${name} ${v}`).join(", ");
    out.notes.push(
      `Peer: Node ${node}, ${pg.version}, ${packages}, a pool of 10 connections; ` +
        `${bodies.length} orders seeded pending, each with its first history row. Per paid ` +
        `event, one transaction of named statements: lock the order (SELECT … FOR UPDATE), ` +
        `insert the processed event (ON CONFLICT DO NOTHING: a repeat is answered ` +
        `"already_processed" and rolled back), then one statement: the order update (status, ` +
        `payment status and customer are indexed columns, so the row moves in those indexes as ` +
        `Settle's index keys move), the history row, the payment-intent index row and ` +
        `${followUps.length} follow-up task row(s) (${followUps.join(", ")}, as Settle's plan ` +
        `queues) with their due and by-order index entries, and a NOTIFY as the wake-up; 5 ` +
        `round trips with BEGIN and COMMIT. Its server CPU includes every PostgreSQL process ` +
        `(column "of it KV/DB").`,
      `Durability: Settle, the floor and the peer all make every acknowledged event durable ` +
        `before the 200. Deno KV is a local SQLite file that fsyncs each commit; PostgreSQL ` +
        `runs with its defaults, fsync and synchronous_commit on, so each commit waits for ` +
        `its WAL flush.`,
    );
  } finally {
    await pg.stop();
  }
}

/** Copies the peer and runs `npm ci`; returns why it could not, or null. */
async function install(dir: string): Promise<string | null> {
  if (!(await version("npm"))) return "npm not installed";
  await Deno.mkdir(dir, { recursive: true });
  for (const file of PEER_FILES) await Deno.copyFile(join(PEER_DIR, file), join(dir, file));
  const out = await new Deno.Command("npm", {
    // The npm cache serves repeat runs; an unreachable registry fails within a minute.
    args: [
      "ci",
      "--prefer-offline",
      "--fetch-timeout=30000",
      "--fetch-retries=1",
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
      "--loglevel=error",
    ],
    cwd: dir,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (out.success) return null;
  const why = new TextDecoder().decode(out.stderr).trim().split("\n").filter(Boolean).at(-1);
  return `npm ci failed (registry unreachable?): ${why ?? `exit ${out.code}`}`;
}

async function version(command: string): Promise<string | null> {
  try {
    const out = await new Deno.Command(command, {
      args: ["--version"],
      stdout: "piped",
      stderr: "null",
    })
      .output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
  } catch {
    return null;
  }
}

/** The kinds of the tasks in an event's commit; throws unless every event queues the same. */
export function taskKinds(plan: Plan): string[] {
  const kindsOf = (mutations: Plan[string]) =>
    mutations.flatMap((m) =>
      m.op === "set" && m.key[0] === "tasks" && m.key.length === 2
        ? [(m.value as { kind: string }).kind]
        : []
    ).sort();
  const all = new Set(Object.values(plan).map((m) => kindsOf(m).join(",")));
  if (all.size !== 1) throw new Error(`events queue different tasks: ${[...all].join(" | ")}`);
  return kindsOf(Object.values(plan)[0]);
}

/**
 * COPY of every order the events pay, pending, with the amount and currency they carry, and
 * its first history row, as Settle's checkout leaves them.
 */
function seedSql(bodies: string[]): string {
  const orders: string[] = [];
  const history: string[] = [];
  for (const body of bodies) {
    const session = JSON.parse(body).data.object;
    const { order_id, order_number } = session.metadata;
    const { amount_total, currency } = session;
    orders.push(
      [order_id, order_number, "pending", "pending", amount_total, currency, 1].join("\t"),
    );
    const fact = JSON.stringify({ kind: "order_created", amount: amount_total, currency });
    history.push(
      [order_id, 1, fact, '{"kind":"checkout"}', '{"kind":"applied"}', "pending"].join("\t"),
    );
  }
  const copy = (head: string, lines: string[]) =>
    `COPY ${head} FROM stdin;\n${lines.join("\n")}\n\\.\n`;
  return copy(
    "orders (id, number, status, payment_status, amount, currency, history_seq)",
    orders,
  ) +
    copy("order_history (order_id, seq, fact, source, outcome, to_status)", history) +
    "ANALYZE;\n";
}

// Counts that hold only if every order was paid exactly once, with all of its rows.
const VERIFY_SQL = `
SELECT count(*) FROM orders WHERE status = 'paid' AND payment_status = 'paid';
SELECT count(*) FROM processed_events;
SELECT count(*) FROM (
  SELECT order_id FROM order_history
  WHERE fact->>'kind' = 'payment_succeeded' AND outcome->>'kind' = 'applied'
  GROUP BY order_id HAVING count(*) = 1
) AS paid_once;
SELECT count(*) FROM order_history WHERE seq > 1;
SELECT count(*) FROM order_payment_intents;
SELECT count(*) FROM tasks WHERE status = 'pending';
SELECT count(DISTINCT order_id) FROM tasks;
`;

async function verify(
  pg: Postgres,
  expected: number,
  tasksPerEvent: number,
  out: PeerRun,
): Promise<void> {
  const [paid, events, paidOnce, history, intents, tasks, tasked] = (await pg.sql(VERIFY_SQL))
    .trim().split("\n").map(Number);
  const applied = out.row!.load.outcomes["applied"] ?? 0;
  const expectedTasks = expected * tasksPerEvent;
  const orderRows = [paid, events, paidOnce, history, intents];
  const tasksOk = tasks === expectedTasks && tasked === (tasksPerEvent ? expected : 0);
  if (orderRows.every((n) => n === expected) && tasksOk && applied === out.row!.load.ok) {
    out.checks.push(
      `After the peer run: ${paid} = ${expected} orders paid and ${events} processed events ` +
        `in PostgreSQL; ${paidOnce} orders with exactly one applied payment_succeeded history ` +
        `row (${history} history rows written), ${intents} payment-intent rows, ${tasks} ` +
        `follow-up task rows (${tasksPerEvent} per order); every 2xx answered "applied".`,
    );
  } else {
    out.failures.push(
      `peer: ${paid} orders paid, ${events} processed events, ${paidOnce} paid once, ` +
        `${history} history rows, ${intents} payment-intent rows, ${tasks} tasks on ${tasked} ` +
        `orders, ${applied} "applied" of ${out.row!.load.ok} 2xx; expected ${expected} ` +
        `each and ${expectedTasks} tasks`,
    );
  }
}
