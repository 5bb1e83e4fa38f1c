/**
 * Every Deno KV key Settle writes, in one place (DESIGN.md "Deno KV keys").
 * Keys are tuples; each family's retention is stated beside it.
 */

/** Processed provider event ids are kept this long: longer than Stripe retries (3 days). */
export const PROVIDER_EVENT_TTL_MS = 35 * 24 * 60 * 60 * 1000;
/** Anonymous carts live this long after their last write. */
/** An admin session lasts a working day. */
export const ADMIN_SESSION_TTL_MS = 8 * 60 * 60 * 1000;
/** An admin form is valid this long after it was rendered. */
export const FORM_TOKEN_TTL_MS = 30 * 60 * 1000;
export const CART_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** Idempotency-Key records for create-checkout-session. */
export const CHECKOUT_REQUEST_TTL_MS = 24 * 60 * 60 * 1000;
/** Finished tasks stay visible to admins this long; dead ones stay until an admin acts. */
export const DONE_TASK_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** Rate-limit windows last a minute; a counter outlives its window briefly, then KV drops it. */
export const RATE_LIMIT_TTL_MS = 2 * 60 * 1000;
/**
 * A receipt marker outlives every task that could send the receipt again (tasks finish or
 * die within hours), so "at most once per payment" holds for good.
 */
export const RECEIPT_MARKER_TTL_MS = 180 * 24 * 60 * 60 * 1000;
/**
 * The development mail outbox (lib/notify/outbox.ts): every e-mail Settle would have sent
 * without MAIL_API_URL outside production, viewable at /admin/mail; kept 30 days.
 */
export const MAIL_OUTBOX_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** Reconciliation summaries kept for the admin panel (one every 5 minutes ≈ 4,000 records). */
export const RECONCILE_RUN_TTL_MS = 14 * 24 * 60 * 60 * 1000;
/** A provider check's timestamp matters for seconds; KV drops it a minute later. */
export const PROVIDER_CHECK_TTL_MS = 60 * 1000;
/**
 * Stock ledger entries are kept 400 days: a year's stock-take with a month to spare. Every
 * entry carries the level after it, so any window that remains still checks out against the
 * stock key (which is the truth); an unbounded ledger would grow with every order line.
 */
export const STOCK_LEDGER_TTL_MS = 400 * 24 * 60 * 60 * 1000;
/** A placement that never became an order (and its lines) is kept this long, for admins. */
export const ABANDONED_PLACEMENT_TTL_MS = 30 * 24 * 60 * 60 * 1000;

