/**
 * A throwaway PostgreSQL cluster for the webhook peer: initdb into a temp folder, the server
 * on 127.0.0.1 with its unix socket in that folder, stopped and deleted afterwards. It uses
 * the binaries `apt-get install postgresql` leaves in /usr/lib/postgresql/<version>/bin, and
 * installs that package itself when it is missing and the bench runs as root with apt-get.
 * PostgreSQL refuses to run as root, so under root the cluster's commands run as the
 * `postgres` user (made by the package) through `runuser`. Durability stays at PostgreSQL's
 * defaults (fsync, synchronous_commit on: each commit waits for its WAL flush), as Deno KV
 * fsyncs each commit.
 */
import { join } from "node:path";
import { freePort } from "../process.ts";

const ROOT_DIR = "/usr/lib/postgresql";
const TOOLS = ["initdb", "pg_ctl", "postgres", "psql"];

export interface Postgres {
  /** e.g. postgres://postgres@127.0.0.1:5433/bench */
  url: string;
  /** The server's own `postgres --version` line. */
  version: string;
  /** Runs a psql script on the bench database; returns stdout (unaligned, tuples only). */
  sql(script: string): Promise<string>;
  /** The postmaster and its children (backends, WAL writer, checkpointer…). */
  pids(): Promise<number[]>;
  stop(): Promise<void>;
}

/** The newest installed PostgreSQL's bin folder, or null when there is none. */
async function findPostgres(): Promise<string | null> {
  let versions: string[];
  try {
    versions = [...Deno.readDirSync(ROOT_DIR)].map((e) => e.name).filter((n) => /^\d+$/.test(n));
  } catch {
    return null;
  }
  for (const version of versions.sort((a, b) => Number(b) - Number(a))) {
    const bin = join(ROOT_DIR, version, "bin");
    const present = await Promise.all(TOOLS.map((t) => exists(join(bin, t))));
    if (present.every(Boolean)) return bin;
  }
  return null;
}

/**
 * The newest installed PostgreSQL's bin folder, installing Debian's `postgresql` package first
 * when none is there; returns why there is none when it cannot.
 */
export async function ensurePostgres(): Promise<{ bin: string } | { missing: string }> {
  const found = await findPostgres();
  if (found) return { bin: found };
  if (Deno.uid() !== 0 || !(await exists("/usr/bin/apt-get"))) {
    return { missing: "PostgreSQL not installed (apt-get install postgresql)" };
  }
  const apt = (args: string[]) =>
    run(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "-q", "-y", ...args]).then(
      () => true,
      () => false,
    );
  // A fresh image has no package lists yet; the update is needed once.
  const installed = await apt(["install", "--no-install-recommends", "postgresql"]) ||
    (await apt(["update"]) && await apt(["install", "--no-install-recommends", "postgresql"]));
  const bin = installed ? await findPostgres() : null;
  return bin ? { bin } : { missing: "PostgreSQL not installed and apt-get install failed" };
}

/** initdb + start on a free loopback port, with a database named `bench`. */
export async function startPostgres(bin: string): Promise<Postgres> {
  const owner = Deno.uid() === 0 ? await postgresUser() : null;
  const as = (tool: string, args: string[]) =>
    owner
      ? ["runuser", "-u", "postgres", "--", join(bin, tool), ...args]
      : [join(bin, tool), ...args];
  const dir = await Deno.makeTempDir({ prefix: "settle_bench_pg_" });
  if (owner) await Deno.chown(dir, owner.uid, owner.gid);
  const data = join(dir, "data");
  const port = freePort();
  let started = false;
  try {
    // --no-sync only speeds up initdb itself; the server keeps fsync on.
    await run(
      as("initdb", [
        "-D",
        data,
        "-U",
        "postgres",
        "-A",
        "trust",
        "-E",
        "UTF8",
        "--locale=C",
        "--no-sync",
      ]),
    );
    await run(as("pg_ctl", [
      "-D",
      data,
      "-l",
      join(dir, "server.log"),
      "-w",
      "-t",
      "60",
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
      "start",
    ]));
    started = true;
    const psql = (db: string, script: string) =>
      run([
        join(bin, "psql"),
        "-X",
        "-q",
        "-At",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        "127.0.0.1",
        "-p",
        String(port),
        "-U",
        "postgres",
        "-d",
        db,
        "-f",
        "-",
      ], script);
    await psql("postgres", "CREATE DATABASE bench;");
    const version = (await run([join(bin, "postgres"), "--version"])).trim();
    return {
      url: `postgres://postgres@127.0.0.1:${port}/bench`,
      version,
      sql: (script) => psql("bench", script),
      pids: async () => {
        const postmaster = Number(
          (await Deno.readTextFile(join(data, "postmaster.pid"))).split("\n")[0],
        );
        return [postmaster, ...await childrenOf(postmaster)];
      },
      async stop() {
        try {
          await run(as("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]));
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      },
    };
  } catch (err) {
    if (started) {
      await run(as("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"])).catch(() => {});
    }
    await Deno.remove(dir, { recursive: true });
    throw err;
  }
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  try {
    const uid = Number((await run(["id", "-u", "postgres"])).trim());
    const gid = Number((await run(["id", "-g", "postgres"])).trim());
    return { uid, gid };
  } catch {
    throw new Error("running as root needs the `postgres` user to start PostgreSQL");
  }
}

/** Runs a command to completion; returns stdout, throws with stderr on failure. */
async function run(argv: string[], stdin?: string): Promise<string> {
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const out = await child.output();
  const text = new TextDecoder();
  if (!out.success) {
    throw new Error(
      `${argv.join(" ").slice(0, 200)} failed (${out.code}):\n${text.decode(out.stderr)}`,
    );
  }
  return text.decode(out.stdout);
}

/** Pids whose parent is `pid`, from /proc. */
async function childrenOf(pid: number): Promise<number[]> {
  const children: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`);
      // Fields after the parenthesised command name: state, then the parent's pid.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) children.push(Number(entry.name));
    } catch {
      // Exited meanwhile.
    }
  }
  return children;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
