/**
 * The fuzzer: thousands of malformed requests (seeded, so a failure repeats) across every
 * public route of both processes. Not one may answer 5xx, and the KV file must be exactly
 * as it was: every entry's versionstamp is compared before and after (rate limits are off,
 * so nothing may change at all, but for the status page's throttle stamps).
 */
import {
  body,
  headers,
  type KnownIds,
  method,
  paramValue,
  publicRoutes,
  query,
} from "./fuzz_inputs.ts";
import { emptyVerdict } from "./oracle.ts";
import { runPhase } from "./phase.ts";
import type { PhaseRow } from "./report.ts";
import { settle, type Suite } from "./suite.ts";

export interface FuzzOptions {
  requests: number;
  concurrency: number;
  settleMs: number;
}

/**
 * When the provider was last asked about an unpaid order: a status read with a real session
 * id stamps it (that is the throttle working, not a refused request changing state).
 */
const THROTTLE_STAMPS = "provider_checks";

/** Every key with its versionstamp (a write always changes the versionstamp). */
export async function snapshot(kv: Deno.Kv): Promise<Map<string, string>> {
  const rows = new Map<string, string>();
  for await (const e of kv.list({ prefix: [] })) {
    if (e.key[0] === THROTTLE_STAMPS) continue;
    rows.set(JSON.stringify(e.key, (_, v) => typeof v === "bigint" ? `${v}n` : v), e.versionstamp);
  }
  return rows;
}

export function changes(before: Map<string, string>, after: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [key, stamp] of after) {
    if (!before.has(key)) out.push(`added ${key}`);
    else if (before.get(key) !== stamp) out.push(`changed ${key}`);
  }
  for (const key of before.keys()) if (!after.has(key)) out.push(`removed ${key}`);
  return out;
}

export function fuzzPhase(suite: Suite, options: FuzzOptions): Promise<PhaseRow> {
  return runPhase(suite, "fuzz", async () => {
    const verdict = emptyVerdict();
    const known: KnownIds = {
      orderIds: suite.placed.map((o) => o.orderId),
      sessionIds: suite.placed.flatMap((o) => o.sessionIds),
      productIds: suite.catalog.map((p) => p.id),
      slugs: ["storm-beans", "crash-mug", "race-filter", "fuzz-grinder"],
    };
    const routes = publicRoutes();
    await settle(suite, options.settleMs);
    const eventsBefore = suite.emulator.events().length;
    const before = await snapshot(suite.kv);
    const statuses = new Map<number, number>();
    const prng = suite.prng.fork();
    let next = 0;
    let sent = 0;
    let unsendable = 0;
    await Promise.all(Array.from({ length: options.concurrency }, async () => {
      while (next < options.requests) {
        next++;
        const route = prng.pick(routes);
        const path = route.pattern.replace(
          /:(\w+)(\{[^}]*\})?/g,
          (_, name) => paramValue(prng, name, known),
        );
        const verb = method(prng, route);
        const bodiless = ["GET", "HEAD"].includes(verb.toUpperCase());
        const payload = bodiless ? {} : body(prng, path, known);
        const init: RequestInit = {
          method: verb,
          headers: {
            ...(payload.contentType ? { "content-type": payload.contentType } : {}),
            ...await headers(prng, path, payload.body ?? "", known),
          },
          body: payload.body,
        };
        const target = `${path}${query(prng, known)}`;
        try {
          new Request(`http://127.0.0.1${target}`, init);
        } catch {
          // fetch itself refuses it (a method or header it cannot send): never reaches Settle.
          unsendable++;
          continue;
        }
        const reply = await suite.client.send(target, init, { tries: 2 });
        sent++;
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      }
    }));
    await settle(suite, options.settleMs);
    const changed = changes(before, await snapshot(suite.kv));
    verdict.problems.push(...changed.slice(0, 10).map((c) => `KV ${c}`));
    const newEvents = suite.emulator.events().length - eventsBefore;
    if (newEvents) verdict.problems.push(`the fuzz made the provider emit ${newEvents} events`);
    const spread = [...statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(" ");
    return {
      verdict,
      requests: sent,
      kvChanges: changed.length,
      notes: [
        `${sent} requests over ${routes.length} routes (${
          routes.map((r) => r.pattern).join(" ")
        }); ` +
        `${unsendable} refused by fetch itself; answers ${spread}; KV ${before.size} entries compared`,
      ],
    };
  });
}
