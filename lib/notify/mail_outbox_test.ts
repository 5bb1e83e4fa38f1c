import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { parseConfig } from "../config.ts";
import { keys } from "../db/keys.ts";
import { getOrder, writeNewOrder } from "../db/orders.ts";
import { recordFact } from "../facts/record_fact.ts";
import { TASK } from "../facts/follow_ups.ts";
import { orderIn } from "../orders/order_fixtures.ts";
import type { Order } from "../orders/types.ts";
import { enqueue, listOrderTasks } from "../tasks/outbox.ts";
import { createWorker } from "../tasks/worker.ts";
import { verifyOrderToken } from "../checkout/owner_token.ts";
import { createMailTransport, logTransport } from "./mail.ts";
import { createKvOutboxTransport, listOutbox } from "./outbox.ts";
import { receiptHandler, shippedNoticeHandler } from "./receipt_task.ts";

const SECRET = "test-secret-test-secret-test-secret!";
const ORIGIN = "https://shop.example";

function shippedOrder(customer: Order["customer"], metadata: Record<string, string> = {}): Order {
  const order = orderIn("paid");
  return {
    ...order,
    id: `01ORDER${crypto.randomUUID().slice(0, 8).toUpperCase()}`,
    metadata,
    customer,
    shipping: {
      address: {
        name: "Kiri Te <Tai>",
        line1: "1 Queen Street",
        line2: "Flat 2",
        city: "Auckland",
        postalCode: "1010",
        country: "NZ",
      },
      rateId: "nz_standard",
      label: "Standard (3–5 days)",
      amount: 500,
    },
    subtotal: order.total,
    total: order.total + 500,
  };
}

function worker(kv: Deno.Kv) {
  const options = {
    mail: createKvOutboxTransport(kv),
    provider: null,
    from: "",
    publicOrigin: ORIGIN,
    secret: SECRET,
  };
  return createWorker({
    kv,
    log: () => {},
    backoffMs: () => 0,
    handlers: {
      [TASK.sendReceipt]: receiptHandler(options),
      [TASK.sendShippedNotice]: shippedNoticeHandler(options),
    },
  });
}

async function store(kv: Deno.Kv, order: Order, kind: string, payload = {}) {
  const op = kv.atomic();
  writeNewOrder(op, order);
  enqueue(op, { kind, orderId: order.id, payload });
  assertEquals((await op.commit()).ok, true);
}

Deno.test("without MAIL_API_URL: the outbox in development and test, the log in production", () => {
  const kv = {} as Deno.Kv;
  const env = (SETTLE_ENV: string) => parseConfig({ SETTLE_ENV, KV_PATH: ":memory:" });
  assertEquals(createMailTransport(env("development"), kv).name, "outbox");
  assertEquals(createMailTransport(env("test"), kv).name, "outbox");
  const prod = { ...env("test"), env: "production" as const };
  assertEquals(createMailTransport(prod, kv), logTransport);
  const api = { ...env("test"), mail: { apiUrl: "https://mail.example/send", from: "a@b.co" } };
  assertEquals(createMailTransport(api, kv).name, "http");
});

Deno.test("the receipt goes to customer.email and lands in the KV outbox with everything", async () => {
  using kv = await Deno.openKv(":memory:");
  const order = shippedOrder({ email: "kiri@example.nz", name: "Kiri" }, {
    email: "metadata@example.nz",
  });
  await store(kv, order, TASK.sendReceipt, { paymentKey: "pi_1" });
  assertEquals(await worker(kv).runOnce(), 1);
  const [task] = await listOrderTasks(kv, order.id);
  assertEquals(
    [task.status, task.result],
    ["done", "receipt for kiri@example.nz written to the mail outbox"],
  );
  const [mail] = await listOutbox(kv);
  assertEquals([mail.to, mail.orderId, mail.reference], [
    "kiri@example.nz",
    order.id,
    order.number,
  ]);
  assertEquals(mail.subject, `Your receipt for order ${order.number}`);
  for (
    const part of [
      "2 × Tee",
      "$50.00",
      "1 × Mug",
      "Shipping: Standard (3–5 days)",
      "$5.00",
      "Total paid: $70.00 NZD",
      "Kiri Te <Tai>",
      "1 Queen Street",
      "Flat 2",
      "Auckland 1010",
      "NZ",
    ]
  ) ok(mail.text.includes(part), `${part} missing from\n${mail.text}`);
  const link = mail.text.match(/Your order: (\S+)/)?.[1];
  ok(link?.startsWith(`${ORIGIN}/orders/${order.id}?token=`), mail.text);
  ok(await verifyOrderToken(SECRET, order.id, new URL(link!).searchParams.get("token")));
  ok(mail.html.includes("Kiri Te &#60;Tai&#62;") && !mail.html.includes("<Tai>"), mail.html);
  ok(mail.html.includes("Standard (3–5 days)"), mail.html);
  // A second receipt task for the same payment sends nothing more.
  const op = kv.atomic();
  enqueue(op, { kind: TASK.sendReceipt, orderId: order.id, payload: { paymentKey: "pi_1" } });
  await op.commit();
  await worker(kv).runOnce();
  assertEquals((await listOutbox(kv)).length, 1);
});

