/**
 * The development mail outbox as a list: newest first, each message with its recipient,
 * subject, time and the order it is about.
 */
import type { OutboxMail } from "@/lib/notify/outbox.ts";
import { ScrollRegion } from "./ScrollRegion.tsx";
import { LINK, MONO, PANEL, TD, TH } from "./styles.ts";
import { AdminTime } from "./time.tsx";

export function MailTable({ mails }: { mails: OutboxMail[] }) {
  return (
    <ScrollRegion label="Outbox messages" class={PANEL}>
      <table class="w-full text-left text-sm">
        <thead class="border-b border-slate-200 bg-slate-50">
          <tr>
            <th class={TH}>Sent</th>
            <th class={TH}>To</th>
            <th class={TH}>Subject</th>
            <th class={TH}>Order</th>
          </tr>
        </thead>
        <tbody class="divide-y divide-slate-100">
          {mails.map((m) => (
            <tr key={m.id} data-mail-id={m.id}>
              <td class={`${TD} whitespace-nowrap`}>
                <AdminTime at={m.at} />
              </td>
              <td class={`${TD} break-all`}>{m.to}</td>
              <td class={TD}>
                <a href={`/admin/mail/${m.id}`} class={LINK}>{m.subject}</a>
              </td>
              <td class={`${TD} whitespace-nowrap`}>
                {m.orderId
                  ? <a href={`/admin/orders/${m.orderId}`} class={LINK}>{m.reference}</a>
                  : <span class={MONO}>{m.reference}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}
