import assert from "node:assert/strict";
import { configureLog, log, type LogLevel, redact, REDACTED } from "./log.ts";

/** Runs `fn` with log lines captured at `level`, then restores the previous settings. */
function captured(level: LogLevel, fn: () => void): Record<string, unknown>[] {
  const lines: string[] = [];
  const previous = configureLog({ level, write: (line) => lines.push(line) });
  try {
    fn();
  } finally {
    configureLog(previous);
  }
  return lines.map((line) => JSON.parse(line));
}

Deno.test("a line is one JSON object with time, level, message and the fields", () => {
  const [line] = captured("info", () => log("info", "order paid", { orderId: "o1", total: 1250 }));
  assert.match(String(line.time), /^\d{4}-\d\d-\d\dT/);
  assert.deepEqual({ ...line, time: 0 }, {
    time: 0,
    level: "info",
    message: "order paid",
    orderId: "o1",
    total: 1250,
  });
});

Deno.test("levels below the configured one are dropped", () => {
  const lines = captured("warn", () => {
    log("debug", "d");
    log("info", "i");
    log("warn", "w");
    log("error", "e");
  });
  assert.deepEqual(lines.map((l) => l.message), ["w", "e"]);
});

Deno.test("fields cannot overwrite time, level or message", () => {
  const [line] = captured("info", () => log("info", "real", { level: "debug", message: "fake" }));
  assert.equal(line.level, "info");
  assert.equal(line.message, "real");
});

Deno.test("sensitive field names are redacted at any depth", () => {
  const [line] = captured("info", () =>
    log("info", "webhook", {
      headers: {
        Authorization: "Bearer abc",
        cookie: "settle_cart=s3cret",
        "Stripe-Signature": "t=1,v1=deadbeef",
        "content-type": "application/json",
      },
      body: '{"card":"4242"}',
      rawBody: "…",
      password: "hunter22",
      ADMIN_PASSWORD_HASH: "x",
      session_secret: "y",
      orderToken: "z",
      card: { number: "4242424242424242", cvc: "123" },
      items: [{ api_key: "k", title: "Mug" }],
    }));
  const h = line.headers as Record<string, unknown>;
  assert.deepEqual(h, {
    Authorization: REDACTED,
    cookie: REDACTED,
    "Stripe-Signature": REDACTED,
    "content-type": "application/json",
  });
  for (const k of ["body", "rawBody", "password", "ADMIN_PASSWORD_HASH", "session_secret"]) {
    assert.equal(line[k], REDACTED, k);
  }
  assert.equal(line.orderToken, REDACTED);
  assert.equal(line.card, REDACTED);
  assert.deepEqual(line.items, [{ api_key: REDACTED, title: "Mug" }]);
});

Deno.test("a Headers object is logged as redacted fields", () => {
  const headers = new Headers({ cookie: "a=b", "x-request-id": "r1" });
  assert.deepEqual(redact({ headers }), { headers: { cookie: REDACTED, "x-request-id": "r1" } });
});

Deno.test("secrets and card numbers inside free text are redacted", () => {
  const text = "Stripe said: key sk_live_51Habc123 and whsec_9f8e7d failed for card " +
    "4242 4242 4242 4242 / 4000-0000-0000-0002, header Bearer eyJhbGci.x.y";
  const out = redact(text) as string;
  for (const secret of ["sk_live_", "whsec_", "4242 4242", "4000-0000", "eyJhbGci"]) {
    assert.ok(!out.includes(secret), `${secret} leaked: ${out}`);
  }
  assert.match(out, /^Stripe said: key \[redacted\]/);
});

Deno.test("ids, timestamps and order numbers that are not card numbers stay readable", () => {
  // 1732300000001 fails the Luhn check; order numbers and ULIDs are not digit runs.
  const text = "at 1732300000001 order SO-20261122-0001 id 01JD4Z7Q3T9Y5K6M8N2P4R6S8V";
  assert.equal(redact(text), text);
  assert.deepEqual(redact({ dueAt: 1732300000000 }), { dueAt: 1732300000000 });
});

Deno.test("errors keep name and message (redacted), bigints become strings", () => {
  const err = new TypeError("bad key sk_test_abc");
  const out = redact({ error: err, n: 5n }) as { error: Record<string, string>; n: string };
  assert.equal(out.error.name, "TypeError");
  assert.equal(out.error.message, "bad key [redacted]");
  assert.equal(out.n, "5");
});
