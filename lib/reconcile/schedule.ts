/**
 * Reconciliation on a schedule with Deno.cron (needs `--unstable-cron`, set in deno.json).
 * On Deno Deploy the platform fires it once per schedule for the whole deployment and only
 * finds crons registered while the entry module starts, before it serves: the runtime
 * registers it first thing and hands over the dependencies once they exist. Locally every
 * process fires its own copy; the reconcile lease lets one of them run.
 */
import { log } from "../log.ts";
import { reconcile, type ReconcileDeps } from "./run.ts";

export const RECONCILE_CRON_NAME = "settle-reconcile";

export interface ScheduleOptions {
  /** 5-field cron expression (UTC). */
  cron: string;
  olderThanMinutes: number;
  /** The dependencies, or null while the process is still starting. */
  deps: () => ReconcileDeps | null;
}

/** Registers the cron; returns its stop function, or null when Deno.cron is unavailable. */
export function scheduleReconcile(options: ScheduleOptions): (() => void) | null {
  if (typeof Deno.cron !== "function") return null;
  const stop = new AbortController();
  Deno.cron(RECONCILE_CRON_NAME, options.cron, { signal: stop.signal }, async () => {
    const deps = options.deps();
    if (!deps) return;
    try {
      const result = await reconcile(deps, { olderThanMinutes: options.olderThanMinutes });
      if (!result.ran) {
        log("info", "reconcile skipped: another run holds the lease", {
          heldBy: result.heldBy,
          until: result.until,
        });
      }
    } catch (err) {
      // Logged and left for the next tick: Deno.cron's own retries would only pile up.
      log("error", "reconcile failed", { error: err });
    }
  });
  return () => stop.abort();
}
