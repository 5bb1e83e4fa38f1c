/**
 * The development mail outbox: every e-mail Settle would have sent (receipts, shipped
 * notices) when no MAIL_API_URL is set outside production, newest first.
 */
import type { Handlers, PageProps } from "$fresh/types.ts";
import { AdminPage } from "@/components/admin/AdminPage.tsx";
import { MailTable } from "@/components/admin/MailTable.tsx";
import { PANEL } from "@/components/admin/styles.ts";
import type { PageMeta } from "@/components/Page.tsx";
import { listOutbox, type OutboxMail } from "@/lib/notify/outbox.ts";
import type { AdminState } from "../_middleware.ts";

/** The newest this many are listed. */
const SHOWN = 200;

interface Data extends PageMeta {
  mails: OutboxMail[];
  transport: "outbox" | "http" | "log";
}

export const handler: Handlers<Data, AdminState> = {
  async GET(_req, ctx) {
    const { config, kv } = ctx.state;
    const transport = config.mail.apiUrl ? "http" : config.env === "production" ? "log" : "outbox";
    const mails = await listOutbox(kv, SHOWN);
    return ctx.render(
      { title: "Mail outbox", mails, transport },
      { headers: { "cache-control": "no-store" } },
    );
  },
};

const ELSEWHERE = {
  http: "A mail API is configured (MAIL_API_URL): e-mails go there, not here.",
  log: "No mail API is configured: e-mails are noted in the log, not kept here.",
  outbox: null,
};

export default function MailOutbox({ data: { mails, transport } }: PageProps<Data>) {
  return (
    <AdminPage
      heading="Mail outbox"
      meta={
        <span class="text-sm text-slate-600" data-mail-count={mails.length}>
          {mails.length === SHOWN ? `the newest ${SHOWN}` : `${mails.length} kept`}
        </span>
      }
    >
      <p class="mb-4 max-w-3xl text-sm text-slate-600">
        {ELSEWHERE[transport] ??
          "Without a mail API, outside production, every e-mail Settle would send is kept here for 30 days instead of being sent."}
      </p>
      {mails.length === 0
        ? <p class={`${PANEL} px-4 py-6 text-sm text-slate-600`}>No e-mails yet.</p>
        : <MailTable mails={mails} />}
    </AdminPage>
  );
}
