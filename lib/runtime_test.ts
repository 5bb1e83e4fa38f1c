import assert from "node:assert/strict";
import { parseConfig } from "./config.ts";
import { listProducts } from "./db/products.ts";
import { buildIslands } from "./fresh/bundle.ts";
import { startRuntime } from "./runtime.ts";

const islands = await buildIslands();

Deno.test("production: no demo catalog, no emulator, HSTS on", async () => {
  const runtime = await startRuntime(
    parseConfig({
      SETTLE_ENV: "production",
      KV_PATH: ":memory:",
      // Never called: nothing in this test reaches the provider.
      STRIPE_SECRET_KEY: "sk_live_51Hfakefakefake",
      STRIPE_WEBHOOK_SECRET: "whsec_fake",
      ADMIN_PASSWORD: "correct horse battery",
      SESSION_SECRET: "0123456789abcdef0123456789abcdef",
      PUBLIC_ORIGIN: "https://shop.example",
      LOG_LEVEL: "error",
    }),
    { islands, listen: false },
  );
  try {
    assert.equal(runtime.emulator, null);
    assert.deepEqual(await listProducts(runtime.deps.kv, { includeInactive: true }), []);
    const res = await runtime.app.request("/healthz");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("strict-transport-security") ?? "", /max-age=/);
  } finally {
    await runtime.close();
  }
});

Deno.test("outside production the same start seeds the catalog and runs the emulator", async () => {
  const runtime = await startRuntime(
    parseConfig({ SETTLE_ENV: "test", KV_PATH: ":memory:" }),
    { islands, listen: false },
  );
  try {
    assert.ok(runtime.emulator);
    assert.ok((await listProducts(runtime.deps.kv)).length > 0);
    const res = await runtime.app.request("/healthz");
    assert.equal(res.headers.get("strict-transport-security"), null);
  } finally {
    await runtime.close();
  }
});

Deno.test("development listens on 127.0.0.1 only and reports the address it bound", async () => {
  const runtime = await startRuntime(
    parseConfig({ SETTLE_ENV: "test", KV_PATH: ":memory:", PORT: "0" }),
    { islands },
  );
  try {
    const { port, hostname } = new URL(runtime.url);
    assert.equal(hostname, "127.0.0.1");
    assert.ok(Number(port) > 0, runtime.url);
    const res = await fetch(`${runtime.url}/healthz`);
    assert.equal(res.status, 200);
    await res.body?.cancel();
  } finally {
    await runtime.close();
  }
});
