/**
 * The "peer" scenario: the same signed events against what most shops run (Node, Express,
 * stripe-node's synchronous `constructEvent`, PostgreSQL with a processed-events table and
 * the order update in one transaction; tests/bench/peer/). It runs only where PostgreSQL,
 * Node and npm are installed and the npm registry answers: the peer's packages are installed
 * with `npm ci` into a temp folder, never into the repository (a package.json at the root
 * would switch Deno to node_modules resolution). Otherwise the row says why it was skipped.
 */
import { join } from "node:path";
import { type BenchOptions, runScenario, type ScenarioRow, type Skipped } from "../bench.ts";
import { signedEvents } from "./events.ts";
import { findPostgres, type Postgres, startPostgres } from "./postgres.ts";
import { READY, WEBHOOK_PATH, WEBHOOK_SECRET } from "./settle.ts";

const PEER_DIR = new URL("../peer/", import.meta.url).pathname;
const PEER_FILES = ["package.json", "package-lock.json", "server.mjs"];
const DESCRIPTION = "Node + Express + stripe-node constructEvent + PostgreSQL, one transaction";

const SCHEMA = `
CREATE TABLE orders (
  id text PRIMARY KEY,
  number text NOT NULL,
  status text NOT NULL,
  amount integer NOT NULL,
  currency text NOT NULL,
  payment_intent text,
  paid_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_by_status ON orders (status);
CREATE TABLE processed_events (
  event_id text PRIMARY KEY,
  type text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now()
);
`;

export interface PeerRun {
  row: ScenarioRow | null;
  skipped: Skipped | null;
  checks: string[];
  failures: string[];
  notes: string[];
}

/** Seeds the orders of `bodies` as pending and runs the events against the peer. */
export async function runPeer(options: BenchOptions, bodies: string[]): Promise<PeerRun> {
  const out: PeerRun = { row: null, skipped: null, checks: [], failures: [], notes: [] };
  const skip = (reason: string) => ({
    ...out,
    skipped: { scenario: "peer", description: DESCRIPTION, reason },
  });
  const bin = await findPostgres();
  if (!bin) return skip("PostgreSQL not installed");
  const node = await version("node");
  if (!node) return skip("Node.js not installed");
  const dir = join(options.tmpDir, "peer");
  const installed = await install(dir);
  if (installed) return skip(installed);

  try {
    await measure(options, bodies, bin, dir, node, out);
  } catch (err) {
    // The other scenarios stand; the peer's row says it failed and why.
    out.failures.push(`peer: ${err instanceof Error ? err.message : err}`.slice(0, 2000));
    return { ...skip("failed, see below"), failures: out.failures };
  }
  return out;
}

async function measure(
  options: BenchOptions,
  bodies: string[],
  bin: string,
  dir: string,
  node: string,
  out: PeerRun,
): Promise<void> {
  const pg = await startPostgres(bin);
  try {
    await pg.sql(SCHEMA + seedSql(bodies));
    out.row = await runScenario({
      scenario: "peer",
      description: DESCRIPTION,
      server: {
        command: "node",
        args: ["server.mjs", "--secret", WEBHOOK_SECRET, "--database", pg.url],
        cwd: dir,
        ready: READY,
      },
      path: WEBHOOK_PATH,
      requests: signedEvents(bodies, options.warmup),
      extraPids: () => pg.pids(),
    }, options);
    await verify(pg, bodies.length, out);
    const { dependencies } = JSON.parse(await Deno.readTextFile(join(dir, "package.json")));
    const packages = Object.entries(dependencies).map(([name, v]) => `${name} ${v}`).join(", ");
    out.notes.push(
      `Peer: Node ${node}, ${pg.version} (defaults: fsync and synchronous_commit on), ` +
        `${packages}, a pool of 10 connections; ${bodies.length} orders seeded pending. Its ` +
        `server CPU includes every PostgreSQL process (column "of it KV/DB").`,
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

/** COPY of every order the events pay, pending, with the amount and currency they carry. */
function seedSql(bodies: string[]): string {
  const lines = bodies.map((body) => {
    const session = JSON.parse(body).data.object;
    const { order_id, order_number } = session.metadata;
    return [order_id, order_number, "pending", session.amount_total, session.currency].join("\t");
  });
  return `COPY orders (id, number, status, amount, currency) FROM stdin;\n${
    lines.join("\n")
  }\n\\.\nANALYZE;\n`;
}

async function verify(pg: Postgres, expected: number, out: PeerRun): Promise<void> {
  const [paid, events] = (await pg.sql(
    "SELECT count(*) FROM orders WHERE status = 'paid'; SELECT count(*) FROM processed_events;",
  )).trim().split("\n").map(Number);
  const applied = out.row!.load.outcomes["applied"] ?? 0;
  if (paid === expected && events === expected && applied === out.row!.load.ok) {
    out.checks.push(
      `After the peer run: ${paid} = ${expected} orders paid and ${events} processed events ` +
        `in PostgreSQL; every 2xx answered "applied".`,
    );
  } else {
    out.failures.push(
      `peer: ${paid} orders paid, ${events} processed events, ${applied} "applied" of ` +
        `${out.row!.load.ok} 2xx; expected ${expected}`,
    );
  }
}
