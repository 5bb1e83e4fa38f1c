/**
 * A product's stock on its admin page: the level on hand with a form to adjust it (+ or −
 * units, with a reason, recorded in the ledger), and the ledger itself, newest first a page
 * at a time: every adjustment beside the moves Settle makes for orders (reserved, committed,
 * released, returned), each linked to its order.
 */
import type { ProductView } from "../../lib/admin/products.ts";
import type { Issue } from "../../lib/http/json_body.ts";
import type { LedgerEntry, LedgerKind } from "../../lib/stock/ledger.ts";
import { Button, LinkButton } from "../Button.tsx";
import { Badge } from "./Badge.tsx";
import type { Tone } from "./labels.ts";
import { Panel } from "./OrderPanels.tsx";
import { productPath, StockLevel } from "./ProductsTable.tsx";
import { ScrollRegion } from "./ScrollRegion.tsx";
import { FIELD, LABEL, LINK, MONO, TD, TH } from "./styles.ts";
import { AdminTime } from "./time.tsx";

const KIND: Record<LedgerKind, [string, Tone]> = {
  adjusted: ["Adjusted", "blue"],
  reserved: ["Reserved", "amber"],
  committed: ["Committed", "green"],
  released: ["Released", "grey"],
  returned: ["Returned", "violet"],
};

export interface StockPanelProps {
  view: ProductView;
  token: string;
  /** The refused adjustment's fields and problems, to show it again. */
  draft: Record<string, string> | null;
  issues: Issue[];
}

function Problem({ id, issue }: { id: string; issue?: Issue }) {
  if (!issue) return null;
  return <p id={id} class="mt-1 text-xs font-medium text-red-700">{issue.message}</p>;
}

/** The level on hand and the adjustment form (none for a product whose stock is untracked). */
export function StockPanel({ view, token, draft, issues }: StockPanelProps) {
  const deltaIssue = issues.find((i) => i.path === "delta");
  const reasonIssue = issues.find((i) => i.path === "reason");
  return (
    <Panel title="Stock" id="stock">
      <p class="flex items-center gap-2 px-4 pt-3 text-sm text-slate-700">
        On hand: <StockLevel row={view} />
      </p>
      {view.stock === null
        ? (
          <p class="px-4 py-3 text-sm text-slate-600">
            Stock is not tracked: the product never sells out. Tick “Track stock” to count it.
          </p>
        )
        : (
          <form
            method="post"
            action={productPath(view.product.id)}
            class="flex flex-col gap-3 px-4 py-3"
            id="adjust-form"
          >
            <input type="hidden" name="_token" value={token} />
            <input type="hidden" name="action" value="adjust" />
            <div>
              <label for="adjust-delta" class={LABEL}>Change (units)</label>
              <input
                id="adjust-delta"
                name="delta"
                type="number"
                step={1}
                required
                value={draft?.delta ?? ""}
                aria-invalid={deltaIssue ? "true" : undefined}
                aria-describedby={`adjust-delta-help${deltaIssue ? " adjust-delta-error" : ""}`}
                class={`${FIELD} mt-1 aria-[invalid=true]:border-red-600`}
              />
              <p id="adjust-delta-help" class="mt-1 text-xs text-slate-500">
                A positive number adds units (a delivery), a negative one takes them away (e.g. -2
                for breakages). Stock never goes below zero.
              </p>
              <Problem id="adjust-delta-error" issue={deltaIssue} />
            </div>
            <div>
              <label for="adjust-reason" class={LABEL}>Reason</label>
              <textarea
                id="adjust-reason"
                name="reason"
                required
                minLength={3}
                maxLength={500}
                rows={2}
                aria-invalid={reasonIssue ? "true" : undefined}
                aria-describedby={reasonIssue ? "adjust-reason-error" : undefined}
                class={`${FIELD} mt-1 aria-[invalid=true]:border-red-600`}
              >
                {draft?.reason ?? ""}
              </textarea>
              <Problem id="adjust-reason-error" issue={reasonIssue} />
            </div>
            <div>
              <Button type="submit" size="sm" variant="secondary">Adjust stock</Button>
            </div>
          </form>
        )}
    </Panel>
  );
}

