/**
 * Baseline "bare": the plain-SDK webhook endpoint. It verifies the signature with the
 * SDK's `constructEventAsync` on Web Crypto and answers 200; nothing is stored.
 * `deno run -A tests/bench/servers/bare.ts --secret whsec_…` prints `listening <port>`.
 */
import { parseArgs } from "node:util";
import Stripe from "stripe";

const { values } = parseArgs({
  args: Deno.args,
  options: { secret: { type: "string" }, port: { type: "string", default: "0" } },
});
const secret = values.secret;
if (!secret) throw new Error("--secret is required");
const stripe = new Stripe("sk_test_bench_unused");
const cryptoProvider = Stripe.createSubtleCryptoProvider();

const server = Deno.serve({
  hostname: "127.0.0.1",
  port: Number(values.port),
  onListen: ({ port }) => console.log(`listening ${port}`),
}, async (req) => {
  const body = await req.text();
  try {
    const event = await stripe.webhooks.constructEventAsync(
      body,
      req.headers.get("stripe-signature") ?? "",
      secret,
      undefined,
      cryptoProvider,
    );
    return Response.json({ received: true, eventId: event.id });
  } catch {
    return new Response("bad signature", { status: 400 });
  }
});

Deno.addSignalListener("SIGTERM", async () => {
  await server.shutdown();
  Deno.exit(0);
});
