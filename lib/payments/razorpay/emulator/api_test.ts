import assert from "node:assert/strict";
import { verifyPaymentSignature } from "../signature.ts";
import { api, createOrder, startTestRazorpayEmulator, TEST_KEY_SECRET } from "./testing.ts";

Deno.test("API answers 401 in Razorpay's error shape without Basic auth or with a wrong secret", async () => {
  const emulator = startTestRazorpayEmulator();
  try {
    const anonymous = await fetch(`${emulator.url}/v1/orders/order_x`);
    assert.equal(anonymous.status, 401);
    assert.equal((await anonymous.json()).error.code, "BAD_REQUEST_ERROR");
    const wrong = await fetch(`${emulator.url}/v1/orders/order_x`, {
      headers: { authorization: `Basic ${btoa(`${emulator.keyId}:nope`)}` },
    });
    assert.equal(wrong.status, 401);
    assert.equal((await wrong.json()).error.description, "Authentication failed");
  } finally {
    await emulator.close();
  }
});

Deno.test("POST /v1/orders creates an order that GET returns, with empty notes as []", async () => {
  const emulator = startTestRazorpayEmulator();
  try {
    const order = await createOrder(emulator);
    assert.match(order.id, /^order_[A-Za-z0-9]{14}$/);
    assert.deepEqual(
      { ...order, id: "", created_at: 0 },
      {
        id: "",
        entity: "order",
        amount: 2500,
        amount_paid: 0,
        amount_due: 2500,
        currency: "INR",
        receipt: "S-1001",
        offer_id: null,
        status: "created",
        attempts: 0,
        notes: { order_id: "order_1" },
        created_at: 0,
      },
    );
    assert.deepEqual((await api(emulator, "GET", `/v1/orders/${order.id}`)).body, order);
    assert.deepEqual((await createOrder(emulator, { notes: {} })).notes, []);
  } finally {
    await emulator.close();
  }
});

Deno.test("POST /v1/orders refuses bad input with 400 and the offending field", async () => {
  const emulator = startTestRazorpayEmulator();
  try {
    const cases: [Record<string, unknown>, string][] = [
      [{ amount: 12.5, currency: "INR" }, "amount"],
      [{ amount: 99, currency: "INR" }, "amount"],
      [{ amount: 2500, currency: "inr" }, "currency"],
      [{ amount: 2500 }, "currency"],
      [{ amount: 2500, currency: "INR", receipt: "r".repeat(41) }, "receipt"],
      [{ amount: 2500, currency: "INR", colour: "red" }, "colour"],
    ];
    for (const [body, field] of cases) {
      const answer = await api(emulator, "POST", "/v1/orders", body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.body.error.code, "BAD_REQUEST_ERROR");
      assert.equal(answer.body.error.field, field);
    }
    assert.equal(emulator.orders().length, 0);
  } finally {
    await emulator.close();
  }
});

Deno.test("unknown ids answer 400 'The id provided does not exist', as Razorpay does", async () => {
  const emulator = startTestRazorpayEmulator();
  try {
    for (const path of ["/v1/orders/order_nope", "/v1/payments/pay_nope", "/v1/refunds/rfnd_x"]) {
      const answer = await api(emulator, "GET", path);
      assert.equal(answer.status, 400);
      assert.equal(answer.body.error.description, "The id provided does not exist");
    }
  } finally {
    await emulator.close();
  }
});

Deno.test("pay success captures, marks the order paid and returns a valid checkout signature", async () => {
  const emulator = startTestRazorpayEmulator();
  try {
    const order = await createOrder(emulator);
    const { response } = await emulator.pay(order.id, "success", { email: "a@b.in" });
    assert.ok(response);
    assert.ok(
      await verifyPaymentSignature(
        TEST_KEY_SECRET,
        response.razorpay_order_id,
        response.razorpay_payment_id,
        response.razorpay_signature,
      ),
    );
    const payment = (await api(emulator, "GET", `/v1/payments/${response.razorpay_payment_id}`))
      .body;
    assert.equal(payment.status, "captured");
    assert.equal(payment.captured, true);
    assert.equal(payment.email, "a@b.in");
    assert.equal(payment.card.last4, "1111");
    const paid = (await api(emulator, "GET", `/v1/orders/${order.id}`)).body;
    assert.deepEqual([paid.status, paid.amount_paid, paid.amount_due, paid.attempts], [
      "paid",
      2500,
      0,
      1,
    ]);
    const list = (await api(emulator, "GET", `/v1/orders/${order.id}/payments`)).body;
    assert.deepEqual([list.entity, list.count, list.items[0].id], ["collection", 1, payment.id]);
    await assert.rejects(() => emulator.pay(order.id, "success"), /already been paid/);
  } finally {
    await emulator.close();
  }
});

Deno.test("pay decline fails the payment with error fields and leaves the order attempted", async () => {
  const emulator = startTestRazorpayEmulator();
  try {
    const order = await createOrder(emulator);
    const { payment, error } = await emulator.pay(order.id, "decline");
    assert.equal(payment.status, "failed");
    assert.equal(payment.error_reason, "payment_declined");
    assert.deepEqual(error?.metadata, { order_id: order.id, payment_id: payment.id });
    assert.equal((await api(emulator, "GET", `/v1/orders/${order.id}`)).body.status, "attempted");
  } finally {
    await emulator.close();
  }
});

Deno.test("pay pending stays created until settle approves it, then it is captured", async () => {
  const emulator = startTestRazorpayEmulator();
  try {
    const order = await createOrder(emulator);
    const { payment } = await emulator.pay(order.id, "pending");
    assert.deepEqual([payment.status, payment.method, payment.vpa], [
      "created",
      "upi",
      "success@razorpay",
    ]);
    assert.equal(emulator.settle(payment.id).status, "captured");
    assert.equal((await api(emulator, "GET", `/v1/orders/${order.id}`)).body.status, "paid");
    assert.throws(() => emulator.settle(payment.id), /not pending/);
  } finally {
    await emulator.close();
  }
});

Deno.test("capture: authorized → captured; a repeat is refused 'already captured'; a wrong amount is 400", async () => {
  const emulator = startTestRazorpayEmulator({ autoCapture: false });
  try {
    const order = await createOrder(emulator);
    const { payment } = await emulator.pay(order.id, "success");
    assert.equal(payment.status, "authorized");
    const path = `/v1/payments/${payment.id}/capture`;
    const wrong = await api(emulator, "POST", path, { amount: 2400, currency: "INR" });
    assert.deepEqual([wrong.status, wrong.body.error.field], [400, "amount"]);
    const captured = await api(emulator, "POST", path, { amount: 2500, currency: "INR" });
    assert.deepEqual([captured.status, captured.body.status], [200, "captured"]);
    const again = await api(emulator, "POST", path, { amount: 2500, currency: "INR" });
    assert.equal(again.status, 400);
    assert.equal(again.body.error.description, "This payment has already been captured");
    assert.equal(emulator.events().filter((e) => e.body.event === "payment.captured").length, 1);
  } finally {
    await emulator.close();
  }
});

Deno.test("autoCapture as a function decides per payment: one captured at once, the other left authorized", async () => {
  let n = 0;
  const emulator = startTestRazorpayEmulator({ autoCapture: () => ++n === 1 });
  try {
    const first = await emulator.pay((await createOrder(emulator)).id, "success");
    const second = await emulator.pay((await createOrder(emulator)).id, "success");
    assert.deepEqual([first.payment.status, second.payment.status], ["captured", "authorized"]);
  } finally {
    await emulator.close();
  }
});
