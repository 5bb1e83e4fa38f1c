/**
 * `--profile`: where the full path's time goes. The same events are replayed on copies of
 * Settle's store (taken before the full run, so the orders are still pending) against
 * Settle with parts taken away (servers/settle_parts.ts), and against main.ts and the
 * worker-less app under V8's sampling profiler.
 */
import { join } from "node:path";
import { type BenchOptions, runScenario, type ScenarioRow } from "../bench.ts";
import { profileMarkdown, summarizeProfile } from "../profile.ts";
import { signedEvents } from "./events.ts";
import { DRAIN_LIMIT_MS, READY, settleEnv, WEBHOOK_PATH } from "./settle.ts";
import { copyKv, drainOutbox } from "./store.ts";

/** The diagnostic runs, each on its own copy of the store. */
const RUNS = [
  {
    scenario: "app",
    description: "createApp() as in runtime.ts, no outbox worker, no emulator",
    args: ["tests/bench/servers/settle_parts.ts", "--mode", "app"],
    profile: false,
    drain: false,
  },
  {
    scenario: "ingest",
    description: "Deno.serve → ingestWebhook(), no Hono, no middleware, no worker",
    args: ["tests/bench/servers/settle_parts.ts", "--mode", "ingest"],
    profile: false,
    drain: false,
  },
  {
    scenario: "full, profiled",
    description: "main.ts under --cpu-prof (the sampler slows it), then drained",
    args: ["main.ts"],
    profile: true,
    drain: true,
  },
  {
    scenario: "app, profiled",
    description: "createApp(), no worker, under --cpu-prof",
    args: ["tests/bench/servers/settle_parts.ts", "--mode", "app"],
    profile: true,
    drain: false,
  },
] as const;

/** Profile groups: which part of Settle (or of its dependencies) a sampled stack is in. */
const FOCUS: Record<string, RegExp> = {
  // record_fact.ts's stageFact also runs inside follow-up handlers: the groups overlap there.
  "webhook route (ingest, fact, commit)":
    /routes\/api\/payments\/webhook\.ts|lib\/webhooks\/|lib\/facts\/record_fact\.ts/,
  "signature check (verify + parse)": /lib\/payments\/webhook_signature\.ts/,
  "event → fact (zod)": /lib\/payments\/stripe_events\.ts/,
  // Middleware wraps the route: its stacks include the synchronous part of what it calls.
  "Hono + middleware": /\/hono\/|lib\/http\/|lib\/app\.ts|lib\/fresh\/server\.ts/,
  "outbox worker and follow-up handlers":
    /lib\/tasks\/|lib\/facts\/task_|lib\/notify\/|lib\/fulfilment\/|lib\/cart\//,
  "Stripe SDK client (receipt looks up the session)": /\/stripe\/\d/,
  "embedded Stripe emulator": /lib\/payments\/emulator\//,
  "Deno KV calls": /ext:deno_kv\//,
  "garbage collector": /\(garbage collector\)/,
};

export interface Diagnostics {
  rows: ScenarioRow[];
  notes: string[];
}

/** Copies the store (orders still pending) once per diagnostic run; returns the paths. */
export async function copyForDiagnostics(from: Deno.Kv, dir: string): Promise<string[]> {
  const paths: string[] = [];
  for (const [i] of RUNS.entries()) {
    const path = join(dir, `diagnostic_${i}.kv`);
    const to = await Deno.openKv(path);
    await copyKv(from, to);
    to.close();
    paths.push(path);
  }
  return paths;
}

export async function diagnose(
  options: BenchOptions,
  kvPaths: string[],
  bodies: string[],
): Promise<Diagnostics> {
  const rows: ScenarioRow[] = [];
  const notes: string[] = [];
  for (const [i, run] of RUNS.entries()) {
    const profDir = join(options.tmpDir, `profile_${i}`);
    rows.push(
      await runScenario({
        scenario: run.scenario,
        description: run.description,
        diagnostic: true,
        server: {
          args: [
            "run",
            "-A",
            ...(run.profile ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : []),
            ...run.args,
          ],
          cwd: options.root,
          env: settleEnv(kvPaths[i]),
          ready: READY,
        },
        path: WEBHOOK_PATH,
        requests: signedEvents(bodies, options.warmup),
        afterLoad: async (server) => {
          if (!run.drain) return;
          const drained = await drainOutbox(kvPaths[i], server.pid, DRAIN_LIMIT_MS);
          notes.push(
            `"${run.scenario}" drained ${drained.ranAfter} follow-up tasks in ` +
              `${(drained.ms / 1000).toFixed(1)} s after the load; its profile covers both.`,
          );
        },
      }, options),
    );
    if (!run.profile) continue;
    const file = [...Deno.readDirSync(profDir)].find((e) => e.name.endsWith(".cpuprofile"));
    if (!file) throw new Error(`no profile written for ${run.scenario}`);
    const summary = await summarizeProfile(join(profDir, file.name), 12, FOCUS);
    notes.push(
      `Profile of "${run.scenario}" (whole process life: start-up, ${options.warmup} ` +
        `warm-up and ${options.events} measured events${run.drain ? ", the drain" : ""}; ` +
        `per-request figures divide by ${options.warmup + options.events}):\n\n` +
        profileMarkdown(summary, options.warmup + options.events),
    );
  }
  return { rows, notes };
}
