/**
 * Razorpay's view, built from a real Razorpay emulator's records: captured money makes an
 * order paid (a declined try before it does not count), a decline alone leaves it failed,
 * and a payment left authorized is reported as stranded money.
 */
import assert from "node:assert/strict";
import {
  createOrder,
  startTestRazorpayEmulator,
} from "@/lib/payments/razorpay/emulator/testing.ts";
import { RazorpayView } from "./razorpay_view.ts";

Deno.test("Razorpay's view: captured is paid once, a decline alone is failed, authorized is stranded", async () => {
  let held = "";
  const emulator = startTestRazorpayEmulator({ autoCapture: (p) => p.order_id !== held });
  try {
    const orderFor = (orderId: string) => createOrder(emulator, { notes: { order_id: orderId } });
    const retried = await orderFor("retried");
    await emulator.pay(retried.id, "decline");
    const { payment } = await emulator.pay(retried.id, "success");
    await emulator.pay((await orderFor("declined")).id, "decline");
    held = (await orderFor("held")).id;
    const { payment: authorized } = await emulator.pay(held, "success");
    await orderFor("untouched");
    emulator.dispute(payment.id);

    const view = new RazorpayView(emulator.orders(), emulator.payments(), emulator.events());
    const paid = view.expected({ orderId: "retried" });
    assert.deepEqual(
      [paid.state, paid.paidIntents, paid.received, paid.disputes],
      ["paid", [payment.id], 2500, 1],
    );
    assert.deepEqual(view.attemptsOf("retried"), [
      { id: retried.id, amount: 2500, expired: false },
    ]);
    assert.equal(view.expected({ orderId: "declined" }).state, "failed");
    assert.equal(view.expected({ orderId: "untouched" }).state, "pending");
    assert.equal(view.expected({ orderId: "held" }).state, "pending");
    assert.deepEqual(view.stranded("held"), [
      `payment ${authorized.id} authorized, never captured`,
    ]);
    assert.deepEqual(view.stranded("retried"), []);
  } finally {
    await emulator.close();
  }
});
