/**
 * The webhook peer of `deno task bench`: the pattern most shops run (Node, Express, the raw
 * body, stripe-node's synchronous `constructEvent`, PostgreSQL), doing per paid event the same
 * work Settle commits (tests/bench/webhook/plan.ts) in ONE transaction:
 *   - the order row, locked (`SELECT … FOR UPDATE`) and read;
 *   - the processed event (`ON CONFLICT DO NOTHING`: no row inserted means a repeat, answered
 *     "already_processed" and rolled back);
 *   - in one statement: the order updated (status, payment status, payment intent, customer,
 *     history sequence; status, payment status and customer are indexed, so the row moves in
 *     those indexes as Settle moves its `orders_by_status`, `orders_by_payment_status` and
 *     `orders_by_customer` keys), the history row, the payment-intent index row, the follow-up
 *     task rows Settle queues (`--follow-ups`, each with its due and by-order index entries)
 *     and a NOTIFY that wakes a worker at commit, as Settle's `tasks_wake` key does.
 * Schema: schema.sql beside this file. Run (tests/bench/webhook/peer.ts) after `npm ci` in a
 * temp folder:
 *
 *   node server.mjs --secret whsec_… --database postgres://postgres@127.0.0.1:PORT/bench \
 *     --follow-ups commit_stock
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
    // Kinds of the tasks Settle queues per paid event, comma-separated (repeats allowed).
    "follow-ups": { type: "string", default: "commit_stock" },
  },
});
if (!values.secret || !values.database) {
  throw new Error("--secret and --database are required");
}
const secret = values.secret;
const stripe = new Stripe("sk_test_bench_unused");
const pool = new pg.Pool({
  connectionString: values.database,
  max: Number(values.pool),
});

const followUps = values["follow-ups"].split(",").filter(Boolean);
const MAX_ATTEMPTS = 8;

// Named statements: each connection parses and plans them once, as a tuned peer would.
const sql = (name, text) => (...values) => ({ name, text, values });
const lockOrder = sql(
  "lock_order",
  `SELECT status, amount, currency, history_seq, needs_attention FROM orders
   WHERE id = $1 FOR UPDATE`,
);
const claimEvent = sql(
  "claim_event",
  `INSERT INTO processed_events (provider, event_id, type, order_id, outcome)
   VALUES ('stripe', $1, $2, $3, $4) ON CONFLICT DO NOTHING`,
);
// The writes after the lock go in one statement (data-modifying CTEs, all in the same
// transaction): a round trip per row would bill the peer for chatter, not for the work.
const applyPayment = sql(
  "apply_payment",
  `WITH paid AS (
     UPDATE orders SET status = 'paid', payment_status = 'paid', payment_provider = 'stripe',
       payment_intent = $2, amount_received = $3, needs_attention = $4, history_seq = $5,
       customer_email = coalesce($11, customer_email), paid_at = now(), updated_at = now()
     WHERE id = $1
   ), history AS (
     INSERT INTO order_history (order_id, seq, fact, source, outcome, from_status, to_status)
     VALUES ($1, $5, $6, $7, $8, 'pending', 'paid')
   ), intent AS (
     INSERT INTO order_payment_intents (provider, payment_intent, order_id)
     VALUES ('stripe', $2, $1) ON CONFLICT DO NOTHING
   ), queued AS (
     INSERT INTO tasks (id, kind, order_id, max_attempts, due_at)
     SELECT gen_random_uuid(), kind, $1, $9, now() FROM unnest($10::text[]) AS kind
   ) SELECT pg_notify('tasks_wake', $1) WHERE cardinality($10::text[]) > 0`,
);
const noteIgnored = sql(
  "note_ignored",
  `WITH noted AS (UPDATE orders SET history_seq = $2, updated_at = now() WHERE id = $1)
   INSERT INTO order_history (order_id, seq, fact, source, outcome, from_status, to_status)
   VALUES ($1, $2, $3, $4, $5, $6, $6)`,
);

/** One transaction; returns the reply's outcome. */
async function recordPaid(client, event) {
  const session = event.data.object;
  const orderId = session.metadata?.order_id ?? null;
  const order = orderId ? (await client.query(lockOrder(orderId))).rows[0] : undefined;
  const paid = order?.status === "pending" && session.payment_status === "paid";
  const outcome = !order
    ? { kind: "ignored", reason: "unknown_order" }
    : paid
    ? { kind: "applied" }
    : {
      kind: "ignored",
      reason: session.payment_status === "paid" ? "not_pending" : "unpaid",
    };
  const claimed = await client.query(
    claimEvent(event.id, event.type, orderId, outcome),
  );
  if (claimed.rowCount === 0) return "already_processed";
  if (!order) return outcome.kind;
  const seq = order.history_seq + 1;
  const fact = {
    kind: session.payment_status === "paid" ? "payment_succeeded" : "payment_pending",
    sessionId: session.id,
    paymentIntentId: session.payment_intent,
    amount: session.amount_total,
    currency: session.currency,
    customerEmail: session.customer_details?.email ?? null,
  };
  const source = { kind: "provider", eventId: event.id, eventType: event.type };
  if (!paid) {
    await client.query(
      noteIgnored(orderId, seq, fact, source, outcome, order.status),
    );
    return outcome.kind;
  }
  // Money wins: a payment that does not match the order is applied and flagged.
  const mismatch = session.amount_total !== order.amount ||
    session.currency !== order.currency;
  const attention = mismatch
    ? [...order.needs_attention, "amount_mismatch"]
    : order.needs_attention;
  await client.query(applyPayment(
    orderId,
    session.payment_intent,
    session.amount_total,
    attention,
    seq,
    fact,
    source,
    outcome,
    MAX_ATTEMPTS,
    followUps,
    fact.customerEmail,
  ));
  return outcome.kind;
}

/** Any other event type: its id is recorded once, nothing else changes. */
async function recordOther(client, event) {
  const outcome = { kind: "ignored", reason: "unhandled_type" };
  const claimed = await client.query(
    claimEvent(event.id, event.type, null, outcome),
  );
  return claimed.rowCount === 0 ? "already_processed" : outcome.kind;
}

const app = express();
app.post(
  "/api/payments/webhook",
  express.raw({ type: "application/json" }),
  async (req, res) => {
    let event;
    try {
      event = stripe.webhooks.constructEvent(
        req.body,
        req.headers["stripe-signature"],
        secret,
      );
    } catch (err) {
      res.status(400).send(`Webhook Error: ${err.message}`);
      return;
    }
    const record = event.type === "checkout.session.completed" ? recordPaid : recordOther;
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      const outcome = await record(client, event);
      await client.query(
        outcome === "already_processed" ? "ROLLBACK" : "COMMIT",
      );
      res.json({ received: true, eventId: event.id, outcome });
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      console.error(err);
      res.status(500).json({ error: "internal" });
    } finally {
      client.release();
    }
  },
);

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
