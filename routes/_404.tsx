/** Any unknown page, and products that are unknown or no longer for sale. */
import { LinkButton } from "@/components/Button.tsx";
import { Page } from "@/components/Page.tsx";
import type { PageProps } from "$fresh/types.ts";

export default function NotFound({ url }: PageProps) {
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
