/**
 * One order for admins: the customer and delivery, items, totals, payment (every session), fulfilment, timestamps,
 * metadata, the provider's events, admin actions, Settle's own records and follow-up tasks.
 * POST runs one action (`action=…`, see lib/admin/order_action.ts) and answers 303 back
 * here with a flash saying what was done or, for a refusal, why not (with the form's fields
 * to fill in again). A refund or cancel runs only when it comes from its confirm step
 * (`confirmed=yes`, see ./[id]/confirm.tsx); so does forgetting the customer; without that it is sent there first.
 */
import type { Handlers, PageProps } from "$fresh/types.ts";
import { AdminPage } from "@/components/admin/AdminPage.tsx";
import {
  AdminActions,
  OtherHistory,
  ProviderEvents,
  TasksPanel,
} from "@/components/admin/HistoryTables.tsx";
import { AttentionPanel, type Draft, OrderActions } from "@/components/admin/OrderActions.tsx";
import {
  CustomerPanel,
  EmailsPanel,
  FulfilmentPanel,
  ItemsPanel,
  MetadataPanel,
  PaymentPanel,
  StatusBadges,
  TimesPanel,
} from "@/components/admin/OrderPanels.tsx";
import { FIELD_BASE, LINK, MONO } from "@/components/admin/styles.ts";
import { AdminTime } from "@/components/admin/time.tsx";
import { Notice } from "@/components/Notice.tsx";
import type { PageMeta } from "@/components/Page.tsx";
import {
  CLEAR_FLASH,
  type Flash,
  readFlash,
  redirectWithFlash,
  refusalFlash,
} from "@/lib/admin/flash.ts";
import {
  ActionInputSchema,
  type ActionName,
  availableActions,
  needsConfirm,
  runAction,
} from "@/lib/admin/order_action.ts";
import { getOrder, listHistory } from "@/lib/db/orders.ts";
import { NotFoundError } from "@/lib/http/errors.ts";
import { readForm } from "@/lib/http/form_body.ts";
import { parseInput } from "@/lib/http/json_body.ts";
import type { HistoryEntry, Order } from "@/lib/orders/types.ts";
import { listOrderTasks, type Task } from "@/lib/tasks/outbox.ts";
import type { AdminState } from "../_middleware.ts";

interface Data extends PageMeta {
  order: Order;
  history: HistoryEntry[];
  tasks: Task[];
  allowed: ActionName[];
  flash: Flash | null;
}

async function load(state: AdminState, id: string) {
  const order = (await getOrder(state.kv, id)).value;
  if (!order) return null;
  const [history, tasks] = await Promise.all([
    listHistory(state.kv, order.id),
    listOrderTasks(state.kv, order.id),
  ]);
  const allowed = [...availableActions(order, tasks)];
  return { title: `Order ${order.number}`, order, history, tasks, allowed };
}

export const handler: Handlers<Data, AdminState> = {
  async GET(req, ctx) {
    const data = await load(ctx.state, ctx.params.id);
    if (!data) return ctx.renderNotFound();
    const flash = await readFlash(req, ctx.state.secret);
    const res = await ctx.render({ ...data, flash });
    if (flash) res.headers.append("set-cookie", CLEAR_FLASH);
    return res;
  },

  async POST(req, ctx) {
    const { state, params } = ctx;
    const here = `/admin/orders/${encodeURIComponent(params.id)}`;
    const { _token: _, confirmed, ...fields } = Object.fromEntries(await readForm(req)) as Draft;
    if (needsConfirm(fields.action) && confirmed !== "yes") {
      return new Response(null, {
        status: 303,
        headers: { location: `${here}/confirm?${new URLSearchParams(fields)}` },
      });
    }
    const cookie = { secret: state.secret, publicOrigin: state.config.publicOrigin };
    try {
      const input = parseInput(ActionInputSchema, fields, "Check the form and try again");
      const result = await runAction(state, params.id, input, state.admin!);
      const flash = { tone: "success" as const, message: result.message, url: result.url };
      return await redirectWithFlash(here, flash, cookie);
    } catch (thrown) {
      if (thrown instanceof NotFoundError) return ctx.renderNotFound();
      const refusal = refusalFlash(thrown, fields);
      if (!refusal) throw thrown;
      return await redirectWithFlash(here, refusal, cookie);
    }
  },
};

function FlashNotice({ flash }: { flash: Flash }) {
  const refused = flash.tone === "error";
  return (
    <Notice tone={flash.tone} title={refused ? "Not done" : undefined} class="mb-4">
      <p>{flash.message}</p>
      {flash.issues && flash.issues.length > 0 && (
        <ul class="mt-1 list-disc pl-5">
          {flash.issues.map((issue, i) => (
            <li key={i}>{issue.path ? `${issue.path}: ` : ""}{issue.message}</li>
          ))}
        </ul>
      )}
      {flash.url && (
        <div class="mt-2 flex items-center gap-2">
          <label for="retry-url" class="sr-only">Checkout link</label>
          <input
            id="retry-url"
            readOnly
            value={flash.url}
            class={`${FIELD_BASE} w-full max-w-xl font-mono`}
            data-retry-url
          />
          <a href={flash.url} class={LINK} target="_blank" rel="noopener noreferrer">Open</a>
        </div>
      )}
    </Notice>
  );
}

export default function OrderPage({ data, state }: PageProps<Data, AdminState>) {
  const { order, history, tasks, allowed, flash } = data;
  const token = state.formToken ?? "";
  const draft = flash?.draft ?? null;
  return (
    <AdminPage
      eyebrow={<a href="/admin" class={LINK}>← Orders</a>}
      heading={`Order ${order.number}`}
      meta={<StatusBadges order={order} />}
      actions={
        <span class="text-xs text-slate-500">
          <span class={MONO}>{order.id}</span> · created <AdminTime at={order.createdAt} />
        </span>
      }
    >
      {flash && <FlashNotice flash={flash} />}
      <div class="grid gap-4 lg:grid-cols-[1fr_20rem] lg:items-start">
        <div class="flex min-w-0 flex-col gap-4">
          <AttentionPanel order={order} token={token} draft={draft} />
          <CustomerPanel order={order} />
          <ItemsPanel order={order} />
          <div class="grid gap-4 xl:grid-cols-2 xl:items-start">
            <PaymentPanel order={order} />
            <div class="flex flex-col gap-4">
              <FulfilmentPanel order={order} />
              <TimesPanel order={order} history={history} />
            </div>
          </div>
        </div>
        <div class="flex flex-col gap-4">
          <OrderActions order={order} allowed={allowed} token={token} draft={draft} />
          <EmailsPanel tasks={tasks} token={token} orderId={order.id} />
          <MetadataPanel order={order} />
        </div>
      </div>
      {/* The history tables get the full width: they have many columns. */}
      <div class="mt-4 flex flex-col gap-4">
        <ProviderEvents entries={history} />
        <AdminActions entries={history} />
        <OtherHistory entries={history} />
        <TasksPanel tasks={tasks} />
      </div>
    </AdminPage>
  );
}
