/**
 * JavaScript per page: for each shopper page and the admin list, every script the page
 * loads (the boot script, its islands, and every chunk they import, followed file by file)
 * as served by a running Settle, raw and gzipped at level 9 one file at a time, as they
 * travel. Settle runs as production does by default (card payments only), then again with
 * Razorpay offered too, for the pages that change with it (checkout, cancel). Baselines: a
 * page without islands (no script at all) and Preact + signals alone (a one-signal counter
 * bundled the way lib/fresh/bundle.ts bundles islands). Settle runs from a copy of the
 * repository, so the islands are bundled from the sources as they are.
 */
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Bench, BenchOptions, BenchResult, Figure, Table } from "./bench.ts";
import { copyRepository } from "./cold_start.ts";
import { type ServerProcess, startServer } from "./process.ts";
import { PUBLIC_ORIGIN, READY, settleEnvWithStripe } from "./webhook/settle.ts";

const ADMIN_PASSWORD = "bench-admin-password";
const BASELINE = "Preact + signals alone (a one-signal counter)";
const CORE_BASELINE =
  "Preact + hooks + signals-core alone (the same counter, as islands read signals)";
/** Pages whose islands depend on the providers offered, measured again with both. */
const BY_PROVIDER = new Set(["checkout", "checkout cancel"]);

interface PageScripts {
  label: string;
  path: string;
  status: number;
  files: number;
  raw: number;
  gzip: number;
  /** The page's module script (the runtime every page shares), gzip. */
  bootGzip: number;
}

export const jsBytes: Bench = {
  name: "js_bytes",
  title: "JavaScript per page (every script the page loads, gzip level 9)",
  async run(options: BenchOptions): Promise<BenchResult> {
    const { root, tmpDir } = options;
    const copy = join(tmpDir, "settle");
    await copyRepository(root, copy);
    const emulator = await startServer({
      args: ["run", "-A", "tests/bench/servers/emulator.ts"],
      cwd: root,
      ready: READY,
    });
    const pages: PageScripts[] = [];
    try {
      for (const providers of ["stripe", "stripe,razorpay"]) {
        const settle = await startServer({
          args: ["run", "-A", "main.ts"],
          cwd: copy,
          env: {
            ...settleEnvWithStripe(join(tmpDir, `js-${pages.length}.kv`), emulator.url),
            ADMIN_PASSWORD,
            PAYMENT_PROVIDERS: providers,
          },
          ready: READY,
        });
        try {
          const seen = await visit(settle, emulator.url);
          pages.push(
            ...(providers === "stripe" ? seen : seen.filter((p) => BY_PROVIDER.has(p.label))
              .map((p) => ({ ...p, label: `${p.label}, Razorpay offered too` }))),
          );
        } finally {
          await settle.stop();
        }
      }
    } finally {
      await emulator.stop();
    }
    const base = await bundledCounter(
      root,
      (imports) =>
        `import { h, hydrate } from "${imports["preact"]}";\n` +
        `import { signal } from "${imports["@preact/signals"]}";\n` +
        `const count = signal(0);\n` +
        `hydrate(h("button", { onClick: () => count.value++ }, count), document.body);\n`,
    );
    const core = await bundledCounter(
      root,
      (imports) =>
        `import { h, hydrate } from "${imports["preact"]}";\n` +
        `import { useEffect, useState } from "${imports["preact/"]}hooks";\n` +
        `import { effect, signal } from "${imports["@preact/signals-core"]}";\n` +
        `const count = signal(0);\n` +
        `function Counter() {\n` +
        `  const [n, setN] = useState(count.peek());\n` +
        `  useEffect(() => effect(() => setN(count.value)), []);\n` +
        `  return h("button", { onClick: () => count.value++ }, n);\n` +
        `}\n` +
        `hydrate(h(Counter, {}), document.body);\n`,
    );
    const row = (p: PageScripts) => [
      p.label,
      p.path.length > 48 ? `${p.path.slice(0, 45)}…` : p.path,
      String(p.status),
      String(p.files),
      p.raw.toLocaleString("en"),
      p.gzip.toLocaleString("en"),
      p.bootGzip.toLocaleString("en"),
      base.gzip ? `×${(p.gzip / base.gzip).toFixed(2)}` : "–",
    ];
    const table: Table = {
      headers: [
        "page",
        "path",
        "status",
        "scripts",
        "raw bytes",
        "gzip-9 bytes",
        "of which boot",
        "gzip ÷ baseline",
      ],
      rows: [
        ...pages.map(row),
        ["baseline: page without islands", "–", "–", "0", "0", "0", "–", "–"],
        [
          "baseline: " + BASELINE,
          "–",
          "–",
          String(base.files),
          base.raw.toLocaleString("en"),
          base.gzip.toLocaleString("en"),
          "–",
          "×1.00",
        ],
        [
          "baseline: " + CORE_BASELINE,
          "–",
          "–",
          String(core.files),
          core.raw.toLocaleString("en"),
          core.gzip.toLocaleString("en"),
          "–",
          `×${(core.gzip / base.gzip).toFixed(2)}`,
        ],
      ],
      align: ["l", "l", "r", "r", "r", "r", "r", "r"],
    };
    const figures: Figure[] = pages.map((p) => ({
      figure: `JS gzip bytes, ${p.label}`,
      settle: p.gzip,
      baseline: BASELINE,
      baselineValue: base.gzip,
    }));
    const failures = pages.filter((p) => p.status !== 200).map((p) =>
      `${p.label} (${p.path}) answered ${p.status}`
    );
    return {
      name: "js_bytes",
      title: this.title,
      rows: [],
      tables: [table],
      figures,
      ratios: [],
      checks: failures.length ? [] : [`All ${pages.length} pages answered 200.`],
      failures,
      notes: [
        `Scripts: the page's \`<script src>\` and \`modulepreload\` links and the island URLs ` +
        `in its state, then every \`import\` of each file, transitively; each file counted once ` +
        `per page. A page without islands loads no script at all (0 bytes). The pages are ` +
        `reached as a shopper does: a cart with one product, a checkout session opened from ` +
        `it, its success and cancel URLs; /admin after signing in. Settle offers card payments ` +
        `only (PAYMENT_PROVIDERS=stripe, production's default); the rows "Razorpay offered too" ` +
        `come from a second run with PAYMENT_PROVIDERS=stripe,razorpay, whose checkout and ` +
        `cancel pages also load the Razorpay island. "Of which boot" is the page's ` +
        `module script: the runtime (Preact, hooks, signals, the boot code and the island code ` +
        `most islands share) that every page with islands loads and caches once.`,
      ],
    };
  },
};

