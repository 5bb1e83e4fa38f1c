import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { listOrderTasks, type Task } from "@/lib/tasks/outbox.ts";
import { createTestApp, eventually } from "../tests/support/app.ts";
import { checkoutOk, orderOf, stockedProducts } from "../tests/support/shop.ts";

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** The follow-ups a payment queues (the checkout's lapse task waits for its window). */
const dueNow = (tasks: Task[]) => tasks.filter((t) => t.kind !== "lapse_checkout");

Deno.test("with WORKER=separate the web process records payments alone and `deno task worker` drains their follow-ups", async () => {
  const dir = await Deno.makeTempDir({ prefix: "settle_worker_" });
  const env = {
    KV_PATH: join(dir, "settle.kv"),
    WORKER: "separate",
    EMULATOR_PORT: String(freePort()),
  };
  const app = await createTestApp({ env });
  let worker: Deno.ChildProcess | null = null;
  try {
    const [product] = await stockedProducts(app);
    const session = await checkoutOk(app, { items: [{ productId: product.id, quantity: 1 }] });
    await app.emulator!.pay(session.id, "4242424242424242");
    const paid = await eventually(async () => {
      const order = await orderOf(app, session.orderId);
      return order.status === "paid" ? order : null;
    });
    assertEquals(paid.payment.amountReceived, paid.total);
    const queued = dueNow(await listOrderTasks(app.kv, session.orderId));
    ok(queued.length > 0, "the payment queued follow-ups");
    assertEquals(queued.map((t) => [t.status, t.attempts]), queued.map(() => ["pending", 0]));

    worker = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "tasks/worker.ts"],
      cwd: new URL("..", import.meta.url).pathname,
      env: {
        ...env,
        SETTLE_ENV: "test",
        SESSION_SECRET: "test-secret-test-secret-test-secret!",
        STRIPE_WEBHOOK_SECRET: "whsec_test_secret",
        LOG_LEVEL: "error",
        WORKER_POLL_MS: "50",
      },
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const done = await eventually(async () => {
      const tasks = dueNow(await listOrderTasks(app.kv, session.orderId));
      return tasks.length >= queued.length && tasks.every((t) => t.status === "done")
        ? tasks
        : null;
    }, { timeoutMs: 30_000, intervalMs: 50 });
    ok(done.some((t) => t.kind === "commit_stock"), done.map((t) => t.kind).join());
    assertEquals((await orderOf(app, session.orderId)).stock, "committed");
  } finally {
    if (worker) {
      worker.kill("SIGTERM");
      const status = await worker.status;
      const errors = new TextDecoder().decode(await new Response(worker.stderr).arrayBuffer());
      assertEquals([status.code, errors.trim()], [0, ""]);
    }
    await app.close();
    await Deno.remove(dir, { recursive: true });
  }
});