Deno.test("a forgotten customer falls back to metadata.email; none at all ends no address", async () => {
  using kv = await Deno.openKv(":memory:");
  const forgotten = shippedOrder({ email: "[forgotten]" }, { email: "meta@example.nz" });
  await store(kv, forgotten, TASK.sendReceipt, { paymentKey: "pi_1" });
  const nobody = shippedOrder(null);
  await store(kv, nobody, TASK.sendReceipt, { paymentKey: "pi_1" });
  const w = worker(kv);
  while (await w.runOnce() > 0);
  assertEquals((await listOutbox(kv)).map((m) => m.to), ["meta@example.nz"]);
  const [none] = await listOrderTasks(kv, nobody.id);
  assertEquals(none.result, "no address");
});

Deno.test("fulfilment success queues one shipped notice per order, sent once", async () => {
  using kv = await Deno.openKv(":memory:");
  const order = shippedOrder({ email: "kiri@example.nz" });
  const op = kv.atomic();
  writeNewOrder(op, order);
  await op.commit();
  const now = () => new Date();
  const opts = { kv, now };
  const system = { kind: "system" } as const;
  await recordFact(opts, order.id, { kind: "fulfillment_started" }, system);
  const ok1 = await recordFact(opts, order.id, {
    kind: "fulfillment_succeeded",
    externalId: "ship_1",
  }, system);
  assertEquals(ok1.outcome.kind, "applied");
  // The same success again is a duplicate: no second task.
  const again = await recordFact(opts, order.id, {
    kind: "fulfillment_succeeded",
    externalId: "ship_1",
  }, system);
  assertEquals(again.outcome.kind, "duplicate");
  const queued = (await listOrderTasks(kv, order.id)).filter((t) =>
    t.kind === TASK.sendShippedNotice
  );
  assertEquals(queued.length, 1);
  // Even a stray second task sends nothing more: the marker says it went.
  const extra = kv.atomic();
  enqueue(extra, { kind: TASK.sendShippedNotice, orderId: order.id, payload: {} });
  await extra.commit();
  const w = worker(kv);
  while (await w.runOnce() > 0);
  const notices = await listOutbox(kv);
  assertEquals(notices.map((m) => [m.to, m.subject]), [
    ["kiri@example.nz", `Order ${order.number} has shipped`],
  ]);
  ok(notices[0].text.includes("Standard (3–5 days)") && notices[0].text.includes("Auckland"));
  const results = (await listOrderTasks(kv, order.id))
    .filter((t) => t.kind === TASK.sendShippedNotice).map((t) => t.result).sort();
  assertEquals(results, [
    "shipped notice already sent",
    "shipped notice for kiri@example.nz written to the mail outbox",
  ]);
  assertEquals((await kv.get(keys.shippedNoticeSent(order.id))).value !== null, true);
  assertEquals((await getOrder(kv, order.id)).value?.status, "fulfilled");
});

Deno.test('a shipped notice with no address ends "no address"; unfulfilled, nothing', async () => {
  using kv = await Deno.openKv(":memory:");
  const fulfilled: Order = {
    ...shippedOrder(null),
    status: "fulfilled",
    fulfillment: { status: "success", attempts: 1, externalId: "x", error: null },
  };
  await store(kv, fulfilled, TASK.sendShippedNotice);
  const unshipped = shippedOrder({ email: "kiri@example.nz" });
  await store(kv, unshipped, TASK.sendShippedNotice);
  const w = worker(kv);
  while (await w.runOnce() > 0);
  assertEquals((await listOrderTasks(kv, fulfilled.id))[0].result, "no address");
  assertEquals(
    (await listOrderTasks(kv, unshipped.id))[0].result,
    "no shipped notice: fulfilment is not_attempted",
  );
  assertEquals(await listOutbox(kv), []);
});
