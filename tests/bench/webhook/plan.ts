/**
 * What Settle's ingest writes for one event, captured by running the real ingest
 * (lib/webhooks/ingest.ts) against a KV whose reads go to the real store and whose atomic
 * operations are recorded instead of committed. The floor server replays these mutations.
 */
import { parseConfig } from "@/lib/config.ts";
import { createStripeProvider } from "@/lib/payments/stripe.ts";
import type { AppDeps } from "@/lib/state.ts";
import { ingestWebhook } from "@/lib/webhooks/ingest.ts";
import type { PreparedRequest } from "../load.ts";

export type Mutation =
  | { op: "check"; key: Deno.KvKey; versionstamp: string | null }
  | { op: "set"; key: Deno.KvKey; value: unknown; expireIn?: number }
  | { op: "delete"; key: Deno.KvKey };

/** Event id → the mutations of its one commit. */
export type Plan = Record<string, Mutation[]>;

/** An atomic operation that only remembers what was asked of it. */
function recorder(into: Mutation[]): Deno.AtomicOperation {
  const op = {
    check(...checks: Deno.AtomicCheck[]) {
      for (const c of checks) into.push({ op: "check", key: c.key, versionstamp: c.versionstamp });
      return op;
    },
    set(key: Deno.KvKey, value: unknown, options?: { expireIn?: number }) {
      into.push({
        op: "set",
        key,
        value,
        ...(options?.expireIn ? { expireIn: options.expireIn } : {}),
      });
      return op;
    },
    delete(key: Deno.KvKey) {
      into.push({ op: "delete", key });
      return op;
    },
    commit: () => Promise.resolve({ ok: true, versionstamp: "00000000000000000000" }),
  };
  return op as unknown as Deno.AtomicOperation;
}

/**
 * Runs ingest for each request against `kv` (left unchanged) and returns each event's
 * mutations. Throws when an event would not make exactly one commit.
 */
export async function capturePlan(
  kv: Deno.Kv,
  webhookSecret: string,
  requests: PreparedRequest[],
): Promise<Plan> {
  const config = parseConfig({ SETTLE_ENV: "test", STRIPE_WEBHOOK_SECRET: webhookSecret });
  const provider = createStripeProvider({ secretKey: "sk_test_bench", webhookSecret });
  const plan: Plan = {};
  for (const request of requests) {
    const commits: Mutation[][] = [];
    const recording = {
      get: kv.get.bind(kv),
      getMany: kv.getMany.bind(kv),
      atomic: () => {
        const mutations: Mutation[] = [];
        commits.push(mutations);
        return recorder(mutations);
      },
    } as unknown as Deno.Kv;
    const deps: AppDeps = {
      config,
      kv: recording,
      provider,
      secret: "bench-secret-bench-secret-bench-secret",
      now: () => new Date(),
    };
    const result = await ingestWebhook(deps, request.body, new Headers(request.headers));
    if (commits.length !== 1 || result.outcome.kind !== "applied") {
      throw new Error(
        `event ${result.eventId}: ${commits.length} commits, outcome ${result.outcome.kind}`,
      );
    }
    plan[result.eventId] = commits[0];
  }
  return plan;
}

/** Bytes the commit writes: keys and values as JSON, a stand-in for KV's own encoding. */
export function planBytes(mutations: Mutation[]): { keys: number; values: number } {
  let keys = 0;
  let values = 0;
  for (const m of mutations) {
    if (m.op === "check") continue;
    keys += JSON.stringify(m.key).length;
    if (m.op === "set") values += JSON.stringify(m.value).length;
  }
  return { keys, values };
}
