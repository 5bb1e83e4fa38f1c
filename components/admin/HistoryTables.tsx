/**
 * An order's story on its admin page, from `listHistory`: the provider's events (id, type,
 * when received, outcome), the admins' actions (who, when, what, why) and everything else
 * Settle recorded; then its follow-up tasks and how they went.
 */
import type { ComponentChildren } from "preact";
import type { HistoryEntry } from "../../lib/orders/types.ts";
import type { Task } from "../../lib/tasks/outbox.ts";
import { Badge } from "./Badge.tsx";
import { describeFact, ORDER_STATUS, outcomeLabel, sourceLabel } from "./labels.ts";
import { MONO, TD, TH } from "./styles.ts";
import { Panel } from "./OrderPanels.tsx";
import { ScrollRegion } from "./ScrollRegion.tsx";
import { AdminTime } from "./time.tsx";

/**
 * A panel's table, scrolling sideways on narrow screens. Its name differs from the panel's:
 * two landmarks with one name cannot be told apart.
 */
function Table(
  { label, headings, children, empty }: {
    label: string;
    headings: string[];
    children: ComponentChildren[];
    empty: string;
  },
) {
  if (children.length === 0) return <p class="px-4 py-2 text-sm text-slate-500">{empty}</p>;
  return (
    <ScrollRegion label={label} class="rounded-b-lg">
      <table class="min-w-full text-sm">
        <thead class="bg-slate-50">
          <tr>
            {headings.map((h) => <th key={h} scope="col" class={`${TH} text-left`}>{h}</th>)}
          </tr>
        </thead>
        <tbody class="divide-y divide-slate-100">{children}</tbody>
      </table>
    </ScrollRegion>
  );
}

function Outcome({ entry }: { entry: HistoryEntry }) {
  const [label, tone] = outcomeLabel(entry.outcome);
  return <Badge tone={tone}>{label}</Badge>;
}

function StatusChange({ entry }: { entry: HistoryEntry }) {
  if (entry.from === entry.to) return <span class="text-slate-500">–</span>;
  const name = (s: HistoryEntry["to"]) => ORDER_STATUS[s]?.[0] ?? s;
  return <span class="whitespace-nowrap">{name(entry.from)} → {name(entry.to)}</span>;
}

const when = (entry: HistoryEntry) => (
  <td class={`${TD} whitespace-nowrap text-slate-600`}>
    <AdminTime at={entry.at} />
  </td>
);

export function ProviderEvents({ entries }: { entries: HistoryEntry[] }) {
  const rows = entries.flatMap((e) => {
    if (e.source.kind !== "provider") return [];
    return [
      <tr key={e.seq} data-history={e.seq}>
        {when(e)}
        <td class={`${TD} ${MONO}`}>{e.source.eventType}</td>
        <td class={`${TD} ${MONO}`}>{e.source.eventId}</td>
        <td class={TD}>{describeFact(e.fact)}</td>
        <td class={TD}>
          <Outcome entry={e} />
        </td>
        <td class={TD}>
          <StatusChange entry={e} />
        </td>
      </tr>,
    ];
  });
  return (
    <Panel title="Provider events" id="events">
      <Table
        label="Provider events table"
        headings={["Received", "Type", "Event id", "What it said", "Outcome", "Status"]}
        empty="No provider events yet."
      >
        {rows}
      </Table>
    </Panel>
  );
}

export function AdminActions({ entries }: { entries: HistoryEntry[] }) {
  const rows = entries.flatMap((e) => {
    if (e.source.kind !== "admin") return [];
    return [
      <tr key={e.seq} data-history={e.seq}>
        {when(e)}
        <td class={`${TD} whitespace-nowrap`}>{e.source.actor}</td>
        <td class={TD}>{describeFact(e.fact)}</td>
        <td class={TD}>{e.source.reason}</td>
        <td class={TD}>
          <Outcome entry={e} />
        </td>
        <td class={TD}>
          <StatusChange entry={e} />
        </td>
      </tr>,
    ];
  });
  return (
    <Panel title="Admin actions" id="admin-actions">
      <Table
        label="Admin actions table"
        headings={["When", "Who", "What", "Reason", "Outcome", "Status"]}
        empty="No admin has acted on this order."
      >
        {rows}
      </Table>
    </Panel>
  );
}

/** Entries from Settle itself: the success page, reconciliation, follow-up task results. */
export function OtherHistory({ entries }: { entries: HistoryEntry[] }) {
  const rows = entries.flatMap((e) => {
    if (e.source.kind === "provider" || e.source.kind === "admin") return [];
    return [
      <tr key={e.seq} data-history={e.seq}>
        {when(e)}
        <td class={`${TD} whitespace-nowrap`}>{sourceLabel(e.source)}</td>
        <td class={TD}>{describeFact(e.fact)}</td>
        <td class={TD}>
          <Outcome entry={e} />
        </td>
        <td class={TD}>
          <StatusChange entry={e} />
        </td>
      </tr>,
    ];
  });
  return (
    <Panel title="Settle's own records" id="system-history">
      <Table
        label="Settle's own records table"
        headings={["When", "From", "What", "Outcome", "Status"]}
        empty="Nothing yet."
      >
        {rows}
      </Table>
    </Panel>
  );
}

const TASK_TONE = { pending: "blue", done: "green", dead: "red" } as const;

export function TasksPanel({ tasks }: { tasks: Task[] }) {
  const rows = tasks.map((t) => (
    <tr key={t.id} data-task={t.kind}>
      <td class={`${TD} ${MONO}`}>{t.kind}</td>
      <td class={TD}>
        <Badge tone={TASK_TONE[t.status] ?? "grey"}>{t.status}</Badge>
      </td>
      <td class={`${TD} tabular-nums`}>{t.attempts} / {t.maxAttempts}</td>
      <td class={`${TD} whitespace-nowrap text-slate-600`}>
        <AdminTime at={t.updatedAt} />
      </td>
      <td class={TD}>
        {t.lastError && <p class="text-red-700">{t.lastError}</p>}
        {t.result && <p class="text-slate-700">{t.result}</p>}
        {!t.lastError && !t.result && <span class="text-slate-500">–</span>}
      </td>
    </tr>
  ));
  return (
    <Panel title="Follow-up tasks" id="tasks">
      <Table
        label="Follow-up tasks table"
        headings={["Task", "Status", "Attempts", "Updated", "Result or last error"]}
        empty="No follow-up tasks."
      >
        {rows}
      </Table>
    </Panel>
  );
}
