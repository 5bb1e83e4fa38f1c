/**
 * Baseline "floor": the least Settle's schema needs per event (its own mutations in one
 * commit); another design could need less, so it is the floor for this schema, not for every
 * design. It verifies the signature with the verifier Settle uses, then makes ONE atomic
 * commit of exactly the keys and values Settle's ingest would write for that event (captured
 * beforehand by ../webhook/plan.ts), on its own file-backed KV. No reads: checks on a read
 * versionstamp are dropped, the "not seen before" checks (versionstamp null) are kept.
 *
 * `deno run -A tests/bench/servers/floor.ts --secret whsec_… --kv FILE --plan PLAN.json`
 * prints `listening <port>`.
 */
import { parseArgs } from "node:util";
import { createWebhookVerifier } from "@/lib/payments/webhook_signature.ts";
import type { Mutation } from "../webhook/plan.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    secret: { type: "string" },
    kv: { type: "string" },
    plan: { type: "string" },
    port: { type: "string", default: "0" },
  },
});
if (!values.secret || !values.kv || !values.plan) {
  throw new Error("--secret, --kv and --plan are required");
}
const plan = new Map(
  Object.entries(JSON.parse(await Deno.readTextFile(values.plan)) as Record<string, Mutation[]>),
);
const kv = await Deno.openKv(values.kv);
const verifier = createWebhookVerifier({ secret: values.secret });

async function handle(req: Request): Promise<Response> {
  let event;
  try {
    event = await verifier.verify(await req.text(), req.headers.get("stripe-signature"));
  } catch {
    return new Response("bad signature", { status: 400 });
  }
  const mutations = plan.get(event.id);
  if (!mutations) return new Response("no plan for this event", { status: 500 });
  const op = kv.atomic();
  for (const m of mutations) {
    if (m.op === "check") {
      if (m.versionstamp === null) op.check({ key: m.key, versionstamp: null });
    } else if (m.op === "set") {
      op.set(m.key, m.value, m.expireIn ? { expireIn: m.expireIn } : undefined);
    } else {
      op.delete(m.key);
    }
  }
  const res = await op.commit();
  if (!res.ok) return new Response("already processed", { status: 409 });
  return Response.json({ received: true, eventId: event.id, outcome: "applied" });
}

const server = Deno.serve({
  hostname: "127.0.0.1",
  port: Number(values.port),
  onListen: ({ port }) => console.log(`listening ${port}`),
}, handle);

Deno.addSignalListener("SIGTERM", async () => {
  await server.shutdown();
  kv.close();
  Deno.exit(0);
});
