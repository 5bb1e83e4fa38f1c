/** Any unknown page, and products that are unknown or no longer for sale. */
import { AdminError } from "@/components/admin/AdminError.tsx";
import { isAdminPath } from "@/components/admin/AdminHeader.tsx";
import { LinkButton } from "@/components/Button.tsx";
import { Page, type PageMeta } from "@/components/Page.tsx";
import type { HandlerFn, PageProps } from "$fresh/types.ts";

/** Gives the page its own title: the tab of a mistyped link says what happened. */
export const handler: HandlerFn<PageMeta> = (_req, ctx) => ctx.render({ title: "Page not found" });

export default function NotFound({ url }: PageProps) {
  if (isAdminPath(url.pathname)) return <AdminError url={url} status={404} />;
  return (
    <Page
      width="narrow"
      eyebrow="Error 404"
      heading="We couldn’t find that page"
      lead={
        <>
          Nothing lives at <code class="rounded bg-stone-200 px-1.5 py-0.5">{url.pathname}</code>.
          {" "}
          It may have moved, or the product is no longer for sale.
        </>
      }
    >
      <div class="flex flex-wrap gap-3">
        <LinkButton href="/" size="lg">Back to the shop</LinkButton>
        <LinkButton href="/cart" variant="secondary" size="lg">View your cart</LinkButton>
      </div>
    </Page>
  );
}
