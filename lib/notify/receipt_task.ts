/**
 * The mail tasks of an order, each at most once: `send_receipt` (one receipt per payment) and
 * `send_shipped_notice` (one per order, when fulfilment succeeds). Before calling the
 * transport a run commits a `sending` marker under its claim; the `sent` marker lands with
 * the task's completion. A run that finds `sent` sends nothing; one that finds another run's
 * fresh `sending` backs off. Only a run that died mid-send (its window passed) is followed by
 * a resend, with the same idempotency key, which a mail API uses to drop the repeat. An order
 * with no address for its shopper ends "no address": nothing is sent and no marker written.
 */
import { signOrderToken } from "../checkout/owner_token.ts";
import { commitRetryingLocks } from "../db/atomic.ts";
import { keys, RECEIPT_MARKER_TTL_MS } from "../db/keys.ts";
import { getOrder } from "../db/orders.ts";
import type { ReceiptPayload } from "../facts/follow_ups.ts";
import { isPaid } from "../orders/order.ts";
import type { Order } from "../orders/types.ts";
import { ProviderRejectedError } from "../payments/provider.ts";
import type { PaymentProvider } from "../payments/provider.ts";
import { guardClaim, markDone, type Task } from "../tasks/outbox.ts";
import { LeaseLostError, type TaskHandler, type TaskRun } from "../tasks/worker.ts";
import { knownEmail, usableEmail } from "./address.ts";
import { NOTIFY_TIMEOUT_MS } from "./http_post.ts";
import { DEFAULT_FROM, logTransport, type MailMessage, type MailTransport } from "./mail.ts";
import { OUTBOX_TRANSPORT } from "./outbox.ts";
import { type RenderedReceipt, renderReceipt, renderShippedNotice } from "./receipt.ts";

/** What `["receipts_sent", orderId, paymentKey]` (and `["shipped_notices_sent", orderId]`) holds. */
export interface ReceiptMarker {
  status: "sending" | "sent";
  /** `taskId:attempt` of the run that is sending (or sent) it. */
  owner: string;
  /** Epoch ms until which a `sending` run is presumed alive. */
  until: number;
  to: string;
  transport: string;
  messageId: string | null;
  at: string;
}

export interface ReceiptTaskOptions {
  mail: MailTransport;
  /** Looks up the address the shopper gave on the payment page; null skips it. */
  provider: PaymentProvider | null;
  /** MAIL_FROM; empty: DEFAULT_FROM (allowed only without a mail API). */
  from: string;
  publicOrigin: string;
  /**
   * Signs the shopper's own order link (`/orders/:id?token=…`) for the e-mail. Without it the
   * link is the success page of the order's session, when it has one.
   */
  secret?: string;
  /** Per transport call (default 10 s). */
  timeoutMs?: number;
  /**
   * How long a `sending` marker keeps other runs off. Default: the send timeout plus
   * SEND_GRACE_MS, after which the run that wrote it can no longer be sending (its call was
   * aborted), so a run killed mid-send is followed as soon as its lease runs out.
   */
  sendWindowMs?: number;
}

/** Time a run may need between its send returning and its marker commit landing. */
export const SEND_GRACE_MS = 5_000;

/** The result of a receipt task for a shopper Settle has no address for. */
const NO_ADDRESS = "no address";

/**
 * The shopper's address: the order's customer, then its metadata, else what the provider's
 * checkout session collected.
 */
async function recipient(order: Order, provider: PaymentProvider | null): Promise<string | null> {
  const known = knownEmail(order);
  if (known) return known;
  const sessionId = order.payment.sessionId;
  if (!provider || !sessionId) return null;
  try {
    return usableEmail((await provider.retrieveSession(sessionId)).customerEmail);
  } catch (err) {
    // A session the provider does not know will never have an address; anything else may.
    if (err instanceof ProviderRejectedError) return null;
    throw err;
  }
}

async function assertClaim(run: TaskRun): Promise<void> {
  const current = await run.kv.get<Task>(run.claimed.key);
  if (current.versionstamp !== run.claimed.versionstamp) throw new LeaseLostError();
}

/** The shopper's own order page, with its owner token: for their mailbox only, never a log. */
async function orderUrl(order: Order, options: ReceiptTaskOptions): Promise<string | null> {
  if (options.secret) {
    const token = await signOrderToken(options.secret, order.id);
    return `${options.publicOrigin}/orders/${order.id}?token=${token}`;
  }
  return order.payment.sessionId
    ? `${options.publicOrigin}/checkout/success?session_id=${order.payment.sessionId}`
    : null;
}

/** One kind of e-mail sent at most once per marker key. */
interface OnceMail {
  /** "receipt", "shipped notice": for results and errors. */
  what: string;
  key: Deno.KvKey;
  idempotencyKey: string;
  /** Why this order gets no such e-mail (now), or null to send it. */
  skip(order: Order): string | null;
  render(order: Order, orderUrl: string | null): RenderedReceipt;
}