export const keys = {
  product: (id: string) => ["products", id] as const,
  products: () => ["products"] as const,
  productBySlug: (slug: string) => ["products_by_slug", slug] as const,
  stock: (productId: string) => ["stock", productId] as const,
  /** Every product's stock level: the catalog page reads them in one range. */
  stockLevels: () => ["stock"] as const,
  /**
   * One stock movement of a product (lib/stock/ledger.ts), by a time-ordered id; kept
   * STOCK_LEDGER_TTL_MS.
   */
  stockLedger: (productId: string, entryId: string) =>
    ["stock_ledger", productId, entryId] as const,
  stockLedgerOf: (productId: string) => ["stock_ledger", productId] as const,
  /**
   * What one order (or a placement that has not become one yet) holds of one product: its
   * quantity and state (held · committed · released). Makes every chunk of a stock move
   * idempotent. Lives as long as the order; an abandoned placement's, ABANDONED_PLACEMENT_TTL_MS.
   */
  stockReservation: (orderId: string, productId: string) =>
    ["stock_reservations", orderId, productId] as const,
  stockReservationsOf: (orderId: string) => ["stock_reservations", orderId] as const,
  stockReservations: () => ["stock_reservations"] as const,
  /**
   * The placement record of an order (lib/stock/reservations.ts): its stock-tracked lines, the
   * state of its placement and any stock move in flight. Every stock move of the order checks
   * and rewrites it, so the order's moves take turns. Lives as long as the order.
   */
  placement: (orderId: string) => ["placements", orderId] as const,
  placements: () => ["placements"] as const,

  cart: (cartId: string) => ["carts", cartId] as const,

  order: (id: string) => ["orders", id] as const,
  orders: () => ["orders"] as const,
  orderBySession: (provider: string, sessionId: string) =>
    ["orders_by_session", provider, sessionId] as const,
  orderByNumber: (number: string) => ["orders_by_number", number] as const,
  ordersByNumber: () => ["orders_by_number"] as const,
  /** Disputes and some charge events name only the payment intent. */
  orderByPaymentIntent: (provider: string, paymentIntentId: string) =>
    ["orders_by_payment_intent", provider, paymentIntentId] as const,
  orderByStatus: (status: string, id: string) => ["orders_by_status", status, id] as const,
  ordersByStatus: (status: string) => ["orders_by_status", status] as const,
  orderAttention: (id: string) => ["orders_attention", id] as const,
  ordersAttention: () => ["orders_attention"] as const,
  /** Refunds move only the payment's status: the admin list filters on it here. */
  orderByPaymentStatus: (status: string, id: string) =>
    ["orders_by_payment_status", status, id] as const,
  ordersByPaymentStatus: (status: string) => ["orders_by_payment_status", status] as const,
  /**
   * Orders by their customer's normalised e-mail (lib/db/customer_index.ts): the admin's
   * search. Written with an order that has a customer; deleted when the customer is forgotten.
   */
  orderByCustomer: (email: string, id: string) => ["orders_by_customer", email, id] as const,
  ordersByCustomer: (email: string) => ["orders_by_customer", email] as const,
  orderHistory: (orderId: string, seq: number) => ["order_history", orderId, seq] as const,
  orderHistoryAll: (orderId: string) => ["order_history", orderId] as const,

  providerEvent: (provider: string, eventId: string) =>
    ["provider_events", provider, eventId] as const,
  /**
   * A verified event kept until the order it refers to is known (or, for events that never
   * match or cannot be read, for admins to see); kept as long as processed event ids.
   */
  eventKept: (provider: string, eventId: string) => ["events_kept", provider, eventId] as const,
  eventsKept: () => ["events_kept"] as const,
  /**
   * The kept events waiting for one reference (`kind`: "session" or "payment_intent"). A
   * commit that first indexes the reference checks this key, so the two cannot miss each other.
   */
  eventsWaiting: (provider: string, kind: string, ref: string) =>
    ["events_waiting", provider, kind, ref] as const,

  orderNumberCounter: (yyyymmdd: string) => ["counters", "order_number", yyyymmdd] as const,
  /** An Idempotency-Key, scoped to its owner (a cart or client id), never shared. */
  checkoutRequest: (owner: string, idempotencyKey: string) =>
    ["checkout_requests", owner, idempotencyKey] as const,
  /** Stock one client holds in one unpaid order (lib/checkout/holds.ts); until its window ends. */
  hold: (client: string, orderId: string) => ["holds", client, orderId] as const,
  holdsOf: (client: string) => ["holds", client] as const,
  /** Where opening the order's payment page stands: its attempt, try and fixed expiry. */
  checkoutAttempt: (orderId: string) => ["checkout_attempts", orderId] as const,
  /** Held while one request opens a provider order for an order (Razorpay has no idempotency). */
  providerOrderOpening: (orderId: string) => ["provider_order_opening", orderId] as const,

  task: (id: string) => ["tasks", id] as const,
  tasks: () => ["tasks"] as const,
  taskDue: (dueAt: number, id: string) => ["tasks_due", dueAt, id] as const,
  tasksDue: () => ["tasks_due"] as const,
  taskDead: (id: string) => ["tasks_dead", id] as const,
  /** Lets the admin page list an order's follow-up tasks without a scan. */
  taskByOrder: (orderId: string, taskId: string) => ["tasks_by_order", orderId, taskId] as const,
  tasksByOrder: (orderId: string) => ["tasks_by_order", orderId] as const,
  tasksDead: () => ["tasks_dead"] as const,
  /** Written on every task enqueue so `kv.watch` wakes the worker promptly. */
  tasksWake: () => ["tasks_wake"] as const,
  /** When a worker in its own process last finished a tick (epoch ms), for /readyz. */
  workerHeartbeat: () => ["tasks_worker_heartbeat"] as const,

  /** Receipt state of one payment (`paymentKey`: its intent, session, or "manual"). */
  receiptSent: (orderId: string, paymentKey: string) =>
    ["receipts_sent", orderId, paymentKey] as const,

  /** A shipped notice's state for one order (at most one per order, like a receipt). */
  shippedNoticeSent: (orderId: string) => ["shipped_notices_sent", orderId] as const,
  /** The marker of an admin's resend of a mail task (lib/admin/resend.ts), by the new task. */
  mailResent: (taskId: string) => ["mail_resends", taskId] as const,

  /** One message of the development mail outbox, by a time-ordered id (MAIL_OUTBOX_TTL_MS). */
  mailOutbox: (id: string) => ["mail_outbox", id] as const,
  mailOutboxAll: () => ["mail_outbox"] as const,
  /** The outbox message already written for one idempotency key, so a repeat is one message. */
  mailOutboxByKey: (idempotencyKey: string) => ["mail_outbox_keys", idempotencyKey] as const,

  /** One reconciliation's summary; the latest is also under `reconcileLatest`. */
  reconcileRun: (runId: string) => ["reconcile_runs", runId] as const,
  reconcileRuns: () => ["reconcile_runs"] as const,
  reconcileLatest: () => ["reconcile_runs_latest"] as const,

  /** A lease held by one process at a time across all instances (expiring owner + until). */
  lock: (name: string) => ["locks", name] as const,

  /** Requests of one client in one fixed window (`windowStart` in epoch ms). */
  rateLimit: (name: string, client: string, windowStart: number) =>
    ["rate_limits", name, client, windowStart] as const,

  /** Admin sign-in sessions; expire with the session (ADMIN_SESSION_TTL_MS). */
  adminSession: (id: string) => ["admin_sessions", id] as const,
  /** Admin form tokens already used, so a stale or replayed form is refused. */
  formTokenUsed: (token: string) => ["form_tokens_used", token] as const,

  /** Dev-only secrets generated once per data folder. */
  devSecret: (name: string) => ["dev_secrets", name] as const,

  /**
   * When the provider was last asked about one session of an order (epoch ms), shared by
   * every process. Expires after PROVIDER_CHECK_TTL_MS for housekeeping; readers compare the
   * time. Per session, so the cancel page's look at the old session never delays the
   * success page's look at the new one.
   */
  providerCheck: (orderId: string, sessionId: string) =>
    ["provider_checks", orderId, sessionId] as const,
} as const;
