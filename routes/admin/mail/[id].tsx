/** One message of the development mail outbox: headers, plain text and the sandboxed HTML. */
import type { Handlers, PageProps } from "$fresh/types.ts";
import { AdminPage } from "@/components/admin/AdminPage.tsx";
import { MailMessage } from "@/components/admin/MailMessage.tsx";
import { LINK } from "@/components/admin/styles.ts";
import type { PageMeta } from "@/components/Page.tsx";
import { getOutboxMail, type OutboxMail } from "@/lib/notify/outbox.ts";
import type { AdminState } from "../_middleware.ts";

interface Data extends PageMeta {
  mail: OutboxMail;
}

/** ULIDs: anything else is not an outbox id (and never a KV read). */
const ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export const handler: Handlers<Data, AdminState> = {
  async GET(_req, ctx) {
    const id = ctx.params.id;
    const mail = ID.test(id) ? await getOutboxMail(ctx.state.kv, id) : null;
    if (!mail) return ctx.renderNotFound();
    return ctx.render(
      { title: `Mail: ${mail.subject}`, mail },
      { headers: { "cache-control": "no-store" } },
    );
  },
};

export default function MailView({ data: { mail } }: PageProps<Data>) {
  return (
    <AdminPage
      heading={mail.subject}
      eyebrow={<a href="/admin/mail" class={LINK}>← Mail outbox</a>}
    >
      <MailMessage mail={mail} />
    </AdminPage>
  );
}
