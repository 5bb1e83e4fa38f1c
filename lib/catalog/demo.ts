/**
 * The demo catalog a development store starts with: a small coffee-gear shop priced in NZD,
 * chosen to show every shelf state (plenty, one of a kind, sold out, withdrawn).
 */
import {
  createProduct,
  DuplicateProductError,
  listProducts,
  type ProductInput,
} from "../db/products.ts";

export interface DemoProduct {
  product: ProductInput;
  stock: number;
}

const demo = (
  slug: string,
  title: string,
  unitAmount: number,
  stock: number,
  description: string,
  extra: Partial<ProductInput> = {},
): DemoProduct => ({
  product: {
    id: `prod_${slug.replaceAll("-", "_")}`,
    slug,
    title,
    description,
    unitAmount,
    currency: "nzd",
    image: `/images/${slug}.svg`,
    active: true,
    unique: false,
    ...extra,
  },
  stock,
});

export const DEMO_PRODUCTS: readonly DemoProduct[] = [
  demo(
    "flat-white-blend",
    "Flat White Blend, 250 g",
    1890,
    40,
    "Our house espresso: chocolate and caramel, roasted to cut through milk.",
  ),
  demo(
    "ethiopia-guji",
    "Ethiopia Guji, 250 g",
    2290,
    25,
    "A washed single origin with bergamot and stone fruit. Lovely as a filter.",
  ),
  demo(
    "pour-over-dripper",
    "Ceramic Pour-Over Dripper",
    4500,
    12,
    "A cone dripper glazed in sea green. Fits most mugs and carafes.",
  ),
  demo(
    "studio-mug",
    "Studio Mug, one of a kind",
    6500,
    1,
    "Thrown by hand in Nelson clay. There is exactly one of this glaze.",
    { unique: true },
  ),
  demo(
    "glass-carafe",
    "Glass Carafe, 600 ml",
    3900,
    8,
    "Heat-proof borosilicate glass with a wooden collar.",
  ),
  demo(
    "hand-grinder",
    "Burr Hand Grinder",
    12900,
    5,
    "Steel conical burrs with 40 clicks from espresso to French press.",
  ),
  demo(
    "paper-filters",
    "Paper Filters, pack of 100",
    990,
    100,
    "Unbleached cone filters for the pour-over dripper.",
  ),
  demo(
    "enamel-camp-mug",
    "Enamel Camp Mug",
    2400,
    0,
    "Speckled enamel that survives the tramping track. Back in the spring.",
  ),
  demo(
    "tea-towel",
    "Pōhutukawa Tea Towel",
    1800,
    30,
    "Linen and cotton, printed with summer blossom.",
  ),
  demo(
    "reusable-cup",
    "Reusable Cup, 12 oz",
    2900,
    20,
    "Double-walled, with a lid that does not leak into your bag.",
  ),
  demo(
    "cold-brew-bottle",
    "Cold Brew Bottle",
    3400,
    10,
    "No longer made; kept so that old carts and orders still show it.",
    { active: false },
  ),
];

export interface SeedResult {
  /** Ids of the products this call created. */
  created: string[];
  /** Why nothing (more) was created, when nothing was. */
  skipped?: "store_has_products";
}

/**
 * Seeds the demo catalog into a store that has no products. A store holding only demo
 * products (an earlier seed stopped half-way, or a concurrent seed) is completed; a store
 * with any other product is left alone. Safe to run any number of times.
 */
export async function seedDemoCatalog(kv: Deno.Kv): Promise<SeedResult> {
  const existing = await listProducts(kv, { includeInactive: true });
  const demoIds = new Set(DEMO_PRODUCTS.map((d) => d.product.id));
  if (existing.some((p) => !demoIds.has(p.id))) {
    return { created: [], skipped: "store_has_products" };
  }
  const have = new Set(existing.map((p) => p.id));
  const created: string[] = [];
  for (const { product, stock } of DEMO_PRODUCTS) {
    if (have.has(product.id)) continue;
    try {
      await createProduct(kv, product, stock);
      created.push(product.id);
    } catch (err) {
      // Another process seeded this product first: that is the outcome we wanted.
      if (!(err instanceof DuplicateProductError)) throw err;
    }
  }
  return { created };
}
