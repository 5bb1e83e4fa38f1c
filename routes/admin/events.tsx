/**
 * Unmatched events: provider events Settle verified but could not tie to an order (yet),
 * and signed events it could not read. Each is applied by itself once its order is known;
 * the rest stay here for the retention period, so admins see what Stripe said.
 */
import type { Handlers, PageProps } from "$fresh/types.ts";
import { AdminPage } from "@/components/admin/AdminPage.tsx";
import { ScrollRegion } from "@/components/admin/ScrollRegion.tsx";
import { MONO, PANEL, TD, TH } from "@/components/admin/styles.ts";
import { AdminTime } from "@/components/admin/time.tsx";
import type { PageMeta } from "@/components/Page.tsx";
import { type KeptEvent, keptEventsPage, type KeptReason } from "@/lib/facts/kept_events.ts";
import type { AdminState } from "./_middleware.ts";

interface Data extends PageMeta {
  events: KeptEvent[];
  total: number;
  now: number;
}

const REASON: Record<KeptReason, string> = {
  order_unknown: "No order has this session or payment yet",
  malformed_payload: "Signed, but not in the shape Settle reads",
  no_order_reference: "Names no session or payment",
};

export const handler: Handlers<Data, AdminState> = {
  async GET(_req, ctx) {
    const { events, total } = await keptEventsPage(ctx.state.kv);
    return ctx.render(
      { title: "Unmatched events", events, total, now: ctx.state.now().getTime() },
      { headers: { "cache-control": "no-store" } },
    );
  },
};

/** "3 h", "2 d": how long an event has waited. */
function age(fromIso: string, now: number): string {
  const minutes = Math.max(0, Math.round((now - new Date(fromIso).getTime()) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h`;
  return `${Math.round(minutes / 1440)} d`;
}

export default function UnmatchedEvents({ data: { events, total, now } }: PageProps<Data>) {
  const oldest = events[0];
  return (
    <AdminPage
      heading="Unmatched events"
      meta={
        <span class="text-sm text-slate-600" data-kept-count={total}>
          {total} kept{oldest ? `, the oldest ${age(oldest.receivedAt, now)} old` : ""}
        </span>
      }
    >
      <p class="mb-4 max-w-3xl text-sm text-slate-600">
        Verified provider events that name no known order. One that arrived before its order's
        payment is applied by itself as soon as that payment is recorded; events about other apps'
        objects stay here until they expire with the processed event ids (35 days).
      </p>
      {events.length === 0
        ? <p class={`${PANEL} px-4 py-6 text-sm text-slate-600`}>Nothing unmatched.</p>
        : (
          <ScrollRegion label="Unmatched events" class={PANEL}>
            <table class="w-full text-left text-sm">
              <thead class="border-b border-slate-200 bg-slate-50">
                <tr>
                  <th class={TH}>Received</th>
                  <th class={TH}>Age</th>
                  <th class={TH}>Event</th>
                  <th class={TH}>Why it is kept</th>
                  <th class={TH}>Summary</th>
                </tr>
              </thead>
              <tbody class="divide-y divide-slate-100">
                {events.map((e) => (
                  <tr key={e.eventId} data-event-id={e.eventId}>
                    <td class={`${TD} whitespace-nowrap`}>
                      <AdminTime at={e.receivedAt} />
                    </td>
                    <td class={TD}>{age(e.receivedAt, now)}</td>
                    <td class={TD}>
                      <div>{e.type}</div>
                      <div class={MONO}>{e.eventId}</div>
                    </td>
                    <td class={TD}>
                      {REASON[e.reason]}
                      {e.detail && <div class="mt-1 text-xs text-slate-600">{e.detail}</div>}
                    </td>
                    <td class={`${TD} ${MONO}`}>{e.summary}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        )}
    </AdminPage>
  );
}
