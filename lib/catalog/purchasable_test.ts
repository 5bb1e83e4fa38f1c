import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { randomProduct } from "../db/products.ts";
import { AppError } from "../http/errors.ts";
import { assertPurchasable } from "./purchasable.ts";

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return "ok";
  } catch (err) {
    if (err instanceof AppError) return `${err.status} ${err.code}`;
    throw err;
  }
};

Deno.test("each purchase rule is a 422 with its own code", () => {
  const product = randomProduct();
  const cases: [Parameters<typeof assertPurchasable>, string][] = [
    [["p", null, 1, 5], "422 unknown_product"],
    [["p", { ...product, active: false }, 1, 5], "422 product_inactive"],
    [["p", { ...product, unique: true }, 2, 5], "422 unique_item"],
    [["p", product, 6, 5], "422 out_of_stock"],
    [["p", product, 1, 0], "422 out_of_stock"],
    [["p", product, 5, 5], "ok"],
    [["p", { ...product, active: true }, 0, 0], "ok"],
  ];
  for (const [args, expected] of cases) {
    assertEquals(codeOf(() => assertPurchasable(...args)), expected);
  }
});

Deno.test("the out-of-stock message names the product and what is left", () => {
  const product = randomProduct({ title: "Studio Mug" });
  throws(() => assertPurchasable(product.id, product, 2, 1), /Only 1 of Studio Mug available/);
  throws(() => assertPurchasable(product.id, product, 1, 0), /Studio Mug is sold out/);
});
