/** One line on the latest reconciliation run: when, how much it checked, what it repaired. */
import type { ReconcileSummary } from "../../lib/reconcile/run.ts";
import { PANEL } from "./styles.ts";
import { AdminTime } from "./time.tsx";

export function ReconcilePanel({ summary }: { summary: ReconcileSummary | null }) {
  return (
    <section
      aria-label="Latest reconciliation"
      class={`${PANEL} flex flex-wrap items-center gap-x-5 gap-y-1 px-4 py-2 text-xs text-slate-600`}
      data-reconcile
    >
      <h2 class="font-semibold text-slate-900">Reconciliation</h2>
      {summary
        ? (
          <>
            <span>
              Last run <AdminTime at={summary.finishedAt} /> (orders older than{" "}
              {summary.olderThanMinutes} min)
            </span>
            <dl class="flex flex-wrap gap-x-4 tabular-nums">
              {([
                ["checked", summary.checked],
                ["paid", summary.paid],
                ["expired", summary.expired],
                ["lapsed", summary.lapsed],
                ["unverified payments", summary.unverified ?? 0],
                ["errors", summary.errors],
              ] as const).map(([label, n]) => (
                <div key={label} class="flex gap-1">
                  <dt>{label}</dt>
                  <dd
                    class={label === "errors" && n > 0
                      ? "font-semibold text-red-700"
                      : "font-semibold text-slate-900"}
                  >
                    {n}
                  </dd>
                </div>
              ))}
            </dl>
            {summary.truncated && (
              <span class="text-amber-700">Stopped early; the next run continues.</span>
            )}
            {summary.failures.length > 0 && (
              <span class="text-red-700" title={summary.failures[0].error}>
                First error: {summary.failures[0].error}
              </span>
            )}
          </>
        )
        : (
          <span>
            No run yet. It runs every few minutes, or now with{" "}
            <code class="rounded bg-slate-100 px-1">deno task reconcile</code>.
          </span>
        )}
    </section>
  );
}
