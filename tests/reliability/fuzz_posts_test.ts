/**
 * The fuzz's form posts and signed events against one in-process Settle with the suite's
 * secrets: no 5xx, every post that may not write is refused, and every KV change is one
 * `expectedChange` names. Also: what it names, and what it does not.
 */
import assert from "node:assert/strict";
import { createTestApp } from "../support/app.ts";
import { productBySlug } from "../support/shop.ts";
import { changes, keyChanges, snapshot } from "./fuzz.ts";
import {
  expectedChange,
  formPost,
  newExpected,
  oversizedEvent,
  SAME_ORIGIN,
} from "./fuzz_posts.ts";
import { Prng } from "./prng.ts";
import { SESSION_SECRET, WEBHOOK_SECRET } from "./processes.ts";

Deno.test("expectedChange names the fuzz's own carts and events, and nothing else", () => {
  const e = newExpected({
    productIds: [],
    orderIds: [],
    shopperCarts: ["shopper"],
    fuzzCarts: ["mine"],
    emptyCarts: ["empty"],
  });
  e.events.add("evt_mine");
  e.refs.add("pi_mine");
  assert.equal(expectedChange(["carts", "mine"], e), "fuzz carts");
  assert.equal(expectedChange(["provider_events", "stripe", "evt_mine"], e), "kept events");
  assert.equal(expectedChange(["events_kept", "stripe", "evt_mine"], e), "kept events");
  assert.equal(
    expectedChange(["events_waiting", "stripe", "payment_intent", "pi_mine"], e),
    "kept events",
  );
  for (
    const key of [
      ["carts", "shopper"],
      ["carts", "empty"],
      ["orders", "mine"],
      ["provider_events", "stripe", "evt_other"],
      ["events_waiting", "stripe", "session", "cs_other"],
      ["stock", "prod_x"],
      ["checkout_requests", "cart:mine", "k"],
    ]
  ) assert.equal(expectedChange(key, e), null, JSON.stringify(key));
});

Deno.test({
  name:
    "the fuzz's form posts and oversized signed events: no 5xx, no accepted refusal, only expected KV changes",
  async fn() {
    const app = await createTestApp({
      env: {
        SESSION_SECRET,
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        PUBLIC_ORIGIN: SAME_ORIGIN,
      },
    });
    try {
      const flat = await productBySlug(app, "flat-white-blend");
      const guji = await productBySlug(app, "ethiopia-guji");
      const add = await app.app.request("/api/cart/items", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ productId: flat.id, quantity: 1 }),
      });
      const cookie = add.headers.get("set-cookie")!.split(";")[0];
      const placed = await app.app.request("/api/payments/create-checkout-session", {
        method: "POST",
        headers: { "content-type": "application/json", cookie },
        body: "{}",
      });
      assert.equal(placed.status, 200);
      const { orderId } = await placed.json();
      const cartId = decodeURIComponent(cookie.split("=")[1]).split(".")[0];
      const pools = {
        productIds: [flat.id, guji.id],
        orderIds: [orderId],
        shopperCarts: [cartId],
        fuzzCarts: [crypto.randomUUID(), crypto.randomUUID()],
        emptyCarts: [crypto.randomUUID()],
      };
      const expected = newExpected(pools);
      const before = await snapshot(app.kv);
      const prng = new Prng(11);
      const answers = new Map<string, number>();
      for (let i = 0; i < 300; i++) {
        const form = await formPost(prng, pools);
        const res = await app.app.request(form.path, form.init);
        await res.body?.cancel();
        assert.ok(res.status < 500, `${form.kind}: ${res.status}`);
        if (!form.mayWrite) assert.notEqual(res.status, 303, `${form.kind} was accepted`);
        for (const c of res.headers.getSetCookie().filter((c) => c.startsWith("settle_cart="))) {
          assert.ok(form.mayWrite, `${form.kind} set a cart cookie`);
          expected.carts.add(decodeURIComponent(c.split(";")[0].split("=")[1]).split(".")[0]);
        }
        answers.set(
          `${form.path} ${res.status}`,
          (answers.get(`${form.path} ${res.status}`) ?? 0) + 1,
        );
      }
      for (let i = 0; i < 12; i++) {
        const event = await oversizedEvent(prng);
        expected.events.add(event.eventId);
        for (const ref of event.refs) expected.refs.add(ref);
        const res = await app.app.request("/api/payments/webhook", {
          method: "POST",
          headers: { "content-type": "application/json", "stripe-signature": event.signature },
          body: event.body,
        });
        const text = await res.text();
        assert.ok([200, 400].includes(res.status), `${event.type} ${event.size} B: ${text}`);
      }
      const after = await snapshot(app.kv);
      const unexpected = keyChanges(before, after)
        .filter((c) => !expectedChange(JSON.parse(c.key), expected));
      assert.deepEqual(unexpected, [], changes(before, after).join("\n"));
      assert.ok((answers.get("/cart 303") ?? 0) > 0, "some cart forms were accepted");
      for (const path of ["/cart", "/checkout", "/checkout/cancel"]) {
        assert.ok((answers.get(`${path} 403`) ?? 0) > 0, `${path} refused cross-site posts`);
      }
    } finally {
      await app.close();
    }
  },
});
