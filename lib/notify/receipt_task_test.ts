import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { keys } from "../db/keys.ts";
import { writeNewOrder } from "../db/orders.ts";
import { TASK } from "../facts/follow_ups.ts";
import { configureLog } from "../log.ts";
import { orderIn } from "../orders/order_fixtures.ts";
import type { Order } from "../orders/types.ts";
import { enqueue, type Task } from "../tasks/outbox.ts";
import { createWorker } from "../tasks/worker.ts";
import { createHttpMailTransport, logTransport, type MailTransport } from "./mail.ts";
import type { ReceiptMarker } from "./receipt_task.ts";
import { receiptHandler } from "./receipt_task.ts";
import { startTestReceiver, type TestReceiver } from "./test_receiver.ts";

function clock(start = Date.UTC(2026, 10, 22)) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

async function setup(kv: Deno.Kv, at: Date, metadata: Record<string, string>, tasks = 1) {
  const order: Order = { ...orderIn("paid"), metadata };
  const op = kv.atomic();
  writeNewOrder(op, order);
  const queued: Task[] = [];
  for (let i = 0; i < tasks; i++) {
    queued.push(enqueue(op, {
      kind: TASK.sendReceipt,
      orderId: order.id,
      payload: { paymentKey: "pi_1" },
    }, at));
  }
  assertEquals((await op.commit()).ok, true);
  return { order, tasks: queued };
}

/** `mail`: a test receiver behind the HTTP transport, a transport, or null for one never called. */
function worker(
  kv: Deno.Kv,
  mail: TestReceiver | MailTransport | null,
  now: () => Date,
  sendWindowMs?: number,
) {
  return createWorker({
    kv,
    now,
    log: () => {},
    backoffMs: () => 1000,
    handlers: {
      [TASK.sendReceipt]: receiptHandler({
        mail: mail === null
          ? { name: "unused", send: () => Promise.reject(new Error("never called")) }
          : "send" in mail
          ? mail
          : createHttpMailTransport({ url: mail.url, apiKey: "key_test" }),
        provider: null,
        from: "Shop <shop@example.com>",
        publicOrigin: "https://shop.example",
        timeoutMs: 5000,
        sendWindowMs,
      }),
    },
  });
}

/** A receiver whose first request waits until `release()` is called. */
function gated() {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const mail = startTestReceiver(async (_req, n) => {
    if (n === 1) await gate;
    return Response.json({ id: `msg_${n}` });
  });
  return { mail, release };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  ok(check(), "condition not met in time");
};

const marker = async (kv: Deno.Kv, orderId: string) =>
  (await kv.get<ReceiptMarker>(keys.receiptSent(orderId, "pi_1"))).value;
const task = async (kv: Deno.Kv, id: string) => (await kv.get<Task>(keys.task(id))).value!;

Deno.test("a lost lease mid-send: the run that took over sends nothing, one e-mail in all", async () => {
  using kv = await Deno.openKv(":memory:");
  const c = clock();
  const { order, tasks: [t] } = await setup(kv, c.now(), { email: "kiri@example.nz" });
  const { mail, release } = gated();
  await using _ = mail;
  // A window longer than the lease: the first run is still sending when its lease runs out.
  const w = worker(kv, mail, c.now, 5 * 60_000);
  const first = w.runOnce();
  await until(() => mail.requests.length === 1);
  c.advance(31_000); // past the 30 s lease: the task is claimed again
  assertEquals(await w.runOnce(), 1);
  assertEquals((await task(kv, t.id)).lastError, "another run is sending this receipt");
  release();
  await first;
  assertEquals((await marker(kv, order.id))?.status, "sent");
  c.advance(1000);
  assertEquals(await w.runOnce(), 1);
  const done = await task(kv, t.id);
  assertEquals([done.status, done.result], ["done", "receipt already sent"]);
  assertEquals(mail.requests.length, 1);
  const [req] = mail.requests;
  assertEquals(req.headers.get("idempotency-key"), `receipt:${order.id}:pi_1`);
  assertEquals(req.headers.get("authorization"), "Bearer key_test");
  const body = req.json as Record<string, string>;
  assertEquals([body.from, body.to], ["Shop <shop@example.com>", "kiri@example.nz"]);
  ok(body.subject.includes(order.number), body.subject);
  ok(body.text.includes("2 × Tee") && body.text.includes("$65.00"), body.text);
  ok(body.html.includes("<table"), body.html);
});

Deno.test("a run presumed dead after its send window is followed by a resend with the same key", async () => {
  using kv = await Deno.openKv(":memory:");
  const c = clock();
  const { order, tasks: [t] } = await setup(kv, c.now(), { email: "kiri@example.nz" });
  const { mail, release } = gated();
  await using _ = mail;
  const w = worker(kv, mail, c.now);
  const hung = w.runOnce();
  await until(() => mail.requests.length === 1);
  c.advance(6 * 60_000);
  assertEquals(await w.runOnce(), 1);
  assertEquals((await task(kv, t.id)).status, "done");
  release();
  await hung;
  const keysSent = mail.requests.map((r) => r.headers.get("idempotency-key"));
  assertEquals(keysSent, [`receipt:${order.id}:pi_1`, `receipt:${order.id}:pi_1`]);
  assertEquals((await marker(kv, order.id))?.messageId, "msg_2");
});

