/**
 * A whole Settle on KV `:memory:` with the Stripe emulator, for route tests through
 * `app.request()`. It also listens on a free loopback port so the emulator can deliver
 * webhooks over real HTTP.
 */
import { parseConfig } from "@/lib/config.ts";
import { type Runtime, type RuntimeOptions, startRuntime } from "@/lib/runtime.ts";
import { testIslands } from "./islands.ts";

export interface TestAppOptions {
  /** Extra environment variables (strings, as in the real environment). */
  env?: Record<string, string>;
  emulator?: RuntimeOptions["emulator"];
  /** Options of the embedded Razorpay emulator (with PAYMENT_PROVIDERS listing razorpay). */
  razorpayEmulator?: RuntimeOptions["razorpayEmulator"];
  bodyTimeoutMs?: number;
}

export type TestApp = Runtime & { kv: Deno.Kv };

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const config = parseConfig({
    SETTLE_ENV: "test",
    KV_PATH: ":memory:",
    PORT: "0",
    SESSION_SECRET: "test-secret-test-secret-test-secret!",
    STRIPE_WEBHOOK_SECRET: "whsec_test_secret",
    // Every app.request() comes from one client ("unknown"); tests that want a limit set it.
    RATE_LIMIT_CHECKOUT_PER_MIN: "0",
    RATE_LIMIT_RETRY_PER_MIN: "0",
    RATE_LIMIT_CART_PER_MIN: "0",
    RATE_LIMIT_LOGIN_PER_MIN: "0",
    RATE_LIMIT_STATUS_PER_MIN: "0",
    HOLD_LIMIT_UNITS_PER_CLIENT: "0",
    HOLD_LIMIT_ORDERS_PER_CLIENT: "0",
    // Flagged orders log warnings by design; the suite's output stays readable without them.
    LOG_LEVEL: "error",
    ...options.env,
  });
  const runtime = await startRuntime(config, {
    islands: await testIslands(),
    emulator: { retryBaseMs: 20, ...options.emulator },
    razorpayEmulator: { retryBaseMs: 20, ...options.razorpayEmulator },
    bodyTimeoutMs: options.bodyTimeoutMs,
  });
  return Object.assign(runtime, { kv: runtime.deps.kv });
}

/** Polls `check` until it returns a truthy value (bounded), for effects of background work. */
export async function eventually<T>(
  check: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  { timeoutMs = 5000, intervalMs = 10 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
