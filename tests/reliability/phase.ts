/**
 * Runs one phase and turns what it did into a report row: the emulator's delivery log for
 * the phase, 5xx counted at the forwarder (webhooks) and the client (everything else), and
 * the phase's own verdict.
 */
import { emptyVerdict, type Verdict } from "./oracle.ts";
import type { PhaseRow } from "./report.ts";
import type { Suite } from "./suite.ts";

export interface PhaseOutcome {
  verdict: Verdict;
  /** Requests sent, for phases that are about requests rather than orders. */
  requests?: number;
  kvChanges?: number;
  notes?: string[];
}

export async function runPhase(
  suite: Suite,
  phase: string,
  body: () => Promise<PhaseOutcome>,
): Promise<PhaseRow> {
  const started = performance.now();
  const deliveriesBefore = suite.emulator.deliveries().length;
  const hooksBefore = suite.forwarder.stats();
  const clientBefore = { ...suite.client.stats, samples: [...suite.client.stats.samples] };
  suite.log(`${phase}: started`);
  let outcome: PhaseOutcome;
  try {
    outcome = await body();
  } catch (err) {
    const verdict = emptyVerdict();
    verdict.problems.push(`phase failed: ${err instanceof Error ? err.stack : err}`);
    outcome = { verdict };
  }
  const deliveries = suite.emulator.deliveries().slice(deliveriesBefore);
  const hooks = suite.forwarder.stats();
  const client = suite.client.stats;
  const hook5xx = hooks.settle5xx - hooksBefore.settle5xx;
  const client5xx = client.server5xx - clientBefore.server5xx;
  const { verdict } = outcome;
  const notes = [...(outcome.notes ?? [])];
  if (verdict.resentReceipts) {
    const n = verdict.resentReceipts;
    notes.push(`${n} receipt${n === 1 ? "" : "s"} re-sent under the same idempotency key`);
  }
  const unreachable = hooks.unreachable - hooksBefore.unreachable;
  if (unreachable) notes.push(`${unreachable} deliveries found their process down (502, retried)`);
  const gaveUp = deliveries.filter((d) => d.outcome === "failed" && !d.willRetry).length;
  const problems = [...verdict.problems];
  if (gaveUp) problems.push(`the emulator gave up on ${gaveUp} deliveries`);
  problems.push(
    ...hooks.samples.slice(hooksBefore.samples.length).map((s) => `webhook answered ${s}`),
    ...client.samples.slice(clientBefore.samples.length),
  );
  const row: PhaseRow = {
    phase,
    orders: outcome.requests ?? verdict.orders,
    deliveries: deliveries.filter((d) => d.outcome !== "dropped").length,
    duplicates: deliveries.filter((d) => d.duplicate && d.attempt === 1).length,
    retries: deliveries.filter((d) => d.attempt > 1).length,
    lost: verdict.lost,
    doubleApplied: verdict.doubleApplied,
    nonOwner: verdict.nonOwner,
    server5xx: hook5xx + client5xx,
    wrongStates: verdict.wrongStates,
    kvChanges: outcome.kvChanges ?? 0,
    seconds: (performance.now() - started) / 1000,
    problems,
    notes,
  };
  suite.log(`${phase}: done in ${row.seconds.toFixed(1)} s`);
  return row;
}
