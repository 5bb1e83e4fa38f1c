/**
 * Strangers whose Idempotency-Keys collide: pairs of cookieless clients send the same key at
 * once (half of them byte-identical bodies, half their own), each must get an order of its
 * own and the client cookie that scopes its key. Then each sends its key again: with its
 * cookie and the same body it gets its own order back, with another body a 422 that changes
 * nothing (every KV entry's versionstamp is compared), and its order token opens nothing
 * of its partner's.
 */
import { getOrder } from "@/lib/db/orders.ts";
import { TEST_CARDS } from "@/lib/payments/emulator/server.ts";
import { changes, snapshot } from "./fuzz.ts";
import type { Verdict } from "./oracle.ts";
import { drawLines, unitAmount } from "./storm.ts";
import { type OrderLine, type PlacedOrder, pool, settle, type Suite } from "./suite.ts";

interface Stranger {
  key: string;
  lines: OrderLine[];
  body: { items: OrderLine[]; metadata: Record<string, string> };
  cookie: string;
  orderId: string;
  sessionId: string;
  orderToken: string;
}

interface Placed {
  id: string;
  orderId: string;
  orderToken: string;
}

export interface CollisionResult {
  orders: PlacedOrder[];
  kvChanges: number;
  note: string;
}

const ENDPOINT = "/api/payments/create-checkout-session";

export async function keyCollisions(
  suite: Suite,
  pairs: number,
  concurrency: number,
  settleMs: number,
  v: Verdict,
): Promise<CollisionResult> {
  const strangers: Stranger[] = [];
  let replayed = 0;
  await pool(suite, pairs, Math.max(1, Math.floor(concurrency / 2)), async (prng, i) => {
    const key = `collide-${i}`;
    const shared = i % 2 === 0;
    const bodies = ["a", "b"].map((who) => {
      const lines = shared && who === "b" ? null : drawLines(suite, prng);
      return { who, lines };
    });
    bodies[1].lines ??= bodies[0].lines;
    const pair = await Promise.all(bodies.map(async ({ who, lines }) => {
      const metadata = { stranger: shared ? key : `${key}-${who}` };
      const body = { items: lines!, metadata };
      const res = await suite.client.json<Placed>(ENDPOINT, "POST", body, {
        "idempotency-key": key,
      });
      const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0];
      if (res.status !== 200 || !cookie.startsWith("settle_client=")) {
        v.problems.push(`${key}-${who}: ${res.status}, set-cookie "${cookie}"`);
        return null;
      }
      const { id: sessionId, orderId, orderToken } = res.data;
      return { key, lines: lines!, body, cookie, orderId, sessionId, orderToken };
    }));
    const [a, b] = pair;
    if (!a || !b) return;
    if (a.orderId === b.orderId) {
      v.nonOwner++;
      v.problems.push(`${key}: two strangers were handed one order ${a.orderId}`);
      return;
    }
    for (const [me, other] of [[a, b], [b, a]]) {
      strangers.push(me);
      await checkOwnOrder(suite, me, v);
      if (await replay(suite, me, other, v)) replayed++;
      await checkToken(suite, me, other, v);
    }
  });
  const reused = await reuseKeys(suite, strangers, settleMs, v);
  const orders = strangers.map((s): PlacedOrder => {
    const paid = suite.emulator.pay(s.sessionId, TEST_CARDS.success);
    if (paid.status !== "succeeded") v.problems.push(`${s.key}: paying: ${paid.status}`);
    const total = s.lines.reduce((n, l) => n + unitAmount(suite, l.productId) * l.quantity, 0);
    const order: PlacedOrder = {
      phase: "collide",
      orderId: s.orderId,
      sessionIds: [s.sessionId],
      lines: s.lines,
      total,
      viaCart: false,
      plan: "paid",
    };
    suite.placed.push(order);
    return order;
  });
  return {
    orders,
    kvChanges: reused.kvChanges,
    note: `${pairs} pairs of cookieless strangers on one Idempotency-Key each (half with ` +
      `identical bodies): ${strangers.length} orders, each its requester's own; ` +
      `${replayed} same key+cookie+body resends got their order back; ` +
      `${reused.refused} resends with another body answered 422 and changed nothing`,
  };
}

/** The order handed to `me` is the one `me` asked for: its metadata and items. */
async function checkOwnOrder(suite: Suite, me: Stranger, v: Verdict): Promise<void> {
  const order = (await getOrder(suite.kv, me.orderId)).value;
  const asked = JSON.stringify([me.body.metadata, me.lines.map((l) => [l.productId, l.quantity])]);
  const got = order &&
    JSON.stringify([order.metadata, order.items.map((l) => [l.productId, l.quantity])]);
  if (got !== asked) {
    v.nonOwner++;
    v.problems.push(`${me.key}: handed order ${me.orderId} holding ${got}, asked ${asked}`);
  }
}

/** The same key, cookie and body: the same order and session again. */
async function replay(suite: Suite, me: Stranger, other: Stranger, v: Verdict) {
  const res = await suite.client.json<Placed>(ENDPOINT, "POST", me.body, {
    "idempotency-key": me.key,
    cookie: me.cookie,
  });
  if (res.status === 200 && res.data.orderId === me.orderId && res.data.id === me.sessionId) {
    return true;
  }
  if (res.data?.orderId === other.orderId) v.nonOwner++;
  else if (res.status === 200 && res.data.orderId !== me.orderId) v.doubleApplied++;
  v.problems.push(`${me.key}: resend answered ${res.status} ${JSON.stringify(res.data)}`);
  return false;
}

/** My order token and cookie open nothing of the other stranger's order. */
async function checkToken(suite: Suite, me: Stranger, other: Stranger, v: Verdict) {
  const res = await suite.client.send(`/orders/${other.orderId}?token=${me.orderToken}`, {
    headers: { cookie: me.cookie },
  });
  if (res.status !== 403 && res.status !== 404) {
    v.nonOwner++;
    v.problems.push(`${me.key}: another's order page answered ${res.status} to my token`);
  }
}

/**
 * Every stranger sends its key again with another body, all at once once nothing else is
 * moving: each must get 422 idempotency_key_reused, and the KV file must not change.
 */
async function reuseKeys(suite: Suite, strangers: Stranger[], settleMs: number, v: Verdict) {
  await settle(suite, settleMs);
  const before = await snapshot(suite.kv);
  const sessionsBefore = suite.emulator.sessions().length;
  let refused = 0;
  await Promise.all(strangers.map(async (me) => {
    const [first, ...rest] = me.lines;
    const body = {
      items: [{ ...first, quantity: first.quantity + 1 }, ...rest],
      metadata: { ...me.body.metadata, changed: "yes" },
    };
    const res = await suite.client.json<{ error?: { code: string } }>(ENDPOINT, "POST", body, {
      "idempotency-key": me.key,
      cookie: me.cookie,
    });
    if (res.status === 422 && res.data?.error?.code === "idempotency_key_reused") refused++;
    else {
      v.wrongStates++;
      v.problems.push(
        `${me.key}: reused with another body: ${res.status} ${JSON.stringify(res.data)}`,
      );
    }
  }));
  await settle(suite, settleMs);
  const changed = changes(before, await snapshot(suite.kv));
  v.problems.push(...changed.slice(0, 10).map((c) => `KV ${c} by a refused resend`));
  const opened = suite.emulator.sessions().length - sessionsBefore;
  if (opened) v.problems.push(`refused resends opened ${opened} sessions`);
  return { refused, kvChanges: changed.length };
}
