/**
 * The `send_receipt` outbox task: one receipt per payment, at most once. Before calling the
 * transport a run commits a `sending` marker under its claim; the `sent` marker lands with
 * the task's completion. A run that finds `sent` sends nothing; one that finds another run's
 * fresh `sending` backs off. Only a run that died mid-send (its window passed) is followed by
 * a resend, with the same idempotency key, which a mail API uses to drop the repeat. An order
 * with no address for its shopper ends "no address": nothing is sent and no marker written.
 */
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
import { EMAIL, metadataEmail } from "./address.ts";
import { NOTIFY_TIMEOUT_MS } from "./http_post.ts";
import { logTransport, type MailMessage, type MailTransport } from "./mail.ts";
import { renderReceipt } from "./receipt.ts";

/** What `["receipts_sent", orderId, paymentKey]` holds. */
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
  from: string;
  publicOrigin: string;
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

/** The shopper's address: order metadata first, else the provider's checkout session. */
async function recipient(order: Order, provider: PaymentProvider | null): Promise<string | null> {
  const fromMetadata = metadataEmail(order);
  if (fromMetadata) return fromMetadata;
  const sessionId = order.payment.sessionId;
  if (!provider || !sessionId) return null;
  try {
    const email = (await provider.retrieveSession(sessionId)).customerEmail?.trim();
    return email && EMAIL.test(email) ? email : null;
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

export function receiptHandler(options: ReceiptTaskOptions): TaskHandler {
  const timeoutMs = options.timeoutMs ?? NOTIFY_TIMEOUT_MS;
  const sendWindowMs = options.sendWindowMs ?? timeoutMs + SEND_GRACE_MS;
  return async (task, run) => {
    const { kv } = run;
    const orderId = task.orderId!;
    const { paymentKey } = task.payload as unknown as ReceiptPayload;
    const key = keys.receiptSent(orderId, paymentKey);
    const order = (await getOrder(kv, orderId)).value;
    if (!order) throw new Error(`order ${orderId} not found`);
    if (!isPaid(order)) return `no receipt: order is ${order.status}`;
    const marker = await kv.get<ReceiptMarker>(key);
    if (marker.value?.status === "sent") return "receipt already sent";
    const owner = `${task.id}:${task.attempts}`;
    const startedAt = run.now().getTime();
    if (marker.value && marker.value.owner !== owner && marker.value.until > startedAt) {
      throw new Error("another run is sending this receipt");
    }
    const to = await recipient(order, options.provider);
    // No marker either: were an address learnt later, the receipt is still unsent.
    if (!to) return NO_ADDRESS;
    const { mail } = options;
    const statusUrl = order.payment.sessionId
      ? `${options.publicOrigin}/checkout/success?session_id=${order.payment.sessionId}`
      : null;
    const message: MailMessage = { from: options.from, to, ...renderReceipt(order, statusUrl) };
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
      throw new Error("the receipt marker changed under this run");
    }
    const ours = { key, versionstamp: claimed.versionstamp };
    let messageId: string | null;
    try {
      ({ messageId } = await mail.send(message, {
        idempotencyKey: `receipt:${orderId}:${paymentKey}`,
        reference: order.number,
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
      ? `receipt for ${to} written to the log (no mail API)`
      : `receipt sent to ${to}`;
    const done = kv.atomic().check(ours).set(key, sent, { expireIn: RECEIPT_MARKER_TTL_MS });
    markDone(done, run.claimed, result, run.now());
    // Were a lock error thrown here, `sending` would stay and later runs wait out the window.
    if ((await commitRetryingLocks(done)).ok) return result;
    // The lease was lost mid-send: the receipt went out all the same, so say so.
    await commitRetryingLocks(
      kv.atomic().check(ours).set(key, sent, { expireIn: RECEIPT_MARKER_TTL_MS }),
    );
    throw new LeaseLostError();
  };
}
