/**
 * Runs one phase and turns what it did into report rows: the emulators' delivery logs for
 * the phase, 5xx counted at the forwarder (webhooks) and the client (everything else), and
 * the phase's own verdict. A phase that returns a Razorpay verdict gets a second row,
 * `<phase> · razorpay`, with Razorpay's deliveries and 5xx beside Stripe's.
 */
import { isRazorpayPath } from "./client.ts";
import type { ForwarderStats, WebhookProvider } from "./forwarder.ts";
import { emptyVerdict, type Verdict } from "./oracle.ts";
import type { PhaseRow } from "./report.ts";
import type { Suite } from "./suite.ts";

export interface PhaseOutcome {
  verdict: Verdict;
  /** The phase's Razorpay orders, checked apart (the phase then reports two rows). */
  razorpay?: { verdict: Verdict; notes: string[] };
  /** Requests sent, for phases that are about requests rather than orders. */
  requests?: number;
  kvChanges?: number;
  notes?: string[];
}

/** What a delivery log entry needs to be counted (both emulators' logs have these). */
interface Attempt {
  attempt: number;
  duplicate: boolean;
  outcome: string;
  willRetry: boolean;
}

/** The phase as one row; a Razorpay verdict, if any, is folded into it. */
export async function runPhase(
  suite: Suite,
  phase: string,
  body: () => Promise<PhaseOutcome>,
): Promise<PhaseRow> {
  return (await runRows(suite, phase, body, false))[0];
}

/** The phase as a Stripe row and a Razorpay row. */
export function runSplitPhase(
  suite: Suite,
  phase: string,
  body: () => Promise<PhaseOutcome>,
): Promise<PhaseRow[]> {
  return runRows(suite, phase, body, true);
}

async function runRows(
  suite: Suite,
  phase: string,
  body: () => Promise<PhaseOutcome>,
  split: boolean,
): Promise<PhaseRow[]> {
  const started = performance.now();
  const stripeBefore = suite.emulator.deliveries().length;
  const razorpayBefore = suite.razorpay.deliveries().length;
  const hooksBefore = hookStats(suite);
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
  const seconds = (performance.now() - started) / 1000;
  const hooks = hookStats(suite);
  const client = suite.client.stats;
  const clientSamples = client.samples.slice(clientBefore.samples.length);
  const razorpay5xx = client.razorpay5xx - clientBefore.razorpay5xx;
  const stripe = row(phase, outcome.verdict, {
    deliveries: suite.emulator.deliveries().slice(stripeBefore),
    hooks: split ? ["stripe"] : ["stripe", "razorpay"],
    hooksBefore,
    hooksAfter: hooks,
    client5xx: client.server5xx - clientBefore.server5xx - (split ? razorpay5xx : 0),
    clientSamples: split ? clientSamples.filter((s) => !isRazorpaySample(s)) : clientSamples,
    seconds,
  }, outcome);
  const rows = [stripe];
  const razorpay = outcome.razorpay ?? (split ? { verdict: emptyVerdict(), notes: [] } : null);
  if (razorpay && split) {
    rows.push(row(`${phase} · razorpay`, razorpay.verdict, {
      deliveries: suite.razorpay.deliveries().slice(razorpayBefore),
      hooks: ["razorpay"],
      hooksBefore,
      hooksAfter: hooks,
      client5xx: razorpay5xx,
      clientSamples: clientSamples.filter(isRazorpaySample),
      seconds,
    }, { notes: razorpay.notes }));
  } else if (razorpay) {
    fold(stripe, razorpay.verdict, razorpay.notes);
  }
  suite.log(`${phase}: done in ${seconds.toFixed(1)} s`);
  return rows;
}

interface Measured {
  deliveries: Attempt[];
  hooks: WebhookProvider[];
  hooksBefore: Record<WebhookProvider, ForwarderStats>;
  hooksAfter: Record<WebhookProvider, ForwarderStats>;
  client5xx: number;
  clientSamples: string[];
  seconds: number;
}

function row(
  phase: string,
  verdict: Verdict,
  m: Measured,
  outcome: Pick<PhaseOutcome, "requests" | "kvChanges" | "notes">,
): PhaseRow {
  const notes = [...(outcome.notes ?? [])];
  if (verdict.resentReceipts) {
    const n = verdict.resentReceipts;
    notes.push(`${n} receipt${n === 1 ? "" : "s"} re-sent under the same idempotency key`);
  }
  let hook5xx = 0;
  const problems = [...verdict.problems];
  for (const provider of m.hooks) {
    const [before, after] = [m.hooksBefore[provider], m.hooksAfter[provider]];
    hook5xx += after.settle5xx - before.settle5xx;
    const unreachable = after.unreachable - before.unreachable;
    if (unreachable) {
      notes.push(`${unreachable} ${provider} deliveries found their process down (502, retried)`);
    }
    problems.push(
      ...after.samples.slice(before.samples.length).map((s) => `webhook answered ${s}`),
    );
  }
  const gaveUp = m.deliveries.filter((d) => d.outcome === "failed" && !d.willRetry).length;
  if (gaveUp) problems.push(`the emulator gave up on ${gaveUp} deliveries`);
  problems.push(...m.clientSamples);
  return {
    phase,
    orders: outcome.requests ?? verdict.orders,
    // Stripe's log has `dropped`, Razorpay's `no_endpoint`: neither reached a process.
    deliveries: m.deliveries.filter((d) => d.outcome === "delivered" || d.outcome === "failed")
      .length,
    duplicates: m.deliveries.filter((d) => d.duplicate && d.attempt === 1).length,
    retries: m.deliveries.filter((d) => d.attempt > 1).length,
    lost: verdict.lost,
    doubleApplied: verdict.doubleApplied,
    nonOwner: verdict.nonOwner,
    server5xx: hook5xx + m.client5xx,
    wrongStates: verdict.wrongStates,
    kvChanges: outcome.kvChanges ?? 0,
    seconds: m.seconds,
    problems,
    notes,
  };
}

function fold(target: PhaseRow, verdict: Verdict, notes: string[]): void {
  target.orders += verdict.orders;
  target.lost += verdict.lost;
  target.doubleApplied += verdict.doubleApplied;
  target.nonOwner += verdict.nonOwner;
  target.wrongStates += verdict.wrongStates;
  target.problems.push(...verdict.problems);
  target.notes.push(...notes);
}

function hookStats(suite: Suite): Record<WebhookProvider, ForwarderStats> {
  return { stripe: suite.forwarder.stats("stripe"), razorpay: suite.forwarder.stats("razorpay") };
}

/** Client samples read `METHOD /path → status body`. */
function isRazorpaySample(sample: string): boolean {
  return isRazorpayPath(sample.split(" ")[1] ?? "");
}