export function receiptHandler(options: ReceiptTaskOptions): TaskHandler {
  return onceMailHandler(options, (task) => {
    const orderId = task.orderId!;
    const { paymentKey } = task.payload as unknown as ReceiptPayload;
    return {
      what: "receipt",
      key: keys.receiptSent(orderId, paymentKey),
      idempotencyKey: `receipt:${orderId}:${paymentKey}`,
      skip: (order) => isPaid(order) ? null : `no receipt: order is ${order.status}`,
      render: renderReceipt,
    };
  });
}

/** `send_shipped_notice`: one per order, once its fulfilment succeeded. */
export function shippedNoticeHandler(options: ReceiptTaskOptions): TaskHandler {
  return onceMailHandler(options, (task) => {
    const orderId = task.orderId!;
    return {
      what: "shipped notice",
      key: keys.shippedNoticeSent(orderId),
      idempotencyKey: `shipped:${orderId}`,
      skip: (order) =>
        order.fulfillment.status === "success"
          ? null
          : `no shipped notice: fulfilment is ${order.fulfillment.status}`,
      render: renderShippedNotice,
    };
  });
}

/** What a mail task's payload carries when an admin resends it (lib/admin/resend.ts). */
export interface ResendPayload {
  resend: { of: string; by: string; at: string };
  idempotencyKey: string;
}

/**
 * An admin's resend is its own e-mail: its own marker, so the original's
 * "sent" does not stop it, and its own key, so a mail API does not drop it as a repeat.
 */
function asResent(mailing: OnceMail, task: Task): OnceMail {
  const { resend, idempotencyKey } = task.payload as Partial<ResendPayload>;
  if (!resend || typeof idempotencyKey !== "string") return mailing;
  return { ...mailing, key: keys.mailResent(task.id), idempotencyKey };
}

function onceMailHandler(
  options: ReceiptTaskOptions,
  describe: (task: Task) => OnceMail,
): TaskHandler {
  const timeoutMs = options.timeoutMs ?? NOTIFY_TIMEOUT_MS;
  const sendWindowMs = options.sendWindowMs ?? timeoutMs + SEND_GRACE_MS;
  return async (task, run) => {
    const { kv } = run;
    const orderId = task.orderId!;
    const mailing = asResent(describe(task), task);
    const { key, what } = mailing;
    const order = (await getOrder(kv, orderId)).value;
    if (!order) throw new Error(`order ${orderId} not found`);
    const skipped = mailing.skip(order);
    if (skipped) return skipped;
    const marker = await kv.get<ReceiptMarker>(key);
    if (marker.value?.status === "sent") return `${what} already sent`;
    const owner = `${task.id}:${task.attempts}`;
    const startedAt = run.now().getTime();
    if (marker.value && marker.value.owner !== owner && marker.value.until > startedAt) {
      throw new Error(`another run is sending this ${what}`);
    }
    const to = await recipient(order, options.provider);
    // No marker either: were an address learnt later, the e-mail is still unsent.
    if (!to) return NO_ADDRESS;
    const { mail } = options;
    const message: MailMessage = {
      from: options.from || DEFAULT_FROM,
      to,
      ...mailing.render(order, await orderUrl(order, options)),
    };
    const sending: ReceiptMarker = {
      status: "sending",
      owner,
      until: startedAt + sendWindowMs,
      to,
      transport: mail.name,
      messageId: null,
      at: run.now().toISOString(),
    };
    const claimed = await commitRetryingLocks(
      guardClaim(kv.atomic().check(marker), run.claimed)
        .set(key, sending, { expireIn: RECEIPT_MARKER_TTL_MS }),
    );
    if (!claimed.ok) {
      await assertClaim(run);
      throw new Error(`the ${what} marker changed under this run`);
    }
    const ours = { key, versionstamp: claimed.versionstamp };
    let messageId: string | null;
    try {
      ({ messageId } = await mail.send(message, {
        idempotencyKey: mailing.idempotencyKey,
        reference: order.number,
        orderId,
        signal: AbortSignal.timeout(timeoutMs),
      }));
    } catch (err) {
      // Not sent: let the next attempt try again.
      await commitRetryingLocks(kv.atomic().check(ours).delete(key));
      throw err;
    }
    const sent: ReceiptMarker = {
      ...sending,
      status: "sent",
      messageId,
      at: run.now().toISOString(),
    };
    const result = mail.name === logTransport.name
      ? `${what} for ${to} written to the log (no mail API)`
      : mail.name === OUTBOX_TRANSPORT
      ? `${what} for ${to} written to the mail outbox`
      : `${what} sent to ${to}`;
    const done = kv.atomic().check(ours).set(key, sent, { expireIn: RECEIPT_MARKER_TTL_MS });
    markDone(done, run.claimed, result, run.now());
    // Were a lock error thrown here, `sending` would stay and later runs wait out the window.
    if ((await commitRetryingLocks(done)).ok) return result;
    // The lease was lost mid-send: the e-mail went out all the same, so say so.
    await commitRetryingLocks(
      kv.atomic().check(ours).set(key, sent, { expireIn: RECEIPT_MARKER_TTL_MS }),
    );
    throw new LeaseLostError();
  };
}
