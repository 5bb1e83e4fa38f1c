import assert from "node:assert/strict";
import { api, createOrder, startTestRazorpayEmulator } from "./testing.ts";
import type { RazorpayEmulator } from "./server.ts";

async function paidPayment(emulator: RazorpayEmulator): Promise<string> {
  const order = await createOrder(emulator);
  return (await emulator.pay(order.id, "success")).payment.id;
}

Deno.test("partial then full refunds update the payment and list newest first", async () => {
  const emulator = startTestRazorpayEmulator();
  try {
    const id = await paidPayment(emulator);
    const first = await api(emulator, "POST", `/v1/payments/${id}/refund`, { amount: 1000 });
    assert.equal(first.status, 200);
    assert.match(first.body.id, /^rfnd_/);
    assert.deepEqual([first.body.status, first.body.amount, first.body.payment_id], [
      "processed",
      1000,
      id,
    ]);
    let payment = (await api(emulator, "GET", `/v1/payments/${id}`)).body;
    assert.deepEqual([payment.status, payment.amount_refunded, payment.refund_status], [
      "captured",
      1000,
      "partial",
    ]);
    const rest = await api(emulator, "POST", `/v1/payments/${id}/refund`, {});
    assert.equal(rest.body.amount, 1500);
    payment = (await api(emulator, "GET", `/v1/payments/${id}`)).body;
    assert.deepEqual([payment.status, payment.refund_status], ["refunded", "full"]);
    const list = (await api(emulator, "GET", `/v1/payments/${id}/refunds`)).body;
    assert.deepEqual(list.items.map((r: { id: string }) => r.id), [rest.body.id, first.body.id]);
  } finally {
    await emulator.close();
  }
});

Deno.test("a refund above what is left is refused with 400 and refunds nothing", async () => {
  const emulator = startTestRazorpayEmulator();
  try {
    const id = await paidPayment(emulator);
    await api(emulator, "POST", `/v1/payments/${id}/refund`, { amount: 2000 });
    const over = await api(emulator, "POST", `/v1/payments/${id}/refund`, { amount: 501 });
    assert.deepEqual([over.status, over.body.error.field], [400, "amount"]);
    assert.equal(emulator.refunds().length, 1);
  } finally {
    await emulator.close();
  }
});

Deno.test("X-Refund-Idempotency: same key and body returns the same refund; a new body is 400", async () => {
  const emulator = startTestRazorpayEmulator();
  try {
    const id = await paidPayment(emulator);
    const headers = { "x-refund-idempotency": "settle-refund-0001" };
    const path = `/v1/payments/${id}/refund`;
    const first = await api(emulator, "POST", path, { amount: 1000, receipt: "R1" }, headers);
    const again = await api(emulator, "POST", path, { amount: 1000, receipt: "R1" }, headers);
    assert.equal(again.status, 200);
    assert.equal(again.body.id, first.body.id);
    const changed = await api(emulator, "POST", path, { amount: 900 }, headers);
    assert.equal(changed.status, 400);
    const short = await api(emulator, "POST", path, {}, { "x-refund-idempotency": "short" });
    assert.equal(short.status, 400);
    assert.equal(emulator.refunds().length, 1);
    assert.equal((await api(emulator, "GET", `/v1/payments/${id}`)).body.amount_refunded, 1000);
  } finally {
    await emulator.close();
  }
});

Deno.test("a pending refund that fails gives its amount back and emits refund.failed", async () => {
  const emulator = startTestRazorpayEmulator({ refundOutcome: "pending" });
  try {
    const id = await paidPayment(emulator);
    const refund = (await api(emulator, "POST", `/v1/payments/${id}/refund`, {})).body;
    assert.equal(refund.status, "pending");
    assert.equal(emulator.settleRefund(refund.id, "failed").status, "failed");
    assert.equal((await api(emulator, "GET", `/v1/payments/${id}`)).body.amount_refunded, 0);
    assert.deepEqual(emulator.events().map((e) => e.body.event).slice(-2), [
      "refund.created",
      "refund.failed",
    ]);
  } finally {
    await emulator.close();
  }
});

Deno.test("refunding an authorized, uncaptured payment is refused", async () => {
  const emulator = startTestRazorpayEmulator({ autoCapture: false });
  try {
    const id = await paidPayment(emulator);
    assert.equal((await api(emulator, "POST", `/v1/payments/${id}/refund`, {})).status, 400);
  } finally {
    await emulator.close();
  }
});
