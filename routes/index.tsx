/** The catalog: every product on sale, with its price, stock and an add button. */
import type { Handlers, PageProps } from "$fresh/types.ts";
import { Page, type PageMeta } from "@/components/Page.tsx";
import { ProductCard } from "@/components/ProductCard.tsx";
import { listShelf, type ShelfItem } from "@/lib/catalog/shelf.ts";
import type { ShopState } from "./_middleware.ts";

interface Data extends PageMeta {
  products: ShelfItem[];
}

export const handler: Handlers<Data, ShopState> = {
  async GET(_req, ctx) {
    const shelf = await listShelf(ctx.state.kv);
    // Sold-out products stay listed, after everything that can be bought.
    const products = shelf.toSorted((a, b) => Number(a.stock === 0) - Number(b.stock === 0));
    return ctx.render({ title: "Shop", liveCart: true, products });
  },
};

export default function Catalog({ data }: PageProps<Data, ShopState>) {
  return (
    <Page
      heading="Coffee & brewing gear"
      lead="Small-batch roasts and the tools to brew them well."
    >
      {data.products.length === 0
        ? <p class="text-stone-600">The shelves are empty right now. Please check back soon.</p>
        : (
          <ul class="grid grid-cols-1 gap-6 sm:grid-cols-2 lg:grid-cols-3">
            {data.products.map((product) => <ProductCard key={product.id} product={product} />)}
          </ul>
        )}
    </Page>
  );
}
