import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { copyRepository } from "@/tests/bench/cold_start.ts";
import { runDeno } from "@/tests/bench/process.ts";
import { settleEnv } from "@/tests/bench/webhook/settle.ts";
import { SERVER_FILE } from "./server_bundle.ts";
import { serverBundleState } from "./server_bundle_freshness.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const LISTENING = /listening on http:\/\/[^\s/]+:(\d+)/;

/** A copy of the project with `deno task build` run in it; removed by the returned close. */
async function builtCopy(): Promise<{ dir: string; close(): Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix: "settle_bundle_" });
  await copyRepository(ROOT, join(dir, "app"));
  await runDeno(["task", "build"], join(dir, "app"));
  return { dir, close: () => Deno.remove(dir, { recursive: true }) };
}

/** `deno run -A <entry>` in `cwd`; resolves with its origin once it prints that it listens. */
async function serve(cwd: string, entry: string, kvPath: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", entry],
    cwd,
    env: { ...settleEnv(kvPath), LOG_LEVEL: "error" },
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!LISTENING.test(out)) {
    const { done, value } = await lines.read();
    if (done) throw new Error(`${entry} exited before listening:\n${out}`);
    out += value;
  }
  // Keep reading, so a full pipe never blocks the server.
  (async () => {
    while (!(await lines.read()).done);
  })();
  return {
    origin: `http://127.0.0.1:${LISTENING.exec(out)![1]}`,
    async close() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

Deno.test("main.ts's check: no bundle before the build, a current one after, a stale one once a source is edited", async () => {
  const dir = await Deno.makeTempDir({ prefix: "settle_bundle_" });
  const app = join(dir, "app");
  await copyRepository(ROOT, app);
  const copy = { close: () => Deno.remove(dir, { recursive: true }) };
  try {
    const root = pathToFileURL(`${app}/`);
    assert.equal(serverBundleState(root), null);
    await runDeno(["task", "build"], app);
    const built = serverBundleState(root);
    assert.equal(built?.url.pathname, join(app, "_fresh", SERVER_FILE));
    assert.equal(built?.newer, null);
    const later = new Date(Date.now() + 60_000);
    await Deno.utime(join(app, "routes", "index.tsx"), later, later);
    assert.equal(serverBundleState(root)?.newer, "routes/index.tsx");
  } finally {
    await copy.close();
  }
});

Deno.test("the server bundle alone (no lib/, routes/, components/, islands/) serves pages and takes a paid checkout", async () => {
  const copy = await builtCopy();
  const app = join(copy.dir, "app");
  // Nothing but the build, static/, shop/ and deno.json: the bundle must need no source file.
  for (const dir of ["lib", "routes", "components", "islands"]) {
    await Deno.remove(join(app, dir), { recursive: true });
  }
  const server = await serve(app, join("_fresh", SERVER_FILE), join(copy.dir, "settle.kv"));
  try {
    const get = (path: string) => fetch(server.origin + path);
    const health = await get("/healthz");
    assert.equal(health.status, 200, await health.text());
    const page = await get("/");
    const html = await page.text();
    assert.equal(page.status, 200);
    const sheet = /href="(\/_fresh\/styles\.[0-9a-f]+\.css)"/.exec(html)?.[1];
    assert.ok(sheet, "the page links the prebuilt stylesheet");
    assert.equal((await get(sheet)).status, 200);
    const favicon = await get("/favicon.svg");
    assert.equal(favicon.status, 200, "static/ is served from the project root");
    await favicon.body?.cancel();
    const rates = await get("/api/shipping-rates?country=NZ");
    assert.equal(rates.status, 200, "shop/shipping.json is read from the project root");
    await rates.body?.cancel();

    const products = await (await get("/api/products")).json() as { id: string; stock: number }[];
    const product = products.find((p) => p.stock > 0)!;
    const created = await fetch(`${server.origin}/api/payments/create-checkout-session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ items: [{ productId: product.id, quantity: 1 }] }),
    });
    const session = await created.json() as { id: string; url: string };
    assert.equal(created.status, 200, JSON.stringify(session));
    const paid = await fetch(session.url, {
      method: "POST",
      body: new URLSearchParams({
        method: "card",
        card_number: "4242424242424242",
        email: "shopper@example.com",
      }),
      redirect: "manual",
    });
    await paid.body?.cancel();
    assert.equal(paid.status, 303, "the emulator (a lazy chunk) took the payment");
    assert.equal(await statusOnceSettled(server.origin, session.id), "paid");
  } finally {
    await server.close();
    await copy.close();
  }
});

/** The order's status once the emulator's signed webhook has been handled (10 s at most). */
async function statusOnceSettled(origin: string, sessionId: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  let status = "";
  while (Date.now() < deadline) {
    const res = await fetch(`${origin}/api/orders/by-session/${sessionId}`);
    status = (await res.json() as { status: string }).status;
    if (status !== "pending") return status;
    await new Promise((r) => setTimeout(r, 50));
  }
  return status;
}
