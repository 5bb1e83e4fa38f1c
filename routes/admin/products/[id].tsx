/**
 * One product for admins: its details form, its stock on hand with the adjustment form, and
 * its stock ledger (newest first; `?ledger=` pages to older entries). POST runs one form
 * (`action=save` or `adjust`, see lib/admin/products.ts) and answers 303 back here with a
 * flash saying what was done or, for a refusal, why not, each field's problem beside it.
 */
import type { Handlers, PageProps } from "$fresh/types.ts";
import { AdminPage } from "@/components/admin/AdminPage.tsx";
import { Panel } from "@/components/admin/OrderPanels.tsx";
import {
  PRODUCT_FORM_FIELDS,
  ProductForm,
  productFormValues,
} from "@/components/admin/ProductForm.tsx";
import { ProductNotice } from "@/components/admin/ProductNotice.tsx";
import { ActiveBadge, productPath } from "@/components/admin/ProductsTable.tsx";
import { LedgerPanel, StockPanel } from "@/components/admin/ProductStock.tsx";
import { LINK, MONO } from "@/components/admin/styles.ts";
import { LinkButton } from "@/components/Button.tsx";
import type { PageMeta } from "@/components/Page.tsx";
import { CLEAR_FLASH, type Flash, readFlash, redirectWithFlash } from "@/lib/admin/flash.ts";
import {
  PRODUCT_FORM_LIMIT,
  productRefusal,
  type ProductView,
  productView,
  runProductForm,
} from "@/lib/admin/products.ts";
import { NotFoundError } from "@/lib/http/errors.ts";
import { readForm } from "@/lib/http/form_body.ts";
import type { AdminState } from "../_middleware.ts";

interface Data extends PageMeta {
  view: ProductView;
  flash: Flash | null;
  /** Showing an older page of the ledger. */
  paged: boolean;
}

export const handler: Handlers<Data, AdminState> = {
  async GET(req, ctx) {
    const cursor = ctx.url.searchParams.get("ledger") || undefined;
    let view: ProductView;
    try {
      view = await productView(ctx.state.kv, ctx.params.id, cursor);
    } catch (thrown) {
      if (thrown instanceof NotFoundError) return ctx.renderNotFound();
      throw thrown;
    }
    const flash = await readFlash(req, ctx.state.secret);
    const res = await ctx.render({ title: view.product.title, view, flash, paged: !!cursor });
    if (flash) res.headers.append("set-cookie", CLEAR_FLASH);
    return res;
  },

  async POST(req, ctx) {
    const { state, params } = ctx;
    const here = productPath(params.id);
    const { _token: _, ...fields } = Object.fromEntries(await readForm(req, PRODUCT_FORM_LIMIT));
    const cookie = { secret: state.secret, publicOrigin: state.config.publicOrigin };
    try {
      const message = await runProductForm(
        state.kv,
        params.id,
        fields,
        state.admin!.actor,
        state.config.currency,
      );
      return await redirectWithFlash(here, { tone: "success", message }, cookie);
    } catch (thrown) {
      if (thrown instanceof NotFoundError) return ctx.renderNotFound();
      const refusal = productRefusal(thrown, fields);
      if (!refusal) throw thrown;
      return await redirectWithFlash(here, refusal, cookie);
    }
  },
};

export default function ProductPage({ data, state }: PageProps<Data, AdminState>) {
  const { view, flash, paged } = data;
  const { product } = view;
  const token = state.formToken ?? "";
  const draft = flash?.draft ?? null;
  const issues = flash?.issues ?? [];
  const refused = (action: string) => draft?.action === action;
  return (
    <AdminPage
      eyebrow={<a href="/admin/products" class={LINK}>← Products</a>}
      heading={product.title}
      meta={<ActiveBadge active={product.active} />}
      actions={
        <>
          <span class={MONO}>{product.id}</span>
          {product.active && (
            <LinkButton href={`/products/${product.slug}`} size="sm" variant="secondary">
              View in shop
            </LinkButton>
          )}
        </>
      }
    >
      {flash && (
        <ProductNotice
          flash={flash}
          shownBeside={refused("adjust")
            ? ["delta", "reason"]
            : refused("save")
            ? PRODUCT_FORM_FIELDS
            : []}
        />
      )}
      <div class="grid gap-4 lg:grid-cols-[1fr_22rem] lg:items-start">
        <Panel title="Details" id="details" class="min-w-0">
          <ProductForm
            action={productPath(product.id)}
            token={token}
            values={refused("save") ? draft! : productFormValues(product)}
            currency={product.currency}
            currentPrice={product.unitAmount}
            issues={refused("save") ? issues : []}
            submit="Save product"
          />
        </Panel>
        <StockPanel
          view={view}
          token={token}
          draft={refused("adjust") ? draft : null}
          issues={refused("adjust") ? issues : []}
        />
      </div>
      <div class="mt-4">
        <LedgerPanel view={view} paged={paged} />
      </div>
    </AdminPage>
  );
}
