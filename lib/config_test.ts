import assert from "node:assert/strict";
import { ConfigError, parseConfig, startupWarnings } from "./config.ts";

const PRODUCTION: Record<string, string> = {
  SETTLE_ENV: "production",
  STRIPE_SECRET_KEY: "sk_live_51Hfake",
  STRIPE_WEBHOOK_SECRET: "whsec_fake",
  ADMIN_PASSWORD: "correct horse battery",
  SESSION_SECRET: "0123456789abcdef0123456789abcdef",
  PUBLIC_ORIGIN: "https://shop.example",
};

/** The ConfigError message for `env` (fails when the config is accepted). */
function refusal(env: Record<string, string | undefined>): string {
  try {
    parseConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  assert.fail(`accepted ${JSON.stringify(env)}`);
}

Deno.test("development needs no variables at all", () => {
  const c = parseConfig({});
  assert.equal(c.env, "development");
  assert.equal(c.port, 8000);
  assert.equal(c.kvPath, ".data/settle.kv");
  assert.equal(c.publicOrigin, "http://127.0.0.1:8000");
  assert.equal(c.useEmulator, true);
  assert.equal(c.trustProxy, false);
  assert.equal(c.logLevel, "info");
  assert.deepEqual(c.rateLimits, { checkout: 20, retry: 10, cart: 120, login: 5, status: 60 });
  assert.equal(c.currency, "nzd");
  assert.equal(c.sessionSecret, undefined);
});

Deno.test("empty values count as unset", () => {
  const c = parseConfig({ PORT: "", TRUST_PROXY: "", CURRENCY: "" });
  assert.deepEqual([c.port, c.trustProxy, c.currency], [8000, false, "nzd"]);
});

const BAD: [string, string][] = [
  ["PORT", "abc"],
  ["PORT", "70000"],
  ["SETTLE_ENV", "staging"],
  ["KV_PATH", ""],
  ["KV_PATH", "   "],
  ["PUBLIC_ORIGIN", "ftp://shop.example"],
  ["SESSION_SECRET", "short"],
  ["STRIPE_SECRET_KEY", "pk_test_123"],
  ["STRIPE_WEBHOOK_SECRET", "not-a-whsec"],
  ["ADMIN_PASSWORD", "1234"],
  ["ADMIN_API_TOKEN", "short"],
  ["CURRENCY", "dollars"],
  ["ORDER_NUMBER_PREFIX", "so-1"],
  ["CHECKOUT_EXPIRES_MINUTES", "5"],
  ["RATE_LIMIT_CART_PER_MIN", "-1"],
  ["RATE_LIMIT_LOGIN_PER_MIN", "1.5"],
  ["RATE_LIMIT_STATUS_PER_MIN", "many"],
  ["TRUST_PROXY", "maybe"],
  ["LOG_LEVEL", "loud"],
  ["SLACK_WEBHOOK_URL", "not a url"],
  ["EMULATOR_PORT", "-5"],
  ["HOST", "0.0.0.0/0"],
  ["SHOP_TIME_ZONE", "Mars/Olympus"],
  ["SHOP_TIME_ZONE", "NZ time"],
];

for (const [name, value] of BAD) {
  Deno.test(`a bad ${name} (${JSON.stringify(value)}) is named in the error`, () => {
    const message = refusal({ [name]: value });
    assert.match(message, new RegExp(`^  ${name}: `, "m"));
    assert.equal(message.match(/^ {2}\w+: /gm)?.length, 1, message);
  });
}

Deno.test("several bad variables are all named", () => {
  const message = refusal({ PORT: "abc", SETTLE_ENV: "staging", CURRENCY: "x" });
  for (const name of ["PORT", "SETTLE_ENV", "CURRENCY"]) assert.match(message, new RegExp(name));
});

Deno.test("a complete production environment starts", () => {
  const c = parseConfig(PRODUCTION);
  assert.equal(c.env, "production");
  assert.equal(c.useEmulator, false);
  assert.equal(c.publicOrigin, "https://shop.example");
  const hashed = { ...PRODUCTION, ADMIN_PASSWORD: undefined, ADMIN_PASSWORD_HASH: "$argon2id$x" };
  assert.equal(parseConfig(hashed).admin.passwordHash, "$argon2id$x");
});

Deno.test("only this machine is listened to outside production unless HOST widens it", () => {
  assert.equal(parseConfig({}).host, "127.0.0.1");
  assert.equal(parseConfig({ SETTLE_ENV: "test" }).host, "127.0.0.1");
  assert.equal(parseConfig({ HOST: "0.0.0.0" }).host, "0.0.0.0");
  assert.equal(parseConfig(PRODUCTION).host, "0.0.0.0");
  assert.equal(parseConfig({ ...PRODUCTION, HOST: "10.0.0.5" }).host, "10.0.0.5");
});

Deno.test("the default public origin is the address listened on, so its cookies come back", () => {
  assert.equal(parseConfig({ PORT: "8100" }).publicOrigin, "http://127.0.0.1:8100");
  assert.equal(parseConfig({ HOST: "::1" }).publicOrigin, "http://[::1]:8000");
  assert.equal(parseConfig({ HOST: "0.0.0.0" }).publicOrigin, "http://localhost:8000");
  assert.equal(
    parseConfig({ HOST: "0.0.0.0", PUBLIC_ORIGIN: "http://shop.lan:8000" }).publicOrigin,
    "http://shop.lan:8000",
  );
});

Deno.test("production on a test Stripe key starts with a warning; a live key has none", () => {
  const onTest = parseConfig({ ...PRODUCTION, STRIPE_SECRET_KEY: "sk_test_51Hfake" });
  const [warning, ...more] = startupWarnings(onTest);
  assert.match(warning, /STRIPE_SECRET_KEY is a TEST key .* no real payment will be taken/);
  assert.deepEqual(more, []);
  assert.deepEqual(startupWarnings(parseConfig(PRODUCTION)), []);
  assert.deepEqual(startupWarnings(parseConfig({ STRIPE_SECRET_KEY: "sk_test_x" })), []);
});

const REQUIRED: [string, RegExp][] = [
  ["STRIPE_SECRET_KEY", /STRIPE_SECRET_KEY/],
  ["STRIPE_WEBHOOK_SECRET", /STRIPE_WEBHOOK_SECRET/],
  ["ADMIN_PASSWORD", /ADMIN_PASSWORD \(or ADMIN_PASSWORD_HASH\)/],
  ["SESSION_SECRET", /SESSION_SECRET/],
  ["PUBLIC_ORIGIN", /PUBLIC_ORIGIN \(an https:\/\/ origin\)/],
];

for (const [name, named] of REQUIRED) {
  Deno.test(`production refuses to start without ${name}`, () => {
    const message = refusal({ ...PRODUCTION, [name]: undefined });
    assert.match(message, /^SETTLE_ENV=production refuses to start without: /);
    assert.match(message, named);
    assert.equal(message.split(": ")[1].split(", ").length, 1, message);
  });
}

Deno.test("production refuses a plain-http PUBLIC_ORIGIN", () => {
  assert.match(refusal({ ...PRODUCTION, PUBLIC_ORIGIN: "http://shop.example" }), /PUBLIC_ORIGIN/);
});

Deno.test("production names every missing variable at once", () => {
  const message = refusal({ SETTLE_ENV: "production" });
  for (const [, named] of REQUIRED) assert.match(message, named);
});

Deno.test("the emulator serves payments exactly when no STRIPE_SECRET_KEY is set", () => {
  assert.equal(parseConfig({}).useEmulator, true);
  assert.equal(parseConfig({ STRIPE_SECRET_KEY: "sk_test_123" }).useEmulator, false);
  assert.equal(parseConfig({ STRIPE_SECRET_KEY: "" }).useEmulator, true);
});

Deno.test("STRIPE_API_BASE points the SDK elsewhere, with a test key, never in production", () => {
  const c = parseConfig({
    STRIPE_SECRET_KEY: "sk_test_123",
    STRIPE_API_BASE: "http://127.0.0.1:41234",
  });
  assert.equal(c.useEmulator, false);
  assert.deepEqual(c.stripe.apiBase, { host: "127.0.0.1", port: 41234, protocol: "http" });
  assert.deepEqual(
    parseConfig({ STRIPE_SECRET_KEY: "sk_test_1", STRIPE_API_BASE: "https://stripe.test" })
      .stripe.apiBase,
    { host: "stripe.test", port: 443, protocol: "https" },
  );
  assert.equal(parseConfig({}).stripe.apiBase, undefined);
  assert.match(refusal({ STRIPE_API_BASE: "ftp://127.0.0.1:1" }), /STRIPE_API_BASE/);
  assert.match(refusal({ STRIPE_API_BASE: "http://127.0.0.1:1" }), /STRIPE_API_BASE.*sk_test_/);
  assert.match(
    refusal({ STRIPE_SECRET_KEY: "sk_live_1", STRIPE_API_BASE: "http://127.0.0.1:1" }),
    /STRIPE_API_BASE.*sk_test_/,
  );
  assert.match(
    refusal({ ...PRODUCTION, STRIPE_API_BASE: "https://stripe.test" }),
    /STRIPE_API_BASE: not allowed with SETTLE_ENV=production/,
  );
});

Deno.test("admin times default to Pacific/Auckland; SHOP_TIME_ZONE takes any IANA zone", () => {
  assert.equal(parseConfig({}).shopTimeZone, "Pacific/Auckland");
  assert.equal(parseConfig({ SHOP_TIME_ZONE: "Europe/Berlin" }).shopTimeZone, "Europe/Berlin");
  assert.equal(parseConfig({ SHOP_TIME_ZONE: " UTC " }).shopTimeZone, "UTC");
});

Deno.test("tests log warnings and up unless LOG_LEVEL says otherwise", () => {
  assert.equal(parseConfig({ SETTLE_ENV: "test" }).logLevel, "warn");
  assert.equal(parseConfig({ SETTLE_ENV: "test", LOG_LEVEL: "debug" }).logLevel, "debug");
  assert.equal(parseConfig({ LOG_LEVEL: "error" }).logLevel, "error");
});

Deno.test("TRUST_PROXY and the rate limits are read; 0 is allowed for a limit", () => {
  const c = parseConfig({
    TRUST_PROXY: "1",
    RATE_LIMIT_CART_PER_MIN: "0",
    RATE_LIMIT_LOGIN_PER_MIN: "3",
    RATE_LIMIT_STATUS_PER_MIN: "0",
  });
  assert.equal(c.trustProxy, true);
  assert.deepEqual([c.rateLimits.cart, c.rateLimits.login, c.rateLimits.status], [0, 3, 0]);
});

Deno.test("operations settings: defaults need nothing; integrations need their secrets", () => {
  const dev = parseConfig({});
  assert.deepEqual(dev.fulfillment, {
    adapter: "demo",
    url: undefined,
    secret: undefined,
    demoFail: "never",
    maxAttempts: 6,
    timeoutMs: 10_000,
  });
  assert.deepEqual(dev.mail, { apiUrl: undefined, apiKey: undefined, from: "" });
  assert.deepEqual(dev.reconcile, { afterMinutes: 10, cron: "*/5 * * * *" });
  assert.equal(parseConfig(PRODUCTION).fulfillment.adapter, "manual");
  assert.equal(parseConfig({ SETTLE_ENV: "test" }).fulfillment.adapter, "manual");
  assert.equal(parseConfig({ ...PRODUCTION, DENO_DEPLOYMENT_ID: "abc123" }).kvPath, "default");
  const http = parseConfig({
    FULFILLMENT_URL: "https://supplier.example/orders",
    FULFILLMENT_SECRET: "0123456789abcdef",
    RECONCILE_CRON: "off",
  });
  assert.equal(http.fulfillment.adapter, "http");
  assert.equal(http.reconcile.cron, null);
  assert.match(refusal({ FULFILLMENT_URL: "https://supplier.example" }), /FULFILLMENT_SECRET/);
  assert.match(refusal({ FULFILLMENT_ADAPTER: "http" }), /FULFILLMENT_URL/);
  assert.match(refusal({ MAIL_API_URL: "https://mail.example/send" }), /MAIL_FROM/);
  assert.match(refusal({ RECONCILE_CRON: "every five minutes" }), /RECONCILE_CRON/);
  assert.match(refusal({ FULFILLMENT_TIMEOUT_MS: "60000" }), /FULFILLMENT_TIMEOUT_MS/);
});

const RAZORPAY: Record<string, string> = {
  RAZORPAY_KEY_ID: "rzp_live_abc123",
  RAZORPAY_KEY_SECRET: "razorpay-key-secret",
  RAZORPAY_WEBHOOK_SECRET: "razorpay-webhook-secret",
};

Deno.test("PAYMENT_PROVIDERS: both outside production, stripe in production; a list is read", () => {
  assert.deepEqual(parseConfig({}).paymentProviders, ["stripe", "razorpay"]);
  assert.deepEqual(parseConfig({ SETTLE_ENV: "test" }).paymentProviders, ["stripe", "razorpay"]);
  assert.deepEqual(parseConfig(PRODUCTION).paymentProviders, ["stripe"]);
  assert.deepEqual(
    parseConfig({ PAYMENT_PROVIDERS: " Razorpay , stripe,razorpay" }).paymentProviders,
    ["razorpay", "stripe"],
  );
  assert.deepEqual(parseConfig({ PAYMENT_PROVIDERS: "" }).paymentProviders, [
    "stripe",
    "razorpay",
  ]);
});

Deno.test("PAYMENT_PROVIDERS naming an unknown provider, or none, is refused by name", () => {
  assert.match(refusal({ PAYMENT_PROVIDERS: "stripe,paypal" }), /PAYMENT_PROVIDERS: .*paypal/);
  assert.match(refusal({ PAYMENT_PROVIDERS: " , " }), /PAYMENT_PROVIDERS/);
});

Deno.test("the Razorpay emulator serves exactly when Razorpay is offered without a key, never in production", () => {
  assert.equal(parseConfig({}).razorpay.useEmulator, true);
  assert.equal(parseConfig({ PAYMENT_PROVIDERS: "stripe" }).razorpay.useEmulator, false);
  const real = parseConfig({
    RAZORPAY_KEY_ID: "rzp_test_1",
    RAZORPAY_KEY_SECRET: "secret-123",
  });
  assert.equal(real.razorpay.useEmulator, false);
  assert.equal(real.razorpay.keyId, "rzp_test_1");
  const prod = parseConfig({ ...PRODUCTION, ...RAZORPAY, PAYMENT_PROVIDERS: "stripe,razorpay" });
  assert.equal(prod.razorpay.useEmulator, false);
  // Secrets without a key: the emulator signs with them.
  const signed = parseConfig({
    RAZORPAY_KEY_SECRET: "secret-123",
    RAZORPAY_WEBHOOK_SECRET: "wh-123456",
  });
  assert.equal(signed.razorpay.useEmulator, true);
  assert.equal(signed.razorpay.keySecret, "secret-123");
});

Deno.test("RAZORPAY_API_BASE points the client elsewhere, with a test key, never in production", () => {
  const key = { RAZORPAY_KEY_ID: "rzp_test_1", RAZORPAY_KEY_SECRET: "secret-123" };
  const c = parseConfig({ ...key, RAZORPAY_API_BASE: "http://127.0.0.1:41235" });
  assert.equal(c.razorpay.apiBase, "http://127.0.0.1:41235");
  assert.equal(parseConfig(key).razorpay.apiBase, undefined);
  assert.match(
    refusal({ RAZORPAY_API_BASE: "http://127.0.0.1:1" }),
    /RAZORPAY_API_BASE.*rzp_test_/,
  );
  assert.match(
    refusal({ ...key, RAZORPAY_KEY_ID: "rzp_live_1", RAZORPAY_API_BASE: "http://127.0.0.1:1" }),
    /RAZORPAY_API_BASE.*rzp_test_/,
  );
});

Deno.test("a Razorpay key without its secret, or a malformed key, is refused by name", () => {
  assert.match(refusal({ RAZORPAY_KEY_ID: "rzp_test_1" }), /RAZORPAY_KEY_SECRET: required/);
  assert.match(
    refusal({ RAZORPAY_KEY_ID: "key_1", RAZORPAY_KEY_SECRET: "secret-123" }),
    /RAZORPAY_KEY_ID/,
  );
});

for (const name of Object.keys(RAZORPAY)) {
  Deno.test(`production with razorpay listed refuses to start without ${name}`, () => {
    const message = refusal({
      ...PRODUCTION,
      ...RAZORPAY,
      PAYMENT_PROVIDERS: "stripe,razorpay",
      [name]: undefined,
    });
    assert.match(message, /^SETTLE_ENV=production refuses to start without: /);
    assert.match(message, new RegExp(name));
  });
}

Deno.test("production names each missing key of each listed provider, and only theirs", () => {
  const both = refusal({
    ...PRODUCTION,
    STRIPE_SECRET_KEY: undefined,
    PAYMENT_PROVIDERS: "stripe,razorpay",
  });
  for (const name of ["STRIPE_SECRET_KEY", ...Object.keys(RAZORPAY)]) {
    assert.match(both, new RegExp(name));
  }
  const razorpayOnly = parseConfig({
    ...PRODUCTION,
    ...RAZORPAY,
    STRIPE_SECRET_KEY: undefined,
    STRIPE_WEBHOOK_SECRET: undefined,
    PAYMENT_PROVIDERS: "razorpay",
  });
  assert.deepEqual(razorpayOnly.paymentProviders, ["razorpay"]);
  // Stripe unlisted: its keys are not asked for; Razorpay unlisted: neither are its.
  assert.doesNotThrow(() => parseConfig(PRODUCTION));
});

Deno.test("production on a test Razorpay key starts with a warning", () => {
  const c = parseConfig({
    ...PRODUCTION,
    ...RAZORPAY,
    RAZORPAY_KEY_ID: "rzp_test_abc",
    PAYMENT_PROVIDERS: "stripe,razorpay",
  });
  assert.ok(startupWarnings(c).some((w) => w.includes("RAZORPAY_KEY_ID")));
  assert.equal(
    startupWarnings(
      parseConfig({ ...PRODUCTION, ...RAZORPAY, PAYMENT_PROVIDERS: "stripe,razorpay" }),
    ).length,
    0,
  );
});
