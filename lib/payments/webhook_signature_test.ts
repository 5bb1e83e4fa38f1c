import assert from "node:assert/strict";
import Stripe from "stripe";
import { type WebhookFailure, WebhookVerificationError } from "./provider.ts";
import { toAppError } from "../http/errors.ts";
import { createWebhookVerifier, parseSignatureHeader } from "./webhook_signature.ts";

const SECRET = "whsec_test_5mB2nQ8vR1xT4yW7zA0cD3fG6hJ9kL";
const NOW = new Date("2026-11-22T10:00:00Z");
const NOW_S = Math.floor(NOW.getTime() / 1000);
const cryptoProvider = Stripe.createSubtleCryptoProvider();
const sdk = new Stripe("sk_test_unused");

const body = JSON.stringify({
  id: "evt_1QwErTyUiOpAsDfG",
  object: "event",
  api_version: "2026-10-28.endive",
  created: NOW_S - 2,
  livemode: false,
  type: "checkout.session.completed",
  data: {
    object: {
      id: "cs_test_a1B2",
      object: "checkout.session",
      metadata: { note: "Café ☕" },
    },
  },
});

function sign(payload: string, timestamp = NOW_S, secret = SECRET) {
  return sdk.webhooks.generateTestHeaderStringAsync({
    payload,
    secret,
    timestamp,
    cryptoProvider,
  });
}

const verifier = createWebhookVerifier({ secret: SECRET, now: () => NOW });

async function ours(
  payload: string,
  header: string | null,
): Promise<WebhookFailure | "ok"> {
  try {
    await verifier.verify(payload, header);
    return "ok";
  } catch (err) {
    assert.ok(err instanceof WebhookVerificationError, String(err));
    assert.equal(toAppError(err)?.status, 400);
    return err.reason;
  }
}

async function theirs(
  payload: string,
  header: string,
): Promise<"ok" | "rejected"> {
  try {
    await sdk.webhooks.constructEventAsync(
      payload,
      header,
      SECRET,
      300,
      cryptoProvider,
      +NOW,
    );
    return "ok";
  } catch (err) {
    assert.ok(
      err instanceof Stripe.errors.StripeSignatureVerificationError,
      String(err),
    );
    return "rejected";
  }
}

Deno.test("a header made by the SDK verifies and yields the event", async () => {
  const event = await verifier.verify(body, await sign(body));
  assert.deepEqual(event, {
    id: "evt_1QwErTyUiOpAsDfG",
    type: "checkout.session.completed",
    created: NOW_S - 2,
    object: {
      id: "cs_test_a1B2",
      object: "checkout.session",
      metadata: { note: "Café ☕" },
    },
  });
});

Deno.test("accepts the header when any v1 matches (secret rolling) and ignores v0", async () => {
  const good = (await sign(body)).split("v1=")[1];
  const stale = (await sign(body, NOW_S, "whsec_old_secret")).split("v1=")[1];
  const header = `t=${NOW_S},v1=${stale},v1=${good},v0=${"0".repeat(64)}`;
  assert.equal(await ours(body, header), "ok");
  assert.equal(await theirs(body, header), "ok");
});

Deno.test("rejects a missing header", async () => {
  assert.equal(await ours(body, null), "missing_header");
  assert.equal(await ours(body, ""), "missing_header");
  assert.equal(await theirs(body, ""), "rejected");
});

Deno.test("rejects malformed headers", async () => {
  const v1 = (await sign(body)).split("v1=")[1];
  const cases = [
    "garbage",
    `v1=${v1}`,
    `t=soon,v1=${v1}`,
    `t=${NOW_S},t=${NOW_S},v1=${v1}`,
    `t=${NOW_S},v1=${v1.toUpperCase()}`,
    `t=${NOW_S},v1=${v1.slice(1)}`,
    `t=${NOW_S},${v1}`,
    `t=${NOW_S},v1=${v1},`,
    `t=${NOW_S}${`,v1=${v1}`.repeat(9)}`,
  ];
  for (const header of cases) {
    assert.equal(await ours(body, header), "malformed_header", header);
  }
});

Deno.test("rejects a header without a v1 signature", async () => {
  const header = `t=${NOW_S},v0=${"ab".repeat(32)}`;
  assert.equal(await ours(body, header), "no_signature");
  assert.equal(await theirs(body, header), "rejected");
});

Deno.test("rejects a signature made with another secret", async () => {
  const header = await sign(body, NOW_S, "whsec_someone_else");
  assert.equal(await ours(body, header), "signature_mismatch");
  assert.equal(await theirs(body, header), "rejected");
});

