/**
 * Real-browser journeys: Debian's Chromium driven by playwright-core, against a whole
 * Settle listening on a free port (KV :memory:, the Stripe emulator, demo catalog).
 * A missing Chromium fails the test with a clear message; it never skips.
 */
import { type Browser, chromium, type Page } from "playwright-core";
import { parseConfig } from "@/lib/config.ts";
import { type Runtime, type RuntimeOptions, startRuntime } from "@/lib/runtime.ts";
import { expectAccessible } from "./axe.ts";
import { testIslands } from "./islands.ts";

export const CHROMIUM_PATH = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

/** Flags that keep Chromium quiet and offline in a container. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Where journeys save screenshots (gitignored). */
export const RESULTS_DIR = new URL("../../test-results/", import.meta.url);

export async function launchBrowser(): Promise<Browser> {
  try {
    await Deno.stat(CHROMIUM_PATH);
  } catch {
    throw new Error(
      `Chromium is not at ${CHROMIUM_PATH}: install it (apt-get install -y chromium) ` +
        "or set CHROMIUM_PATH. Browser tests need a real browser and do not skip.",
    );
  }
  return await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** A port nobody listens on right now (the OS picks it; we release it at once). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

export interface ShopOptions {
  /** Options of the embedded Stripe emulator, e.g. delivery knobs (`delayMs`, `dropRate`). */
  emulator?: RuntimeOptions["emulator"];
  /** Options of the embedded Razorpay emulator (offered when `env` lists razorpay). */
  razorpayEmulator?: RuntimeOptions["razorpayEmulator"];
  /** Extra environment, e.g. `PAYMENT_PROVIDERS: "stripe,razorpay"`. */
  env?: Record<string, string>;
}

/**
 * A listening Settle whose PUBLIC_ORIGIN is the address the browser uses, so redirects,
 * CORS and form checks see one origin.
 */
export async function startShop(
  env: Record<string, string> = {},
  options: ShopOptions = {},
): Promise<Runtime> {
  const port = freePort();
  const config = parseConfig({
    SETTLE_ENV: "test",
    KV_PATH: ":memory:",
    PORT: String(port),
    PUBLIC_ORIGIN: `http://127.0.0.1:${port}`,
    SESSION_SECRET: "browser-test-secret-browser-test-secret",
    STRIPE_WEBHOOK_SECRET: "whsec_browser_test",
    RATE_LIMIT_CART_PER_MIN: "0",
    RATE_LIMIT_CHECKOUT_PER_MIN: "0",
    RATE_LIMIT_RETRY_PER_MIN: "0",
    // Seeding places many orders from one address; the caps have tests of their own.
    HOLD_LIMIT_UNITS_PER_CLIENT: "0",
    HOLD_LIMIT_ORDERS_PER_CLIENT: "0",
    // Card only unless a journey asks for Razorpay (its popup needs a shop that offers it).
    PAYMENT_PROVIDERS: "stripe",
    ...options.env,
    ...env,
  });
  return await startRuntime(config, {
    islands: await testIslands(),
    emulator: options.emulator,
    razorpayEmulator: options.razorpayEmulator,
  });
}

/** Saves a full-page screenshot as test-results/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await Deno.mkdir(RESULTS_DIR, { recursive: true });
  const path = new URL(`${name}.png`, RESULTS_DIR).pathname;
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * axe-core on an admin page at laptop and phone widths (admins work on both), after which
 * the page gets its viewport back.
 */
export async function expectAccessibleWideAndNarrow(page: Page, label: string): Promise<void> {
  const viewport = page.viewportSize();
  for (const width of [1280, 360]) {
    await page.setViewportSize({ width, height: viewport?.height ?? 800 });
    await expectAccessible(page, `${label} at ${width} px`);
  }
  if (viewport) await page.setViewportSize(viewport);
}

/**
 * Uncaught exceptions and console errors (CSP violations among them) of a page. A refused
 * fetch is logged by Chromium as "Failed to load resource"; journeys that expect a 4xx
 * answer are not failed by it.
 */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("console", (msg) => {
    if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource")) {
      errors.push(msg.text());
    }
  });
  return errors;
}
