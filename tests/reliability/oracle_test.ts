/**
 * The oracle must be able to fail: one order paid through a real Settle (KV :memory:, the
 * emulator) passes, and the same order with its money counted twice, its receipt missing or
 * its status wrong is caught in the right column; the same for an order paid with Razorpay.
 */
import assert from "node:assert/strict";
import { keys } from "@/lib/db/keys.ts";
import type { Order } from "@/lib/orders/types.ts";
import { TEST_CARDS } from "@/lib/payments/emulator/server.ts";
import { listOrderTasks } from "@/lib/tasks/outbox.ts";
import { createTestApp, eventually } from "../support/app.ts";
import { checkoutOk, NZ_DELIVERY, orderOf, stockedProducts } from "../support/shop.ts";
import { startMailbox } from "./mailbox.ts";

/** The paid flow's four tasks (beside the checkout's retired lapse): all must have run. */
const PAID_FLOW = ["commit_stock", "fulfil", "send_receipt", "send_shipped_notice"];
import {
  checkOrder,
  emptyVerdict,
  type OrderView,
  ProviderView,
  RazorpayView,
  type Verdict,
} from "./oracle.ts";
import type { PlacedOrder, Suite } from "./suite.ts";

Deno.test("the oracle passes a paid order and catches money counted twice, a lost receipt, a wrong status", async () => {
  const mailbox = startMailbox();
  const app = await createTestApp({
    env: { FULFILLMENT_ADAPTER: "demo", MAIL_API_URL: mailbox.url, MAIL_FROM: "shop@test.example" },
  });
  try {
    const [product] = await stockedProducts(app);
    const lines = [{ productId: product.id, quantity: 2 }];
    const placed = await checkoutOk(app, { items: lines, metadata: { email: "a@test.example" } });
    app.emulator!.pay(placed.id, TEST_CARDS.success);
    await eventually(async () => {
      const tasks = await listOrderTasks(app.kv, placed.orderId);
      return PAID_FLOW.every((k) => tasks.some((t) => t.kind === k)) &&
        tasks.every((t) => t.status === "done");
    });
    await app.emulator!.idle();
    const order: PlacedOrder = {
      phase: "test",
      orderId: placed.orderId,
      sessionIds: [placed.id],
      lines,
      total: product.unitAmount * 2,
      viaCart: false,
      plan: "paid",
    };
    const suite = { kv: app.kv, mailbox } as unknown as Suite;
    const check = async (): Promise<Verdict> => {
      const view = new ProviderView(app.emulator!.sessions(), app.emulator!.events());
      const v = emptyVerdict();
      await checkOrder(suite, view, order, v, { allowResend: false });
      return v;
    };
    const good = await check();
    assert.deepEqual(
      [good.lost, good.doubleApplied, good.wrongStates],
      [0, 0, 0],
      good.problems.join("\n"),
    );
    assert.equal(good.paid, 1);

    const stored = await orderOf(app, placed.orderId);
    const tamper = (change: (o: Order) => void) => {
      const copy = structuredClone(stored);
      change(copy);
      return app.kv.set(keys.order(copy.id), copy);
    };
    await tamper((o) => (o.payment.amountReceived *= 2));
    assert.equal((await check()).doubleApplied, 1);
    await tamper((o) => (o.status = "paid"));
    assert.equal((await check()).wrongStates, 1);
    await tamper(() => {});
    const intent = stored.payment.paymentIntentId!;
    await app.kv.delete(keys.receiptSent(stored.id, intent));
    const lost = await check();
    assert.equal(lost.lost, 1, lost.problems.join("\n"));
    assert.match(lost.problems[0], /receipt marker/);
  } finally {
    await app.close();
    await mailbox.close();
  }
});

Deno.test("the oracle passes a Razorpay order paid once and catches its money counted twice or a wrong status", async () => {
  const mailbox = startMailbox();
  const app = await createTestApp({
    env: {
      FULFILLMENT_ADAPTER: "demo",
      MAIL_API_URL: mailbox.url,
      MAIL_FROM: "shop@test.example",
      PAYMENT_PROVIDERS: "stripe,razorpay",
    },
  });
  try {
    const product = (await stockedProducts(app, 3)).find((p) => p.unitAmount < 8000)!;
    const lines = [{ productId: product.id, quantity: 1 }];
    const res = await app.app.request("/api/payments/create-order", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        items: lines,
        metadata: { email: "a@test.example" },
        customer: { email: "a@test.example", name: "Kim Tan" },
        ...NZ_DELIVERY,
      }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    const created = await res.json() as {
      orderId: string;
      providerOrderId: string;
      amount: number;
    };
    const rzp = app.razorpayEmulator!;
    await rzp.pay(created.providerOrderId, "success");
    await eventually(async () => {
      const tasks = await listOrderTasks(app.kv, created.orderId);
      return PAID_FLOW.every((k) => tasks.some((t) => t.kind === k)) &&
        tasks.every((t) => t.status === "done");
    });
    await rzp.idle();
    const order: PlacedOrder = {
      phase: "test",
      provider: "razorpay",
      orderId: created.orderId,
      sessionIds: [created.providerOrderId],
      lines,
      total: created.amount,
      viaCart: false,
      plan: "paid",
    };
    const suite = { kv: app.kv, mailbox } as unknown as Suite;
    const check = async (): Promise<Verdict> => {
      const view: OrderView = new RazorpayView(rzp.orders(), rzp.payments(), rzp.events());
      const v = emptyVerdict();
      await checkOrder(suite, view, order, v, { allowResend: false });
      return v;
    };
    const good = await check();
    assert.deepEqual(
      [good.lost, good.doubleApplied, good.wrongStates, good.paid],
      [0, 0, 0, 1],
      good.problems.join("\n"),
    );
    const stored = await orderOf(app, created.orderId);
    const tamper = (change: (o: Order) => void) => {
      const copy = structuredClone(stored);
      change(copy);
      return app.kv.set(keys.order(copy.id), copy);
    };
    await tamper((o) => (o.payment.amountReceived *= 2));
    assert.equal((await check()).doubleApplied, 1);
    await tamper((o) => (o.payment.status = "failed"));
    assert.equal((await check()).wrongStates, 1);
  } finally {
    await app.close();
    await mailbox.close();
  }
});
