/** GET /api/products: the products on sale, with the units in stock. */
import type { Handlers } from "$fresh/types.ts";
import { listShelf } from "@/lib/catalog/shelf.ts";
import type { State } from "@/lib/state.ts";

/** One product as the API lists it. */
export interface ProductSummary {
  id: string;
  slug: string;
  title: string;
  /** Minor units (cents). */
  unitAmount: number;
  currency: string;
  stock: number;
  active: boolean;
  /** Path of the picture, e.g. `/images/studio-mug.svg`. */
  image: string;
}

export const handler: Handlers<unknown, State> = {
  async GET(_req, ctx) {
    const shelf = await listShelf(ctx.state.kv);
    const products: ProductSummary[] = shelf.map((p) => ({
      id: p.id,
      slug: p.slug,
      title: p.title,
      unitAmount: p.unitAmount,
      currency: p.currency,
      stock: p.stock,
      active: p.active,
      image: p.image,
    }));
    return Response.json(products);
  },
};