function Change({ entry }: { entry: LedgerEntry }) {
  if (entry.kind === "committed") {
    return <span class="text-slate-600">{entry.quantity ?? 0} sold</span>;
  }
  // A true minus sign: a hyphen reads as a dash.
  const text = entry.delta > 0 ? `+${entry.delta}` : `\u2212${-entry.delta}`;
  return <span class="font-medium tabular-nums text-slate-900">{text}</span>;
}

function OrderCell(
  { entry, numbers }: { entry: LedgerEntry; numbers: Map<string, string> },
) {
  if (!entry.orderId) return <span class="text-slate-500">–</span>;
  const number = numbers.get(entry.orderId);
  if (!number) {
    // A placement that never became an order: nothing to link to.
    return <span class={MONO} title="No order was placed">{entry.orderId} (not placed)</span>;
  }
  return <a href={`/admin/orders/${encodeURIComponent(entry.orderId)}`} class={LINK}>{number}</a>;
}

/** The ledger page, with links to older entries and back to the newest. */
export function LedgerPanel({ view, paged }: { view: ProductView; paged: boolean }) {
  const here = productPath(view.product.id);
  const rows = view.ledger.map((entry) => {
    const [label, tone] = KIND[entry.kind] ?? [entry.kind, "grey"];
    return (
      <tr key={entry.id} data-ledger-kind={entry.kind}>
        <td class={`${TD} whitespace-nowrap text-slate-600`}>
          <AdminTime at={entry.at} />
        </td>
        <td class={TD}>
          <Badge tone={tone}>{label}</Badge>
        </td>
        <td class={`${TD} whitespace-nowrap text-right`}>
          <Change entry={entry} />
        </td>
        <td class={`${TD} text-right tabular-nums`}>{entry.after ?? "–"}</td>
        <td class={`${TD} whitespace-nowrap`}>
          <OrderCell entry={entry} numbers={view.orderNumbers} />
        </td>
        <td class={TD}>
          {entry.reason && <span class="text-slate-900">{entry.reason}</span>}
          {entry.actor && <span class="block text-xs text-slate-500">by {entry.actor}</span>}
          {!entry.reason && !entry.actor && <span class="text-slate-500">–</span>}
        </td>
      </tr>
    );
  });
  return (
    <Panel title="Stock ledger" id="ledger">
      {rows.length === 0
        ? <p class="px-4 py-2 text-sm text-slate-500">No stock movements yet.</p>
        : (
          <ScrollRegion label="Stock ledger table" class="rounded-b-lg">
            <table class="min-w-full text-sm">
              <thead class="bg-slate-50">
                <tr>
                  <th scope="col" class={`${TH} text-left`}>When</th>
                  <th scope="col" class={`${TH} text-left`}>Movement</th>
                  <th scope="col" class={`${TH} text-right`}>Change</th>
                  <th scope="col" class={`${TH} text-right`}>On hand after</th>
                  <th scope="col" class={`${TH} text-left`}>Order</th>
                  <th scope="col" class={`${TH} text-left`}>Reason</th>
                </tr>
              </thead>
              <tbody class="divide-y divide-slate-100">{rows}</tbody>
            </table>
          </ScrollRegion>
        )}
      {(paged || view.ledgerCursor) && (
        <nav aria-label="Ledger pages" class="flex justify-end gap-2 px-4 py-2">
          {paged && (
            <LinkButton href={`${here}#ledger`} size="sm" variant="secondary">
              ← Newest
            </LinkButton>
          )}
          {view.ledgerCursor && (
            <LinkButton
              href={`${here}?ledger=${encodeURIComponent(view.ledgerCursor)}#ledger`}
              size="sm"
              variant="secondary"
              rel="next"
            >
              Older →
            </LinkButton>
          )}
        </nav>
      )}
    </Panel>
  );
}
