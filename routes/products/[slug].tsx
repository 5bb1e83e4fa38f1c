/** One product: picture, description, price, stock, and a quantity to add. */
import type { Handlers, PageProps } from "$fresh/types.ts";
import { Availability } from "@/components/Availability.tsx";
import type { PageMeta } from "@/components/Page.tsx";
import { Price } from "@/components/Price.tsx";
import { CARD, CONTAINER, FOCUS_RING } from "@/components/styles.ts";
import AddToCart from "@/islands/AddToCart.tsx";
import { MAX_QUANTITY } from "@/lib/cart/service.ts";
import { findShelfItem, type ShelfItem } from "@/lib/catalog/shelf.ts";
import type { ShopState } from "../_middleware.ts";

interface Data extends PageMeta {
  product: ShelfItem;
}

export const handler: Handlers<Data, ShopState> = {
  async GET(_req, ctx) {
    const product = await findShelfItem(ctx.state.kv, ctx.params.slug);
    if (!product) return ctx.renderNotFound();
    return ctx.render({ title: product.title, liveCart: true, product });
  },
};

export default function ProductPage({ data: { product } }: PageProps<Data, ShopState>) {
  return (
    <div class={`${CONTAINER} py-8 sm:py-12`}>
      <nav aria-label="Breadcrumb" class="mb-6 text-sm text-stone-600">
        <a href="/" class={`rounded hover:text-ink hover:underline ${FOCUS_RING}`}>Shop</a>
        <span aria-hidden="true" class="mx-2">/</span>
        <span aria-current="page">{product.title}</span>
      </nav>
      <div class="grid gap-8 md:grid-cols-2 md:gap-12">
        <div class={`${CARD} overflow-hidden`}>
          <img
            src={product.image}
            alt={product.title}
            width={400}
            height={300}
            class="aspect-[4/3] w-full object-cover"
          />
        </div>
        <div class="flex flex-col gap-5">
          <div>
            <h1 class="text-3xl font-bold tracking-tight text-ink sm:text-4xl">{product.title}</h1>
            <p class="mt-3 text-2xl font-semibold text-ink">
              <Price amount={product.unitAmount} currency={product.currency} />
            </p>
          </div>
          <Availability stock={product.stock} />
          <p class="max-w-prose text-base leading-relaxed text-stone-700">
            {product.description}
          </p>
          {product.unique && product.stock > 0 && (
            <p class="text-sm text-stone-600">One of a kind: one per order.</p>
          )}
          <div class="border-t border-stone-200 pt-5">
            <AddToCart
              productId={product.id}
              title={product.title}
              available={product.stock}
              max={product.unique ? 1 : MAX_QUANTITY}
              withQuantity
              size="lg"
            />
          </div>
          <p class="text-sm">
            <a
              href="/"
              class={`rounded font-medium text-brand-700 hover:underline ${FOCUS_RING}`}
            >
              ← Keep shopping
            </a>
          </p>
        </div>
      </div>
    </div>
  );
}
