import assert from "node:assert/strict";
import { createOrder, startTestRazorpayEmulator } from "./testing.ts";
import type { RazorpayEmulator } from "./server.ts";

/** Just enough DOM for the script: elements, listeners, and a dialog that fires "close". */
class FakeElement {
  children: FakeElement[] = [];
  attributes: Record<string, string> = {};
  listeners: Record<string, (() => void)[]> = {};
  style: Record<string, string> = {};
  textContent = "";
  id = "";
  type = "";
  disabled = false;
  open = false;
  constructor(readonly tag: string) {}
  setAttribute(name: string, value: string) {
    this.attributes[name] = value;
  }
  appendChild(child: FakeElement) {
    this.children.push(child);
  }
  addEventListener(name: string, fn: () => void) {
    (this.listeners[name] ??= []).push(fn);
  }
  showModal() {
    this.open = true;
  }
  close() {
    this.open = false;
    for (const fn of this.listeners.close ?? []) fn();
  }
  remove() {}
  focus() {}
  click() {
    for (const fn of this.listeners.click ?? []) fn();
  }
  find(text: string): FakeElement | undefined {
    if (this.tag === "button" && this.textContent === text) return this;
    for (const child of this.children) {
      const found = child.find(text);
      if (found) return found;
    }
  }
}

async function loadScript(emulator: RazorpayEmulator) {
  const response = await fetch(emulator.checkoutUrl);
  assert.equal(response.headers.get("content-type"), "text/javascript; charset=utf-8");
  const body = new FakeElement("body");
  const window: Record<string, unknown> = {};
  const document = { body, createElement: (tag: string) => new FakeElement(tag) };
  new Function("window", "document", "fetch", await response.text())(window, document, fetch);
  return { Razorpay: window.Razorpay as new (options: object) => { open(): void }, body };
}

Deno.test("checkout.js Pay (success) opens a labelled dialog and calls handler with a signed response", async () => {
  const emulator = startTestRazorpayEmulator();
  try {
    const order = await createOrder(emulator);
    const { Razorpay, body } = await loadScript(emulator);
    const result = Promise.withResolvers<Record<string, string>>();
    new Razorpay({ key: emulator.keyId, order_id: order.id, amount: 2500, handler: result.resolve })
      .open();
    const dialog = body.children[0];
    assert.equal(dialog.tag, "dialog");
    assert.equal(dialog.open, true);
    assert.ok(dialog.attributes["aria-labelledby"]);
    dialog.find("Pay (success)")!.click();
    const response = await result.promise;
    assert.equal(response.razorpay_order_id, order.id);
    assert.equal(emulator.payments()[0].status, "captured");
    assert.equal(dialog.open, false);
  } finally {
    await emulator.close();
  }
});

Deno.test("checkout.js Decline calls payment.failed with order and payment ids, Close calls ondismiss", async () => {
  const emulator = startTestRazorpayEmulator();
  try {
    const order = await createOrder(emulator);
    const { Razorpay, body } = await loadScript(emulator);
    const failed = Promise.withResolvers<{ error: { metadata: Record<string, string> } }>();
    let dismissed = 0;
    const checkout = new Razorpay({
      key: emulator.keyId,
      order_id: order.id,
      amount: 2500,
      handler: () => assert.fail("handler must not run on a decline"),
      modal: { ondismiss: () => dismissed++ },
    }) as unknown as { open(): void; on(n: string, f: (r: unknown) => void): void };
    checkout.on("payment.failed", (r) => failed.resolve(r as never));
    checkout.open();
    body.children[0].find("Decline")!.click();
    const { error } = await failed.promise;
    assert.equal(error.metadata.order_id, order.id);
    assert.equal(error.metadata.payment_id, emulator.payments()[0].id);
    body.children[0].find("Close")!.click();
    assert.equal(dismissed, 1);
  } finally {
    await emulator.close();
  }
});

Deno.test("/v1/checkout/pay refuses a wrong key_id with 401 and answers CORS preflight", async () => {
  const emulator = startTestRazorpayEmulator();
  try {
    const order = await createOrder(emulator);
    const wrong = await fetch(`${emulator.url}/v1/checkout/pay`, {
      method: "POST",
      body: JSON.stringify({ key_id: "rzp_test_other", order_id: order.id, outcome: "success" }),
    });
    assert.equal(wrong.status, 401);
    await wrong.body?.cancel();
    const preflight = await fetch(`${emulator.url}/v1/checkout/pay`, {
      method: "OPTIONS",
      headers: { origin: "http://shop.test", "access-control-request-method": "POST" },
    });
    await preflight.body?.cancel();
    assert.equal(preflight.headers.get("access-control-allow-origin"), "*");
    assert.equal(emulator.payments().length, 0);
  } finally {
    await emulator.close();
  }
});
