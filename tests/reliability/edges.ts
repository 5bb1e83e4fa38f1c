/**
 * The edges: money events that come before the payment they refer to, a provider failing
 * while sessions are opened, and strangers whose Idempotency-Keys collide — all through the
 * real processes over HTTP and the emulator. Then every order the phase placed is checked by
 * the oracle like any other (refunds, disputes and lapsed checkouts included).
 */
import type { Fault } from "@/lib/payments/emulator/server.ts";
import { faultCheckouts, type FaultResult, lapsedCheckouts } from "./create_faults.ts";
import { placeEarly } from "./early_events.ts";
import { keyCollisions } from "./key_collisions.ts";
import { emptyVerdict, merge, verify } from "./oracle.ts";
import { runPhase } from "./phase.ts";
import type { PhaseRow } from "./report.ts";
import { settle, type Suite } from "./suite.ts";

export interface EdgeOptions {
  /** Orders refunded and disputed before their payment reaches Settle. */
  earlyEvents: number;
  /** Checkouts whose first create fails (500, timeout, lost response in turn). */
  createFaults: number;
  /** Checkouts whose every create fails, closed by their lapse. */
  lapsed: number;
  /** Pairs of cookieless strangers sharing an Idempotency-Key. */
  keyCollisions: number;
  concurrency: number;
  settleMs: number;
}

const FAULTS: Fault[] = ["error_500", "timeout", "drop_response"];

export function edgesPhase(suite: Suite, o: EdgeOptions): Promise<PhaseRow> {
  return runPhase(suite, "edges", async () => {
    const v = emptyVerdict();
    const notes: string[] = [];
    const kinds = Array.from({ length: o.createFaults }, (_, i) => FAULTS[i % FAULTS.length]);
    const early = await placeEarly(suite, o.earlyEvents, o.concurrency, v);
    // A timeout costs the SDK's 20 s: those checkouts wait it out while the early events
    // play, which open no session (so no other create takes their faults).
    const timeouts = faultCheckouts(suite, kinds.filter((k) => k === "timeout"), "timeout", v);
    let timedOut: FaultResult;
    try {
      await early.play();
      suite.log("edges: early refunds and disputes delivered");
    } finally {
      timedOut = await timeouts;
    }
    suite.log("edges: timeouts done");
    const faulted = await faultCheckouts(suite, kinds.filter((k) => k !== "timeout"), "fault", v);
    suite.log("edges: failing creates done");
    const stranded = [...timedOut.stranded ?? [], ...faulted.stranded ?? []];
    const lapsed = await lapsedCheckouts(suite, o.lapsed, o.settleMs, v, stranded);
    suite.log("edges: lapsed checkouts done");
    const collided = await keyCollisions(suite, o.keyCollisions, o.concurrency, o.settleMs, v);
    suite.log("edges: colliding keys done");
    const left = await settle(suite, o.settleMs);
    if (left) v.problems.push(`${left} tasks still queued after ${o.settleMs} ms`);
    notes.push(await early.report(), timedOut.note, faulted.note, lapsed.note, collided.note);
    const orders = [early, timedOut, faulted, lapsed, collided].flatMap((p) => p.orders);
    const verdict = merge(await verify(suite, orders, { allowResend: false }), v);
    return { verdict, kvChanges: collided.kvChanges, notes };
  });
}