/** Walks the shopper's pages and the admin list; returns each page's scripts. */
async function visit(settle: ServerProcess, emulatorUrl: string): Promise<PageScripts[]> {
  const origin = settle.url;
  const listed = await (await fetch(`${origin}/api/products`)).json();
  const products: { id: string; slug: string; stock: number }[] = Array.isArray(listed)
    ? listed
    : listed.products;
  const product = products.find((p) => p.stock > 0)!;
  const added = await fetch(`${origin}/api/cart/items`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ productId: product.id, quantity: 1 }),
  });
  await added.body?.cancel();
  const cart = cookieOf(added);
  const checkout = await fetch(`${origin}/api/payments/create-checkout-session`, {
    method: "POST",
    headers: { cookie: cart, "content-length": "0", "idempotency-key": crypto.randomUUID() },
  });
  const session = await checkout.json() as { id: string };
  const stored = await (await fetch(`${emulatorUrl}/v1/checkout/sessions/${session.id}`, {
    headers: { authorization: "Bearer sk_test_bench" },
  })).json() as { cancel_url: string };
  const cancel = new URL(stored.cancel_url);
  const login = await fetch(`${origin}/admin/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: PUBLIC_ORIGIN },
    body: new URLSearchParams({ password: ADMIN_PASSWORD }),
    redirect: "manual",
  });
  await login.body?.cancel();
  const admin = cookieOf(login);
  const pages: [string, string, string][] = [
    ["catalog", "/", ""],
    ["product", `/products/${product.slug}`, ""],
    ["cart", "/cart", cart],
    ["checkout", "/checkout", cart],
    ["checkout success", `/checkout/success?session_id=${session.id}`, cart],
    ["checkout cancel", cancel.pathname + cancel.search, cart],
    ["admin orders (signed in)", "/admin", admin],
  ];
  const out: PageScripts[] = [];
  for (const [label, path, cookie] of pages) {
    const res = await fetch(`${origin}${path}`, { headers: cookie ? { cookie } : {} });
    const html = await res.text();
    const files = await scriptsOf(new URL(path, origin), html);
    const boot = /<script type="module" src="([^"]+)"/.exec(html)?.[1];
    const bootFile = boot ? files.get(new URL(boot, origin).href) : undefined;
    out.push({
      label,
      path,
      status: res.status,
      ...sizes([...files.values()]),
      bootGzip: bootFile ? sizes([bootFile]).gzip : 0,
    });
  }
  return out;
}

function cookieOf(res: Response): string {
  const cookie = res.headers.get("set-cookie")?.split(";")[0];
  if (!cookie) throw new Error(`${res.url} answered ${res.status} without a cookie`);
  return cookie;
}

/** Every script a page loads: entry points from the HTML, then imports, transitively. */
async function scriptsOf(page: URL, html: string): Promise<Map<string, Uint8Array>> {
  const entries = [
    ...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g),
    ...html.matchAll(/<link\b[^>]*\brel="modulepreload"[^>]*\bhref="([^"]+)"/g),
  ].map((m) => m[1]);
  const state = /<script type="application\/json" id="__FRSH_STATE"[^>]*>(.*?)<\/script>/s
    .exec(html)?.[1];
  if (state) entries.push(...Object.values(JSON.parse(state).urls as Record<string, string>));
  const files = new Map<string, Uint8Array>();
  const queue = entries.map((e) => new URL(e, page).href);
  while (queue.length) {
    const url = queue.shift()!;
    if (files.has(url)) continue;
    const res = await fetch(url);
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    files.set(url, bytes);
    const text = new TextDecoder().decode(bytes);
    for (const m of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*["']([^"']+\.js)["']/g)) {
      queue.push(new URL(m[1], url).href);
    }
  }
  return files;
}

function sizes(files: Uint8Array[]): { files: number; raw: number; gzip: number } {
  let raw = 0;
  let gzip = 0;
  for (const bytes of files) {
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return { files: files.length, raw, gzip };
}

/**
 * A one-signal counter, written by `source` from deno.json's imports and bundled as the
 * islands are (same versions, minified).
 */
async function bundledCounter(
  root: string,
  source: (imports: Record<string, string>) => string,
) {
  const { imports } = JSON.parse(await Deno.readTextFile(join(root, "deno.json")));
  const dir = await Deno.makeTempDir({ prefix: "settle_bench_preact_" });
  try {
    const entry = join(dir, "counter.js");
    await Deno.writeTextFile(entry, source(imports));
    const result = await Deno.bundle({
      entrypoints: [entry],
      outputDir: join(dir, "out"),
      platform: "browser",
      format: "esm",
      minify: true,
      write: false,
    });
    if (!result.success || !result.outputFiles) throw new Error("bundling the baseline failed");
    return sizes(result.outputFiles.map((f) => f.contents ?? new TextEncoder().encode(f.text())));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
