/**
 * Baseline "sdk-only" of the checkout bench: per request it creates a Checkout Session on
 * the emulator through the Stripe SDK (configured as Settle's provider is) from the same
 * request body Settle gets, priced from a catalog file, and returns it. No store, no order.
 *
 *   deno run -A tests/bench/servers/checkout_sdk.ts --api http://127.0.0.1:PORT --catalog FILE
 *
 * prints `listening <port>`. The catalog file maps product id → {title, unitAmount, currency}.
 */
import { parseArgs } from "node:util";
import Stripe from "stripe";

interface CatalogEntry {
  title: string;
  unitAmount: number;
  currency: string;
}

const { values } = parseArgs({
  args: Deno.args,
  options: { api: { type: "string" }, catalog: { type: "string" } },
});
if (!values.api || !values.catalog) throw new Error("--api and --catalog are required");
const api = new URL(values.api);
const catalog: Record<string, CatalogEntry> = JSON.parse(await Deno.readTextFile(values.catalog));
const stripe = new Stripe("sk_test_bench", {
  maxNetworkRetries: 2,
  timeout: 20_000,
  telemetry: false,
  host: api.hostname,
  port: Number(api.port),
  protocol: "http",
});
const ORIGIN = "http://127.0.0.1:8000";

async function handle(req: Request): Promise<Response> {
  const { items, metadata } = await req.json() as {
    items: { productId: string; quantity: number }[];
    metadata?: Record<string, string>;
  };
  const session = await stripe.checkout.sessions.create({
    mode: "payment",
    line_items: items.map(({ productId, quantity }) => {
      const product = catalog[productId];
      return {
        quantity,
        price_data: {
          currency: product.currency,
          unit_amount: product.unitAmount,
          product_data: { name: product.title },
        },
      };
    }),
    success_url: `${ORIGIN}/checkout/success?session_id={CHECKOUT_SESSION_ID}`,
    cancel_url: `${ORIGIN}/checkout/cancel`,
    metadata,
    expires_at: Math.floor(Date.now() / 1000) + 31 * 60,
  }, { idempotencyKey: req.headers.get("idempotency-key") ?? crypto.randomUUID() });
  return Response.json({ id: session.id, url: session.url });
}

const server = Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: ({ port }) => console.log(`listening ${port}`),
}, handle);

Deno.addSignalListener("SIGTERM", async () => {
  await server.shutdown();
  Deno.exit(0);
});
