/**
 * The webhook peer of `deno task bench`: the pattern most shops run. Node, Express, the raw
 * body, stripe-node's synchronous `constructEvent`, and PostgreSQL: in ONE transaction the
 * event id goes into processed_events (its primary key makes a repeat a no-op) and the order
 * becomes paid. Run by tests/bench/webhook/peer.ts after `npm ci` in a temp folder:
 *
 *   node server.mjs --secret whsec_… --database postgres://postgres@127.0.0.1:PORT/bench
 *
 * prints `listening <port>`.
 */
import { parseArgs } from "node:util";
import express from "express";
import pg from "pg";
import Stripe from "stripe";

const { values } = parseArgs({
  options: {
    secret: { type: "string" },
    database: { type: "string" },
    // node-postgres' default pool size.
    pool: { type: "string", default: "10" },
    port: { type: "string", default: "0" },
  },
});
if (!values.secret || !values.database) throw new Error("--secret and --database are required");
const secret = values.secret;
const stripe = new Stripe("sk_test_bench_unused");
const pool = new pg.Pool({ connectionString: values.database, max: Number(values.pool) });

const app = express();
app.post("/api/payments/webhook", express.raw({ type: "application/json" }), async (req, res) => {
  let event;
  try {
    event = stripe.webhooks.constructEvent(req.body, req.headers["stripe-signature"], secret);
  } catch (err) {
    res.status(400).send(`Webhook Error: ${err.message}`);
    return;
  }
  if (event.type !== "checkout.session.completed") {
    res.json({ received: true, outcome: "ignored" });
    return;
  }
  const session = event.data.object;
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const claimed = await client.query(
      "INSERT INTO processed_events (event_id, type) VALUES ($1, $2) ON CONFLICT DO NOTHING",
      [event.id, event.type],
    );
    if (claimed.rowCount === 0) {
      await client.query("ROLLBACK");
      res.json({ received: true, outcome: "already_processed" });
      return;
    }
    const paid = session.payment_status === "paid"
      ? await client.query(
        `UPDATE orders SET status = 'paid', payment_intent = $2, paid_at = now()
         WHERE id = $1 AND status = 'pending' AND amount = $3 AND currency = $4`,
        [session.metadata.order_id, session.payment_intent, session.amount_total, session.currency],
      )
      : { rowCount: 0 };
    await client.query("COMMIT");
    res.json({ received: true, outcome: paid.rowCount === 1 ? "applied" : "ignored" });
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    console.error(err);
    res.status(500).json({ error: "internal" });
  } finally {
    client.release();
  }
});

const server = app.listen(Number(values.port), "127.0.0.1", () => {
  console.log(`listening ${server.address().port}`);
});

process.on("SIGTERM", () => {
  server.close(async () => {
    await pool.end();
    process.exit(0);
  });
  // Keep-alive connections of the load generator are already closed by then.
  setTimeout(() => process.exit(0), 5000).unref();
});
