/**
 * Mail transports for receipts: the log by default, or an HTTP mail API when MAIL_API_URL is
 * set (POST `{from, to, subject, text, html}` with `Authorization: Bearer MAIL_API_KEY` and
 * an `Idempotency-Key` header, which providers such as Resend and Postmark honour).
 */
import type { Config } from "../config.ts";
import { log } from "../log.ts";
import { postJson } from "./http_post.ts";

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
    log("info", "receipt (not e-mailed: no mail API configured)", {
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

/** The configured transport: the HTTP mail API when MAIL_API_URL is set, else the log. */
export function createMailTransport(config: Config): MailTransport {
  const { apiUrl, apiKey } = config.mail;
  return apiUrl ? createHttpMailTransport({ url: apiUrl, apiKey }) : logTransport;
}
