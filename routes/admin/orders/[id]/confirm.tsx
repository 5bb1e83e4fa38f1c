/**
 * The confirm step of a refund, cancel or forget-customer without JavaScript: the order page's form arrives
 * here by GET (so a reload or Back changes nothing) and this page says what the action would
 * do ("Refund $10.00 of $84.80?") with Confirm, which posts the action to the order page
 * with this page's own form token, and Back. A refusal goes back to the order page with a
 * flash saying why, as the action itself would. The ConfirmAction island asks the same
 * question in a dialog when JavaScript runs.
 */
import type { Handlers, PageProps } from "$fresh/types.ts";
import { AdminPage } from "@/components/admin/AdminPage.tsx";
import { LINK, PANEL } from "@/components/admin/styles.ts";
import { Button, LinkButton } from "@/components/Button.tsx";
import type { PageMeta } from "@/components/Page.tsx";
import { redirectWithFlash, refusalFlash } from "@/lib/admin/flash.ts";
import { confirmAction, type Confirmation } from "@/lib/admin/order_action.ts";
import { NotFoundError } from "@/lib/http/errors.ts";
import type { AdminState } from "../../_middleware.ts";

type Data = PageMeta & Confirmation;

/** The confirm button (and page title) of each action that has a confirm step. */
const VERBS: Record<string, string> = {
  refund: "Confirm refund",
  cancel: "Confirm cancel",
  forget_customer: "Forget customer",
};

export const handler: Handlers<Data, AdminState> = {
  async GET(_req, ctx) {
    const { state, params } = ctx;
    const fields = Object.fromEntries(ctx.url.searchParams);
    try {
      const confirmation = await confirmAction(state, params.id, fields);
      const title = VERBS[confirmation.fields.action] ?? "Confirm";
      return await ctx.render({ title, ...confirmation });
    } catch (thrown) {
      if (thrown instanceof NotFoundError) return ctx.renderNotFound();
      const refusal = refusalFlash(thrown, fields);
      if (!refusal) throw thrown;
      const cookie = { secret: state.secret, publicOrigin: state.config.publicOrigin };
      return await redirectWithFlash(
        `/admin/orders/${encodeURIComponent(params.id)}`,
        refusal,
        cookie,
      );
    }
  },
};

export default function ConfirmPage({ data, state }: PageProps<Data, AdminState>) {
  const { order, question, detail, fields } = data;
  const orderPath = `/admin/orders/${encodeURIComponent(order.id)}`;
  const verb = VERBS[fields.action] ?? "Confirm";
  return (
    <AdminPage
      eyebrow={<a href={orderPath} class={LINK}>← Order {order.number}</a>}
      heading={question}
    >
      <div class={`${PANEL} max-w-xl p-5`}>
        <p class="text-sm text-slate-700">{detail}</p>
        <p class="mt-3 text-sm text-slate-700">
          Reason recorded: <q class="font-medium text-slate-900">{fields.reason}</q>
        </p>
        <form method="post" action={orderPath} class="mt-5 flex flex-wrap gap-2">
          <input type="hidden" name="_token" value={state.formToken ?? ""} />
          <input type="hidden" name="confirmed" value="yes" />
          {Object.entries(fields).map(([name, value]) => (
            <input key={name} type="hidden" name={name} value={value} />
          ))}
          <Button type="submit" size="sm" variant="danger" class="ring-1 ring-inset ring-red-200">
            {verb}
          </Button>
          <LinkButton href={orderPath} size="sm" variant="secondary">Back</LinkButton>
        </form>
      </div>
    </AdminPage>
  );
}
