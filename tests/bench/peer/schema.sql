-- The webhook peer's tables: what Settle keeps in KV for the webhook path, as a PostgreSQL
-- shop would model it. tests/bench/webhook/peer.ts loads this into a fresh cluster.
--
-- Status columns are indexed instead of kept in index tables: changing an indexed column rules
-- out a HOT update, so PostgreSQL writes the new row version and a new entry in every index of
-- `orders` in the same WAL-logged transaction, and the old entries die with the old version
-- (vacuumed later). That is Settle's delete-old/set-new move of `orders_by_status` and
-- `orders_by_payment_status`, with no extra statement.
-- No foreign keys: Settle checks none, and the peer should do the same work, not more.

CREATE TABLE orders (
  id text PRIMARY KEY,
  number text NOT NULL UNIQUE,
  status text NOT NULL,
  payment_status text NOT NULL,
  amount integer NOT NULL,
  currency text NOT NULL,
  payment_provider text,
  payment_intent text,
  amount_received integer,
  customer_email text,
  needs_attention text[] NOT NULL DEFAULT '{}',
  history_seq integer NOT NULL,
  paid_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_by_status ON orders (status, id);
CREATE INDEX orders_by_payment_status ON orders (payment_status, id);
-- Settle's ["orders_by_customer", email, orderId], set when the payment names the customer.
CREATE INDEX orders_by_customer ON orders (customer_email, id);

-- Settle's ["order_history", orderId, seq].
CREATE TABLE order_history (
  order_id text NOT NULL,
  seq integer NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  fact jsonb,
  source jsonb NOT NULL,
  outcome jsonb NOT NULL,
  from_status text,
  to_status text,
  PRIMARY KEY (order_id, seq)
);

-- Settle's ["orders_by_payment_intent", provider, intent]: an order may see several intents.
CREATE TABLE order_payment_intents (
  provider text NOT NULL,
  payment_intent text NOT NULL,
  order_id text NOT NULL,
  PRIMARY KEY (provider, payment_intent)
);

-- Settle's ["provider_events", provider, eventId]: the primary key makes a repeat a no-op.
CREATE TABLE processed_events (
  provider text NOT NULL,
  event_id text NOT NULL,
  type text NOT NULL,
  order_id text,
  outcome jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, event_id)
);

-- Settle's outbox: ["tasks", id], ["tasks_due", dueAt, id] and ["tasks_by_order", orderId, id]
-- are the row and its two indexes; ["tasks_wake"] is the NOTIFY sent with the insert.
CREATE TABLE tasks (
  id uuid PRIMARY KEY,
  kind text NOT NULL,
  order_id text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'pending',
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL,
  due_at timestamptz NOT NULL,
  lease_until timestamptz,
  last_error text,
  result jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tasks_due ON tasks (due_at, id) WHERE status = 'pending';
CREATE INDEX tasks_by_order ON tasks (order_id, id);
