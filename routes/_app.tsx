/**
 * The HTML shell of every page: head, skip link, header with the cart badge, footer. The
 * admin area gets its own header instead and no shop footer.
 */
import type { LayoutProps } from "$fresh/types.ts";
import { AdminHeader, isAdminPath } from "@/components/admin/AdminHeader.tsx";
import { documentTitle, pageMeta } from "@/components/Page.tsx";
import { SiteFooter } from "@/components/SiteFooter.tsx";
import { SiteHeader } from "@/components/SiteHeader.tsx";
import type { AdminState } from "./admin/_middleware.ts";

export default function App({ Component, data, state, url }: LayoutProps<unknown, AdminState>) {
  const admin = isAdminPath(url.pathname);
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{documentTitle(data)}</title>
        <meta name="description" content="Small-batch coffee and brewing gear from Aotearoa." />
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
      </head>
      <body
        class={`flex min-h-screen flex-col font-sans text-ink antialiased ${
          admin ? "bg-slate-50" : "bg-stone-50"
        }`}
      >
        <a
          href="#main"
          class="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:z-50 focus:rounded-lg focus:bg-white focus:px-4 focus:py-2 focus:font-semibold focus:text-brand-700 focus:shadow-lg focus:outline focus:outline-2 focus:outline-brand-600"
        >
          Skip to content
        </a>
        {admin ? <AdminHeader path={url.pathname} state={state} /> : (
          <SiteHeader
            cartCount={state.cartCount ?? 0}
            path={url.pathname}
            liveCart={pageMeta(data).liveCart === true}
          />
        )}
        <main id="main" tabIndex={-1} class="flex-1 focus:outline-none">
          <Component />
        </main>
        {!admin && <SiteFooter />}
      </body>
    </html>
  );
}