Deno.test("rejects any changed byte in body, signature or timestamp", async () => {
  const header = await sign(body);
  const v1 = header.split("v1=")[1];
  for (let i = 0; i < body.length; i += 7) {
    const changed = body.slice(0, i) + (body[i] === "x" ? "y" : "x") +
      body.slice(i + 1);
    assert.equal(
      await ours(changed, header),
      "signature_mismatch",
      `body byte ${i}`,
    );
    assert.equal(await theirs(changed, header), "rejected", `body byte ${i}`);
  }
  for (let i = 0; i < v1.length; i += 5) {
    const flipped = v1.slice(0, i) + (v1[i] === "0" ? "1" : "0") +
      v1.slice(i + 1);
    const tampered = `t=${NOW_S},v1=${flipped}`;
    assert.equal(
      await ours(body, tampered),
      "signature_mismatch",
      `sig char ${i}`,
    );
    assert.equal(await theirs(body, tampered), "rejected", `sig char ${i}`);
  }
  const shifted = `t=${NOW_S - 1},v1=${v1}`;
  assert.equal(await ours(body, shifted), "signature_mismatch");
  assert.equal(await theirs(body, shifted), "rejected");
});

Deno.test("rejects timestamps older than the tolerance, like the SDK", async () => {
  const edge = await sign(body, NOW_S - 300);
  assert.equal(await ours(body, edge), "ok");
  assert.equal(await theirs(body, edge), "ok");
  const old = await sign(body, NOW_S - 301);
  assert.equal(await ours(body, old), "timestamp_too_old");
  assert.equal(await theirs(body, old), "rejected");
});

Deno.test("rejects timestamps too far in the future, which the SDK accepts", async () => {
  assert.equal(await ours(body, await sign(body, NOW_S + 300)), "ok");
  const ahead = await sign(body, NOW_S + 301);
  assert.equal(await ours(body, ahead), "timestamp_in_future");
  assert.equal(await theirs(body, ahead), "ok");
});

Deno.test("agrees with the SDK on many random payloads and secrets", async () => {
  for (let i = 0; i < 25; i++) {
    const secret = `whsec_${crypto.randomUUID()}`;
    const payload = JSON.stringify({
      id: `evt_${i}`,
      type: "charge.refunded",
      created: NOW_S,
      data: { object: { n: crypto.randomUUID(), emoji: "💸".repeat(i) } },
    });
    const header = await sign(payload, NOW_S - i, secret);
    const mine = createWebhookVerifier({ secret, now: () => NOW });
    assert.equal((await mine.verify(payload, header)).id, `evt_${i}`);
    await sdk.webhooks.constructEventAsync(
      payload,
      header,
      secret,
      300,
      cryptoProvider,
      +NOW,
    );
  }
});

Deno.test("rejects signed bodies that are not events", async () => {
  for (
    const payload of ["not json", "[]", '{"id":"evt_1","type":"x","created":1}']
  ) {
    assert.equal(
      await ours(payload, await sign(payload)),
      "invalid_payload",
      payload,
    );
  }
});

Deno.test("imports the HMAC key once, where the SDK imports it per call", async () => {
  const subtle = crypto.subtle;
  const original = subtle.importKey;
  let imports = 0;
  subtle.importKey = function (...args: Parameters<SubtleCrypto["importKey"]>) {
    imports++;
    return original.apply(subtle, args);
  } as SubtleCrypto["importKey"];
  try {
    const header = await sign(body);
    imports = 0;
    const fresh = createWebhookVerifier({ secret: SECRET, now: () => NOW });
    for (let i = 0; i < 3; i++) await fresh.verify(body, header);
    assert.equal(imports, 1);
    imports = 0;
    for (let i = 0; i < 3; i++) await theirs(body, header);
    assert.equal(imports, 3);
  } finally {
    subtle.importKey = original;
  }
});

Deno.test("parseSignatureHeader reads timestamp and every v1", () => {
  const parsed = parseSignatureHeader(
    `t=12,v1=${"a".repeat(64)},v0=zz,v1=${"b".repeat(64)}`,
  );
  assert.equal(parsed.timestamp, 12);
  assert.deepEqual(parsed.signatures.map((s) => s[0]), [0xaa, 0xbb]);
});

Deno.test("an empty secret is refused up front", () => {
  assert.throws(() => createWebhookVerifier({ secret: "" }), TypeError);
});
