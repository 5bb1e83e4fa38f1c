/**
 * One outbox message: its headers, the plain text as text, and the HTML part in a sandboxed
 * `<iframe srcdoc>` (no scripts, no same origin, no forms or navigation), so nothing in a
 * message can run in, or restyle, the admin page. Preact escapes the `srcdoc` attribute.
 */
import type { OutboxMail } from "@/lib/notify/outbox.ts";
import { LINK, MONO, PANEL, PANEL_HEADING } from "./styles.ts";
import { AdminTime } from "./time.tsx";

/** The HTML part as a document of its own: no network, nothing but inline markup. */
export function mailDocument(html: string): string {
  return '<!doctype html><html><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:">` +
    "</head><body>" + html + "</body></html>";
}

export function MailMessage({ mail }: { mail: OutboxMail }) {
  return (
    <div class="grid gap-4">
      <section class={PANEL} aria-labelledby="mail-headers">
        <h2 id="mail-headers" class={PANEL_HEADING}>Message</h2>
        <dl class="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 px-4 py-3 text-sm">
          <dt class="text-slate-500">From</dt>
          <dd class="break-all">{mail.from}</dd>
          <dt class="text-slate-500">To</dt>
          <dd class="break-all" data-mail-to>{mail.to}</dd>
          <dt class="text-slate-500">Subject</dt>
          <dd data-mail-subject>{mail.subject}</dd>
          <dt class="text-slate-500">Sent</dt>
          <dd>
            <AdminTime at={mail.at} />
          </dd>
          <dt class="text-slate-500">Order</dt>
          <dd>
            {mail.orderId
              ? <a href={`/admin/orders/${mail.orderId}`} class={LINK}>{mail.reference}</a>
              : mail.reference}
          </dd>
          <dt class="text-slate-500">Idempotency key</dt>
          <dd class={`${MONO} break-all`}>{mail.idempotencyKey}</dd>
        </dl>
      </section>
      <section class={PANEL} aria-labelledby="mail-text">
        <h2 id="mail-text" class={PANEL_HEADING}>Plain text</h2>
        <pre
          class="overflow-x-auto whitespace-pre-wrap break-words px-4 py-3 font-mono text-sm text-slate-800"
          data-mail-text
        >{mail.text}</pre>
      </section>
      <section class={PANEL} aria-labelledby="mail-html">
        <h2 id="mail-html" class={PANEL_HEADING}>HTML</h2>
        <div class="p-4">
          <iframe
            title={`HTML part of "${mail.subject}"`}
            sandbox=""
            srcdoc={mailDocument(mail.html)}
            class="h-96 w-full rounded border border-slate-200 bg-white"
            data-mail-html
          />
        </div>
      </section>
    </div>
  );
}
