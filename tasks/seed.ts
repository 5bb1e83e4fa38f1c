/**
 * `deno task seed`: puts the demo catalog into the configured store (KV_PATH) when it has
 * no products yet, and says what it did.
 */
import { DEMO_PRODUCTS, seedDemoCatalog } from "../lib/catalog/demo.ts";
import { loadConfigOrExit } from "../lib/config.ts";
import { openKv } from "../lib/db/kv.ts";

const config = loadConfigOrExit();
const kv = await openKv(config.kvPath);
try {
  const { created, skipped } = await seedDemoCatalog(kv);
  if (skipped === "store_has_products") {
    console.log(`${config.kvPath} already has its own products; the demo catalog was not added.`);
  } else if (created.length === 0) {
    console.log(`${config.kvPath} already holds the demo catalog; nothing to do.`);
  } else {
    console.log(
      `Seeded ${created.length} of ${DEMO_PRODUCTS.length} demo products into ${config.kvPath}:`,
    );
    for (const { product, stock } of DEMO_PRODUCTS) {
      if (!created.includes(product.id)) continue;
      const state = product.active ? `stock ${stock}` : "inactive";
      console.log(
        `  ${product.slug.padEnd(20)} ${
          (product.unitAmount / 100).toFixed(2)
        } ${product.currency.toUpperCase()}  ${state}`,
      );
    }
  }
} finally {
  kv.close();
}
