/**
 * `deno run -A tests/bench/hold_attack.ts`: how long the demo shop stays sellable while one
 * scripted attacker, from one address and within the rate limits, reserves stock it never
 * pays for. Time is simulated (the app's injected clock moves a minute per round), so a
 * 30-minute attack runs in seconds. Printed as a table; nothing is asserted.
 */
import { createTestApp } from "../support/app.ts";

interface Product {
  id: string;
  stock: number;
}

type Strategy = "cookieless" | "new cart per order";

const MINUTES = 30;

async function attack(strategy: Strategy, caps: boolean): Promise<string> {
  let now = Date.now();
  const app = await createTestApp({
    env: {
      RATE_LIMIT_CHECKOUT_PER_MIN: "20",
      RATE_LIMIT_CART_PER_MIN: "120",
      HOLD_LIMIT_UNITS_PER_CLIENT: caps ? "20" : "0",
      HOLD_LIMIT_ORDERS_PER_CLIENT: caps ? "3" : "0",
    },
  });
  app.deps.now = () => new Date(now);
  const request = (path: string, init: RequestInit = {}) =>
    app.app.request(path, {
      ...init,
      headers: { "content-type": "application/json", ...init.headers },
    });
  const shelf = async () => (await (await request("/api/products")).json()) as Product[];
  let placed = 0;
  try {
    for (let minute = 1; minute <= MINUTES; minute++) {
      // Every request the limits let through this minute, each after the largest stock left.
      for (let tries = 0; tries < 200; tries++) {
        const target = (await shelf()).filter((p) => p.stock > 0)
          .sort((a, b) => b.stock - a.stock)[0];
        if (!target) return `sold out after ${minute - 1} min (${placed} orders)`;
        const quantity = Math.min(target.stock, 20);
        const items = [{ productId: target.id, quantity }];
        let res: Response;
        if (strategy === "cookieless") {
          res = await request("/api/payments/create-checkout-session", {
            method: "POST",
            body: JSON.stringify({ items }),
          });
        } else {
          const cart = await request("/api/cart/items", {
            method: "POST",
            body: JSON.stringify(items[0]),
          });
          if (cart.status === 429) break;
          const cookie = (cart.headers.get("set-cookie") ?? "").split(";")[0];
          res = await request("/api/payments/create-checkout-session", {
            method: "POST",
            headers: { cookie },
          });
        }
        await res.body?.cancel();
        if (res.status === 200) placed++;
        else if (res.status === 429 || res.status === 422) break;
      }
      now += 60_000;
    }
    const left = (await shelf()).reduce((sum, p) => sum + p.stock, 0);
    return `sellable for all ${MINUTES} min: ${left} units left, ${placed} orders held`;
  } finally {
    await app.close();
  }
}

const rows: string[][] = [];
for (const strategy of ["cookieless", "new cart per order"] as Strategy[]) {
  for (const caps of [true, false]) {
    rows.push([strategy, caps ? "20 units / 3 orders" : "off", await attack(strategy, caps)]);
  }
}
console.log("| attacker | hold caps | result |\n|---|---|---|");
for (const row of rows) console.log(`| ${row.join(" | ")} |`);