Deno.test("a run killed mid-send is followed once its lease runs out, not minutes later", async () => {
  using kv = await Deno.openKv(":memory:");
  const c = clock();
  const { order, tasks: [t] } = await setup(kv, c.now(), { email: "kiri@example.nz" });
  const { mail, release } = gated();
  await using _ = mail;
  const w = worker(kv, mail, c.now);
  const killed = w.runOnce(); // its process dies mid-send: nothing it does later counts
  try {
    await until(() => mail.requests.length === 1);
    c.advance(31_000); // the lease (30 s) is over, and so is any send (5 s timeout + grace)
    assertEquals(await w.runOnce(), 1);
    assertEquals((await task(kv, t.id)).status, "done");
    const keysSent = mail.requests.map((r) => r.headers.get("idempotency-key"));
    assertEquals(keysSent, [`receipt:${order.id}:pi_1`, `receipt:${order.id}:pi_1`]);
  } finally {
    release();
    await killed;
  }
});

Deno.test("two receipt tasks for one payment send one e-mail; a refused send is retried", async () => {
  using kv = await Deno.openKv(":memory:");
  const c = clock();
  const { order, tasks } = await setup(kv, c.now(), { email: "kiri@example.nz" }, 2);
  await using mail = startTestReceiver((_req, n) =>
    n === 1 ? new Response("busy", { status: 503 }) : Response.json({ id: `msg_${n}` })
  );
  const w = worker(kv, mail, c.now);
  for (let i = 0; i < 4; i++) {
    await w.runOnce();
    c.advance(1000);
  }
  const done = await Promise.all(tasks.map((t) => task(kv, t.id)));
  assertEquals(done.map((t) => t.status), ["done", "done"]);
  assertEquals(mail.requests.length, 2, "the refused request and one delivered e-mail");
  assertEquals((await marker(kv, order.id))?.messageId, "msg_2");
});

/** `kv` whose `n`-th atomic commit throws SQLite's lock error once, as under two processes. */
function lockedOnce(kv: Deno.Kv, n: number): Deno.Kv {
  let commits = 0;
  return new Proxy(kv, {
    get(target, prop) {
      if (prop !== "atomic") {
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      }
      return () => {
        const op = target.atomic();
        const commit = op.commit.bind(op);
        op.commit = () =>
          ++commits === n ? Promise.reject(new TypeError("database is locked")) : commit();
        return op;
      };
    },
  });
}

Deno.test("a store lock while finishing a send strands no marker: done in one run", async () => {
  using store = await Deno.openKv(":memory:");
  const c = clock();
  const { order, tasks: [t] } = await setup(store, c.now(), { email: "kiri@example.nz" });
  await using mail = startTestReceiver();
  // Commits: the worker's claim, the `sending` marker, then `sent` with the task's completion.
  await worker(lockedOnce(store, 3), mail, c.now).runOnce();
  assertEquals((await task(store, t.id)).status, "done");
  assertEquals((await marker(store, order.id))?.status, "sent");
  assertEquals(mail.requests.length, 1);
});

Deno.test('without an address the task ends "no address": nothing sent or logged, no marker', async () => {
  using kv = await Deno.openKv(":memory:");
  const c = clock();
  const lines: string[] = [];
  const previous = configureLog({ level: "info", write: (line) => lines.push(line) });
  try {
    // The unusable address counts as none; the transport rejects every call.
    const { order, tasks: [t] } = await setup(kv, c.now(), { email: "not an address" });
    await worker(kv, null, c.now).runOnce();
    const done = await task(kv, t.id);
    assertEquals([done.status, done.result], ["done", "no address"]);
    assertEquals(await marker(kv, order.id), null);
    assertEquals(lines.filter((l) => l.includes("receipt")), []);
  } finally {
    configureLog(previous);
  }
});

Deno.test("with an address and no mail API the log names the order number and no link", async () => {
  using kv = await Deno.openKv(":memory:");
  const c = clock();
  const lines: string[] = [];
  const previous = configureLog({ level: "info", write: (line) => lines.push(line) });
  try {
    const { order, tasks: [t] } = await setup(kv, c.now(), { email: "kiri@example.nz" });
    await worker(kv, logTransport, c.now).runOnce();
    assertEquals(
      (await task(kv, t.id)).result,
      "receipt for kiri@example.nz written to the log (no mail API)",
    );
    const logged = lines.map((l) => JSON.parse(l)).find((l) => l.message.startsWith("receipt"));
    ok(logged, lines.join("\n"));
    assertEquals([logged.to, logged.order], ["kiri@example.nz", order.number]);
    const all = lines.join("\n");
    ok(!all.includes("session_id") && !all.includes("http"), all);
    ok(order.payment.sessionId && !all.includes(order.payment.sessionId), all);
    assertEquals((await marker(kv, order.id))?.transport, "log");
  } finally {
    configureLog(previous);
  }
});
