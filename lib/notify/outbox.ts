/**
 * The development mail outbox: without MAIL_API_URL, outside production, every e-mail Settle
 * would send is written to KV (`["mail_outbox", id]`, kept MAIL_OUTBOX_TTL_MS) instead, so a
 * developer can read it at /admin/mail. An idempotency key already written is not written
 * again, as a mail API that honours the key would drop the repeat.
 */
import { ulid } from "ulid";
import { commitRetryingLocks } from "../db/atomic.ts";
import { keys, MAIL_OUTBOX_TTL_MS } from "../db/keys.ts";
import type { MailTransport } from "./mail.ts";

/** What `["mail_outbox", id]` holds. */
export interface OutboxMail {
  /** Time-ordered (ULID): the newest sorts last. */
  id: string;
  at: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The order the message is about, when it is about one. */
  orderId: string | null;
  /** The order number (what logs may name it by). */
  reference: string;
  idempotencyKey: string;
}

export const OUTBOX_TRANSPORT = "outbox";

export function createKvOutboxTransport(
  kv: Deno.Kv,
  now: () => Date = () => new Date(),
): MailTransport {
  return {
    name: OUTBOX_TRANSPORT,
    async send(message, { idempotencyKey, reference, orderId }) {
      const byKey = keys.mailOutboxByKey(idempotencyKey);
      for (let i = 0; i < 5; i++) {
        const seen = await kv.get<string>(byKey);
        if (seen.value) return { messageId: seen.value };
        const at = now();
        const mail: OutboxMail = {
          id: ulid(at.getTime()),
          at: at.toISOString(),
          ...message,
          orderId: orderId ?? null,
          reference,
          idempotencyKey,
        };
        const res = await commitRetryingLocks(
          kv.atomic().check(seen)
            .set(keys.mailOutbox(mail.id), mail, { expireIn: MAIL_OUTBOX_TTL_MS })
            .set(byKey, mail.id, { expireIn: MAIL_OUTBOX_TTL_MS }),
        );
        if (res.ok) return { messageId: mail.id };
      }
      throw new Error("the mail outbox kept changing under this send");
    },
  };
}

/** The outbox, newest first. */
export async function listOutbox(kv: Deno.Kv, limit = 100): Promise<OutboxMail[]> {
  const out: OutboxMail[] = [];
  for await (
    const entry of kv.list<OutboxMail>({ prefix: keys.mailOutboxAll() }, { reverse: true, limit })
  ) {
    out.push(entry.value);
  }
  return out;
}

export async function getOutboxMail(kv: Deno.Kv, id: string): Promise<OutboxMail | null> {
  return (await kv.get<OutboxMail>(keys.mailOutbox(id))).value;
}
