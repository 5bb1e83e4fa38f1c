/**
 * Refunds and disputes that reach Settle before the payment they undo: each order is paid
 * on the emulator while the forwarder holds back every event about it, then partly refunded
 * (through the API, as an admin script would) and disputed. Copies of those two events,
 * stripped of order metadata so they name only the payment intent, are posted first, signed
 * as Stripe signs; then the hold is lifted and the emulator's retries bring the payment and
 * the originals (same event ids: duplicates by then). Settle must keep the early two and
 * apply them once the payment is known: every refund and dispute recorded exactly once.
 */
import Stripe from "stripe";
import { keys } from "@/lib/db/keys.ts";
import { getOrder } from "@/lib/db/orders.ts";
import { type StripeEvent, TEST_CARDS } from "@/lib/payments/emulator/server.ts";
import { stripeSignature } from "@/lib/payments/stripe_fixtures.ts";
import type { Verdict } from "./oracle.ts";
import { WEBHOOK_SECRET } from "./processes.ts";
import { placeOrder } from "./storm.ts";
import { type PlacedOrder, pool, type Suite } from "./suite.ts";

export interface EarlyEvents {
  orders: PlacedOrder[];
  /** Pays, refunds, disputes and delivers early; resolves once the hold is lifted. */
  play(): Promise<void>;
  /** After everything settled: what the report says about it. */
  report(): Promise<string>;
}

const TYPES = ["charge.refunded", "charge.dispute.created"] as const;

/** Places `count` orders (the only sessions this part opens), to be played later. */
export async function placeEarly(
  suite: Suite,
  count: number,
  concurrency: number,
  v: Verdict,
): Promise<EarlyEvents> {
  const orders: PlacedOrder[] = [];
  await pool(suite, count, concurrency, async (prng, i) => {
    const order = await placeOrder(suite, prng, "early", i, "paid");
    order.keptEvents = [];
    orders.push(order);
    suite.placed.push(order);
  });
  const refunds = new Map<string, number>();
  const intentOf = new Map<string, string>();
  const heldBefore = suite.forwarder.stats().held;
  let notKept = 0;

  const play = async () => {
    const ids = new Set(orders.map((o) => o.orderId));
    const intents = new Set<string>();
    const release = suite.forwarder.hold(({ object }) => {
      const meta = object.metadata as Record<string, string> | undefined;
      return ids.has(meta?.order_id ?? "") || intents.has(String(object.payment_intent));
    });
    try {
      const stripe = new Stripe("sk_test_reliability", {
        ...suite.emulator.apiBase,
        maxNetworkRetries: 2,
      });
      const prng = suite.prng.fork();
      for (const order of orders) {
        const paid = suite.emulator.pay(order.sessionIds[0], TEST_CARDS.success);
        const intent = paid.session.payment_intent as string;
        intents.add(intent);
        intentOf.set(order.orderId, intent);
        refunds.set(order.orderId, prng.int(1, order.total - 1));
      }
      // Refunds go through the API; a dispute cannot be refunded, so it comes second.
      await pool(suite, orders.length, concurrency, async (_, i) => {
        const order = orders[i];
        const intent = intentOf.get(order.orderId)!;
        await stripe.refunds.create({ payment_intent: intent, amount: refunds.get(order.orderId) });
        suite.emulator.dispute(intent);
      });
      const early = earlyEvents(suite.emulator.events(), intents);
      await pool(suite, orders.length, concurrency, async (prng, i) => {
        const order = orders[i];
        const pair = early.get(intentOf.get(order.orderId)!) ?? [];
        if (pair.length !== TYPES.length) {
          v.problems.push(`early ${order.orderId}: the emulator made ${pair.length} events`);
        }
        // Either may come first; both come before the payment's own events.
        if (prng.chance(0.5)) pair.reverse();
        for (const event of pair) {
          order.keptEvents!.push(event.id);
          if (!await deliverEarly(suite, event, v)) notKept++;
        }
      });
    } finally {
      release();
    }
  };

  const report = async () => {
    let refunded = 0;
    let disputed = 0;
    let stillKept = 0;
    for (const order of orders) {
      const stored = (await getOrder(suite.kv, order.orderId)).value;
      if (stored?.payment.refundedAmount === refunds.get(order.orderId)) refunded++;
      if (stored?.needsAttention.some((a) => a.reason === "dispute")) disputed++;
      const kept = await suite.kv.getMany(
        order.keptEvents!.map((id) => keys.eventKept("stripe", id)),
      );
      stillKept += kept.filter((e) => e.value).length;
    }
    if (notKept) v.problems.push(`early: ${notKept} early events were not kept on arrival`);
    const held = suite.forwarder.stats().held - heldBefore;
    return `early refunds and disputes: ${orders.length} orders paid while ${held} deliveries ` +
      `were held back (503, retried); their partial refund and dispute posted first, ` +
      `${orders.length * 2 - notKept} kept on arrival; ${refunded} refunds and ${disputed} ` +
      `disputes recorded once the payment landed, ${stillKept} events still kept`;
  };
  return { orders, play, report };
}

/** The refund and dispute events of each intent, by intent. */
function earlyEvents(events: StripeEvent[], intents: Set<string>): Map<string, StripeEvent[]> {
  const byIntent = new Map<string, StripeEvent[]>();
  for (const event of events) {
    const intent = (event.data.object as { payment_intent?: string }).payment_intent;
    if (!intent || !intents.has(intent) || !TYPES.includes(event.type as typeof TYPES[number])) {
      continue;
    }
    byIntent.set(intent, [...byIntent.get(intent) ?? [], event]);
  }
  return byIntent;
}

/**
 * Posts `event` to a process with its order metadata removed, signed with the endpoint's
 * secret as the emulator signs. True when Settle kept it (its order is not known yet).
 */
async function deliverEarly(suite: Suite, event: StripeEvent, v: Verdict): Promise<boolean> {
  const object = { ...event.data.object, metadata: {} };
  const body = JSON.stringify({ ...event, data: { object } });
  const reply = await suite.client.send("/api/payments/webhook", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "stripe-signature": await stripeSignature(body, WEBHOOK_SECRET),
    },
    body,
  });
  if (reply.status !== 200) {
    v.problems.push(`early ${event.type} ${event.id}: ${reply.status} ${reply.body.slice(0, 200)}`);
    return false;
  }
  const kept = await suite.kv.get(keys.eventKept("stripe", event.id));
  return kept.value !== null;
}
