/** What a rule of the state machine decides, and the shorthands the rules build it with. */
import type { AttentionReason, FollowUp, IgnoredReason, Outcome } from "./types.ts";

export interface Verdict {
  outcome: Outcome;
  followUps: FollowUp[];
}

export const applied = (followUps: FollowUp[] = []): Verdict => ({
  outcome: { kind: "applied" },
  followUps,
});
export const duplicate = (): Verdict => ({
  outcome: { kind: "duplicate" },
  followUps: [],
});
export const ignored = (reason: IgnoredReason): Verdict => ({
  outcome: { kind: "ignored", reason },
  followUps: [],
});
export const flagged = (
  reason: AttentionReason,
  followUps: FollowUp[],
): Verdict => ({
  outcome: { kind: "flagged", reason },
  followUps,
});
