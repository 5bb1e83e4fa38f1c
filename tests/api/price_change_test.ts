/** A price change affects new orders only: a saved order keeps the prices it was placed at. */
import assert from "node:assert/strict";
import { keys } from "@/lib/db/keys.ts";
import { createProduct, getProduct, randomProduct } from "@/lib/db/products.ts";
import { signOrderToken } from "@/lib/checkout/owner_token.ts";
import { TEST_CARDS } from "@/lib/payments/emulator/server.ts";
import { createTestApp, eventually } from "../support/app.ts";
import { checkoutOk, orderOf } from "../support/shop.ts";

Deno.test("a price change reaches new orders and carts, never a saved order, its retry or its payment", async () => {
  const app = await createTestApp();
  try {
    const product = await createProduct(app.kv, randomProduct({ unitAmount: 1800 }), 10);
    const body = { items: [{ productId: product.id, quantity: 2 }] };
    const saved = await checkoutOk(app, body);
    const session = (id: string) => app.emulator!.sessions().find((s) => s.id === id)!;
    assert.equal(session(saved.id).amount_total, 3600);

    const current = (await getProduct(app.kv, product.id))!;
    await app.kv.set(keys.product(product.id), { ...current, unitAmount: 2500 });

    const order = await orderOf(app, saved.orderId);
    assert.deepEqual([order.items[0].unitAmount, order.subtotal, order.total], [1800, 3600, 3600]);
    // Paying again for the saved order charges its saved prices.
    const token = await signOrderToken(app.deps.secret, saved.orderId);
    const retry = await app.app.request(`/api/orders/${saved.orderId}/retry-session`, {
      method: "POST",
      headers: { "x-order-token": token },
    });
    assert.equal(retry.status, 200);
    const retried = await retry.json();
    assert.equal(session(retried.id).amount_total, 3600);

    // A new order, and a cart, see the new price.
    const fresh = await checkoutOk(app, body);
    const newer = await orderOf(app, fresh.orderId);
    assert.deepEqual([newer.items[0].unitAmount, newer.total], [2500, 5000]);
    assert.equal(session(fresh.id).amount_total, 5000);
    const add = await app.app.request("/api/cart/items", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ productId: product.id, quantity: 1 }),
    });
    assert.equal((await add.json()).items[0].unitAmount, 2500);

    // The saved order is paid at its own total: no mismatch, nothing flagged.
    await app.emulator!.pay(retried.id, TEST_CARDS.success);
    await eventually(async () => (await orderOf(app, saved.orderId)).stock === "committed");
    const paid = await orderOf(app, saved.orderId);
    assert.deepEqual([paid.payment.amountReceived, paid.total, paid.needsAttention], [
      3600,
      3600,
      [],
    ]);
    assert.equal(paid.items[0].unitAmount, 1800);
  } finally {
    await app.close();
  }
});
