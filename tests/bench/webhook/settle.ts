/**
 * How the bench runs Settle: the environment of the process under test (as an operator
 * would set it, plus a fixed webhook secret and no rate limits) and what it prints when ready.
 */

export const WEBHOOK_SECRET = "whsec_bench_5Tq8Wm2Yz7Kc4Rf9Lp3Nx6Hd";
export const WEBHOOK_PATH = "/api/payments/webhook";
export const PUBLIC_ORIGIN = "http://127.0.0.1:8000";
/** How long the outbox worker may take to finish the follow-ups after the load. */
export const DRAIN_LIMIT_MS = 120_000;

/** The environment of the Settle process under test. */
export function settleEnv(kvPath: string): Record<string, string> {
  return {
    KV_PATH: kvPath,
    PORT: "0",
    SETTLE_ENV: "test",
    PUBLIC_ORIGIN,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    // Empty means unset: the embedded emulator serves checkout, nothing leaves the machine.
    STRIPE_SECRET_KEY: "",
    MAIL_API_URL: "",
    SLACK_WEBHOOK_URL: "",
    FULFILLMENT_URL: "",
    SESSION_SECRET: "bench-session-secret-bench-session-secret",
    RATE_LIMIT_CHECKOUT_PER_MIN: "0",
    RATE_LIMIT_RETRY_PER_MIN: "0",
    RATE_LIMIT_CART_PER_MIN: "0",
    RATE_LIMIT_LOGIN_PER_MIN: "0",
    RATE_LIMIT_STATUS_PER_MIN: "0",
    HOLD_LIMIT_UNITS_PER_CLIENT: "0",
    HOLD_LIMIT_ORDERS_PER_CLIENT: "0",
    LOG_LEVEL: "error",
    // Manual shipping: paid orders stay paid, so the check below can count them.
    FULFILLMENT_ADAPTER: "manual",
  };
}

/** main.ts's start-up line and the baselines' `listening <port>`. */
export const READY = /listening (?:on http:\/\/[^\s/]+:)?(\d+)/;

/** The environment of a Settle process that uses an emulator running apart (STRIPE_API_BASE). */
export function settleEnvWithStripe(kvPath: string, stripeApi: string): Record<string, string> {
  return { ...settleEnv(kvPath), STRIPE_SECRET_KEY: "sk_test_bench", STRIPE_API_BASE: stripeApi };
}
