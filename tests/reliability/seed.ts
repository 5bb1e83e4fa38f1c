/**
 * The store the processes start on: a few products with stock for every order the suite
 * places, written with the catalog's own createProduct before any process opens the file
 * (a store with products of its own gets no demo catalog).
 */
import { createProduct } from "@/lib/db/products.ts";

export interface SeededProduct {
  id: string;
  unitAmount: number;
  stock: number;
}

const PRODUCTS = [
  { slug: "storm-beans", title: "Storm Beans, 1 kg", unitAmount: 4590 },
  { slug: "crash-mug", title: "Crash-Proof Mug", unitAmount: 2450 },
  { slug: "race-filter", title: "Race Filter Papers", unitAmount: 999 },
  { slug: "fuzz-grinder", title: "Fuzz Grinder", unitAmount: 18900 },
] as const;

export const INITIAL_STOCK = 1_000_000;

export async function seedStore(kvPath: string): Promise<SeededProduct[]> {
  const kv = await Deno.openKv(kvPath);
  try {
    const seeded: SeededProduct[] = [];
    for (const p of PRODUCTS) {
      const product = await createProduct(kv, {
        id: `prod_${p.slug.replaceAll("-", "_")}`,
        slug: p.slug,
        title: p.title,
        description: "Stocked for the reliability suite.",
        unitAmount: p.unitAmount,
        currency: "nzd",
        image: "/images/flat-white-blend.svg",
        active: true,
        unique: false,
      }, INITIAL_STOCK);
      seeded.push({ id: product.id, unitAmount: product.unitAmount, stock: INITIAL_STOCK });
    }
    return seeded;
  } finally {
    kv.close();
  }
}
