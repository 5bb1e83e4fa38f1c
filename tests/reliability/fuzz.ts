/**
 * The fuzzer: thousands of malformed requests (seeded, so a failure repeats) across every
 * public route of both processes, and among them the no-JS form posts and oversized signed
 * webhook events of fuzz_posts.ts. Not one may answer 5xx, and the KV file must be exactly
 * as it was but for what the fuzz can name up front: every entry's versionstamp is compared
 * before and after, and a change counts as expected only for a cart the fuzzer owns, an
 * event it signed (kept, with its references' waiting lists) or a rate-limit counter. The
 * status page's throttle stamps are left out.
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
import {
  type Expected,
  expectedChange,
  type FormPools,
  formPost,
  newExpected,
  oversizedEvent,
} from "./fuzz_posts.ts";
import { emptyVerdict } from "./oracle.ts";
import { runPhase } from "./phase.ts";
import type { PhaseRow } from "./report.ts";
import { settle, type Suite } from "./suite.ts";

export interface FuzzOptions {
  requests: number;
  concurrency: number;
  settleMs: number;
}

/** Of the fuzz's requests: no-JS form posts, and oversized signed webhook events. */
const FORM_SHARE = 0.2;
const SIGNED_EVENT_SHARE = 0.05;

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

export interface KeyChange {
  what: "added" | "changed" | "removed";
  /** The key as snapshot() spells it (JSON). */
  key: string;
}

export function keyChanges(before: Map<string, string>, after: Map<string, string>): KeyChange[] {
  const out: KeyChange[] = [];
  for (const [key, stamp] of after) {
    if (!before.has(key)) out.push({ what: "added", key });
    else if (before.get(key) !== stamp) out.push({ what: "changed", key });
  }
  for (const key of before.keys()) if (!after.has(key)) out.push({ what: "removed", key });
  return out;
}

export function changes(before: Map<string, string>, after: Map<string, string>): string[] {
  return keyChanges(before, after).map((c) => `${c.what} ${c.key}`);
}

/** Cart ids in the `settle_cart` cookies a response sets. */
function cartsSet(headers: Headers): string[] {
  return headers.getSetCookie().filter((c) => c.startsWith("settle_cart=")).map((c) =>
    decodeURIComponent(c.slice("settle_cart=".length).split(";")[0]).split(".")[0]
  );
}

/** The carts of the orders placed so far (a shopper's real cart: never to change). */
async function shopperCarts(kv: Deno.Kv, limit = 20): Promise<string[]> {
  const carts: string[] = [];
  for await (const e of kv.list<{ cartId?: string | null }>({ prefix: ["orders"] })) {
    if (e.value?.cartId) carts.push(e.value.cartId);
    if (carts.length >= limit) break;
  }
  return carts;
}

const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
const spread = (map: Map<string | number, number>) =>
  [...map].sort((a, b) => String(a[0]).localeCompare(String(b[0]))).map(([s, n]) => `${s}×${n}`)
    .join(" ");

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
    const pools: FormPools = {
      productIds: known.productIds,
      orderIds: known.orderIds,
      shopperCarts: await shopperCarts(suite.kv),
      fuzzCarts: Array.from({ length: 8 }, () => crypto.randomUUID()),
      emptyCarts: Array.from({ length: 4 }, () => crypto.randomUUID()),
    };
    const expected: Expected = newExpected(pools);
    await settle(suite, options.settleMs);
    const eventsBefore = suite.emulator.events().length;
    const before = await snapshot(suite.kv);
    const statuses = new Map<number, number>();
    const formAnswers = new Map<string, number>();
    const eventAnswers = new Map<string, number>();
    const accepted: string[] = [];
    let forms = 0;
    let signed = 0;
    let largest = 0;
    const prng = suite.prng.fork();
    let next = 0;
    let sent = 0;
    let unsendable = 0;
    const answered = (status: number) => {
      sent++;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    };
    await Promise.all(Array.from({ length: options.concurrency }, async () => {
      while (next < options.requests) {
        next++;
        const roll = prng.next();
        if (roll < FORM_SHARE) {
          const form = await formPost(prng, pools);
          const reply = await suite.client.send(form.path, form.init, { tries: 2 });
          answered(reply.status);
          forms++;
          count(formAnswers, `${form.path} ${reply.status}`);
          if (form.mayWrite) {
            for (const id of cartsSet(reply.headers)) expected.carts.add(id);
          } else if (reply.status === 303 && accepted.length < 10) {
            // Every post that may not write is one Settle must refuse.
            accepted.push(`${form.kind}: POST ${form.path} was accepted (303)`);
          }
          continue;
        }
        if (roll < FORM_SHARE + SIGNED_EVENT_SHARE) {
          const event = await oversizedEvent(prng);
          expected.events.add(event.eventId);
          for (const ref of event.refs) expected.refs.add(ref);
          const reply = await suite.client.send("/api/payments/webhook", {
            method: "POST",
            headers: { "content-type": "application/json", "stripe-signature": event.signature },
            body: event.body,
          }, { tries: 2 });
          answered(reply.status);
          signed++;
          largest = Math.max(largest, event.size);
          count(eventAnswers, String(reply.status));
          continue;
        }
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
        answered(reply.status);
      }
    }));
    await settle(suite, options.settleMs);
    const expectedKinds = new Map<string, number>();
    const unexpected: string[] = [];
    for (const change of keyChanges(before, await snapshot(suite.kv))) {
      const kind = expectedChange(JSON.parse(change.key), expected);
      if (kind) count(expectedKinds, kind);
      else unexpected.push(`${change.what} ${change.key}`);
    }
    verdict.problems.push(...unexpected.slice(0, 10).map((c) => `KV ${c}`));
    verdict.problems.push(...accepted);
    const newEvents = suite.emulator.events().length - eventsBefore;
    if (newEvents) verdict.problems.push(`the fuzz made the provider emit ${newEvents} events`);
    const answers = spread(statuses);
    return {
      verdict,
      requests: sent,
      kvChanges: unexpected.length,
      notes: [
        `${sent} requests over ${routes.length} routes (${
          routes.map((r) => r.pattern).join(" ")
        }); ` +
        `${unsendable} refused by fetch itself; answers ${answers}; KV ${before.size} entries compared`,
        `${forms} no-JS form posts (${pools.shopperCarts.length} shoppers' carts, ` +
        `${pools.fuzzCarts.length} fuzz carts): ${spread(formAnswers)}`,
        `${signed} signed oversized events (largest ${Math.round(largest / 1024)} KB): ` +
        `answers ${spread(eventAnswers)}`,
        `expected KV changes: ${spread(expectedKinds) || "none"}; unexpected: ${unexpected.length}`,
      ],
    };
  });
}
