/**
 * A new product: the product form, empty but for its defaults. POST saves it and answers
 * 303 to the product's page (where its stock is set by adjustment), or back here with a
 * flash naming each field's problem and the form's fields to fill in again.
 */
import type { Handlers, PageProps } from "$fresh/types.ts";
import { AdminPage } from "@/components/admin/AdminPage.tsx";
import { Panel } from "@/components/admin/OrderPanels.tsx";
import {
  NEW_PRODUCT_VALUES,
  PRODUCT_FORM_FIELDS,
  ProductForm,
} from "@/components/admin/ProductForm.tsx";
import { ProductNotice } from "@/components/admin/ProductNotice.tsx";
import { productPath } from "@/components/admin/ProductsTable.tsx";
import { LINK } from "@/components/admin/styles.ts";
import type { PageMeta } from "@/components/Page.tsx";
import { CLEAR_FLASH, type Flash, readFlash, redirectWithFlash } from "@/lib/admin/flash.ts";
import {
  PRODUCT_FORM_LIMIT,
  productRefusal,
  savedMessage,
  saveProductForm,
} from "@/lib/admin/products.ts";
import { readForm } from "@/lib/http/form_body.ts";
import type { AdminState } from "../_middleware.ts";

interface Data extends PageMeta {
  flash: Flash | null;
}

const HERE = "/admin/products/new";

export const handler: Handlers<Data, AdminState> = {
  async GET(req, ctx) {
    const flash = await readFlash(req, ctx.state.secret);
    const res = await ctx.render({ title: "New product", flash });
    if (flash) res.headers.append("set-cookie", CLEAR_FLASH);
    return res;
  },

  async POST(req, ctx) {
    const { state } = ctx;
    const { _token: _, ...fields } = Object.fromEntries(await readForm(req, PRODUCT_FORM_LIMIT));
    const cookie = { secret: state.secret, publicOrigin: state.config.publicOrigin };
    try {
      const saved = await saveProductForm(
        state.kv,
        null,
        fields,
        state.admin!.actor,
        state.config.currency,
      );
      const flash = { tone: "success" as const, message: savedMessage(saved) };
      return await redirectWithFlash(productPath(saved.product.id), flash, cookie);
    } catch (thrown) {
      const refusal = productRefusal(thrown, fields);
      if (!refusal) throw thrown;
      return await redirectWithFlash(HERE, refusal, cookie);
    }
  },
};

export default function NewProduct({ data: { flash }, state }: PageProps<Data, AdminState>) {
  const draft = flash?.draft;
  return (
    <AdminPage
      eyebrow={<a href="/admin/products" class={LINK}>← Products</a>}
      heading="New product"
    >
      {/* A draft too long for the cookie is dropped: then the notice lists the problems. */}
      {flash && <ProductNotice flash={flash} shownBeside={draft ? PRODUCT_FORM_FIELDS : []} />}
      <Panel title="Details" id="details" class="max-w-3xl">
        <ProductForm
          action={HERE}
          token={state.formToken ?? ""}
          values={draft ?? NEW_PRODUCT_VALUES}
          currency={state.config.currency}
          issues={draft ? flash?.issues ?? [] : []}
          submit="Create product"
        />
      </Panel>
    </AdminPage>
  );
}
