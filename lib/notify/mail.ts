/**
 * Mail transports for receipts and shipped notices: an HTTP mail API when MAIL_API_URL is
 * set; without it, the KV outbox (outbox.ts, read at /admin/mail) in development and test and
 * the log in production. The HTTP API gets (POST `{from, to, subject, text, html}` with `Authorization: Bearer MAIL_API_KEY` and
 * an `Idempotency-Key` header, which providers such as Resend and Postmark honour).
 */
import type { Config } from "../config.ts";
import { log } from "../log.ts";
import { postJson } from "./http_post.ts";
import { createKvOutboxTransport } from "./outbox.ts";

export interface MailMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface SendOptions {
  /** Stable per receipt, so a repeated send is one e-mail at a provider that honours it. */
  idempotencyKey: string;
  /** What a log may name the message by: the order number. Never a link, which can be a
   * credential (a success URL's session id shows the order to whoever holds it). */
  reference: string;
  /** The order the message is about (the outbox links it). */
  orderId?: string;
  signal: AbortSignal;
}

export interface MailTransport {
  readonly name: string;
  /** Resolves once the message is accepted; throws when it was not. */
  send(message: MailMessage, options: SendOptions): Promise<{ messageId: string | null }>;
}

/** Notes in the log that a message was due, by its order number, instead of sending it. */
export const logTransport: MailTransport = {
  name: "log",
  send(message, { idempotencyKey, reference }) {
    const what = idempotencyKey.startsWith("shipped:") ? "shipped notice" : "receipt";
    log("info", `${what} (not e-mailed: no mail API configured)`, {
      order: reference,
      to: message.to,
      subject: message.subject,
      idempotencyKey,
    });
    return Promise.resolve({ messageId: null });
  },
};

export interface HttpMailOptions {
  url: string;
  apiKey?: string;
}

export function createHttpMailTransport(options: HttpMailOptions): MailTransport {
  return {
    name: "http",
    async send(message, { idempotencyKey, signal }) {
      const headers: Record<string, string> = { "idempotency-key": idempotencyKey };
      if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
      const text = await postJson(options.url, message, { headers, signal, what: "mail API" });
      return { messageId: readId(text) };
    },
  };
}

function readId(text: string): string | null {
  try {
    const json = JSON.parse(text);
    const id = json?.id ?? json?.messageId ?? json?.MessageID;
    return typeof id === "string" ? id : null;
  } catch {
    return null;
  }
}

/**
 * The configured transport: the HTTP mail API when MAIL_API_URL is set; else, outside
 * production, the KV outbox (when `kv` is given); else the log.
 */
export function createMailTransport(config: Config, kv?: Deno.Kv): MailTransport {
  const { apiUrl, apiKey } = config.mail;
  if (apiUrl) return createHttpMailTransport({ url: apiUrl, apiKey });
  if (config.env !== "production" && kv) return createKvOutboxTransport(kv);
  return logTransport;
}

/** The sender when MAIL_FROM is unset (only allowed without a mail API). */
export const DEFAULT_FROM = "Settle <shop@localhost>";
