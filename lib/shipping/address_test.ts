import assert from "node:assert/strict";
import { AddressSchema, CustomerSchema } from "./address.ts";
import { parseCheckoutDetails, resolveDelivery } from "./delivery.ts";
import { postcodeProblem } from "./postcodes.ts";
import { CheckoutDetailsError } from "./errors.ts";
import { parseShippingRates } from "./rates.ts";

Deno.test("postcodes of the served countries", () => {
  const good = [
    ["NZ", "6011"],
    ["AU", "2000"],
    ["US", "94103"],
    ["US", "94103-1234"],
    [
      "GB",
      "SW1A 1AA",
    ],
    ["GB", "m1 1ae"],
    ["GB", "EC1A1BB"],
    ["FR", "75001"],
  ];
  for (const [country, code] of good) assert.equal(postcodeProblem(country, code), null, code);
  const bad = [
    ["NZ", "601"],
    ["NZ", "60111"],
    ["AU", "ABCD"],
    ["US", "9410"],
    [
      "US",
      "94103-12",
    ],
    ["GB", "12345"],
    ["GB", "SW1A"],
  ];
  for (const [country, code] of bad) assert.ok(postcodeProblem(country, code), code);
});

Deno.test("AddressSchema normalises and names the postcode", () => {
  const ok = AddressSchema.parse({
    name: " Kim ",
    line1: "1 Queen St",
    line2: "",
    city: "Auckland",
    postalCode: " 1010 ",
    country: "nz",
  });
  assert.deepEqual([ok.name, ok.line2, ok.postalCode, ok.country], [
    "Kim",
    undefined,
    "1010",
    "NZ",
  ]);
  const bad = AddressSchema.safeParse({
    name: "K",
    line1: "1",
    city: "A",
    postalCode: "10",
    country: "NZ",
  });
  assert.deepEqual(bad.error?.issues.map((i) => i.path.join(".")), ["postalCode"]);
});

Deno.test("CustomerSchema: e-mail, name ≤ 100, phone E.164-ish ≤ 20", () => {
  assert.ok(
    CustomerSchema.safeParse({ email: "kim@example.com", phone: "+64 21 555 0123" }).success,
  );
  const paths = (v: unknown) =>
    CustomerSchema.safeParse(v).error?.issues.map((i) => i.path.join("."));
  assert.deepEqual(paths({ email: "nope" }), ["email"]);
  assert.deepEqual(paths({ email: "a@b.co", name: "x".repeat(101) }), ["name"]);
  assert.deepEqual(paths({ email: "a@b.co", phone: "call me" }), ["phone"]);
  assert.deepEqual(paths({ email: "a@b.co", phone: "1".repeat(21) }), ["phone"]);
});

const rates = parseShippingRates(
  `{"currency":"nzd","zones":[{"id":"nz","countries":["NZ"],"rates":[{"id":"standard","label":"Standard","amount":600,"freeOver":8000}]}]}`,
);
const address = {
  name: "Kim",
  line1: "1 Queen St",
  city: "Auckland",
  postalCode: "1010",
  country: "NZ",
};

Deno.test("resolveDelivery: a shippable basket needs the address and the rate together", () => {
  const basket = { shippable: true, subtotal: 1000, currency: "nzd" };
  const paths = (details: unknown) => {
    try {
      resolveDelivery(rates, parseCheckoutDetails(details), basket);
      return [];
    } catch (err) {
      assert.ok(err instanceof CheckoutDetailsError);
      return err.issues.map((i) => i.path);
    }
  };
  assert.deepEqual(paths({ customer: { email: "a@b.co" } }), ["shipping", "shippingRateId"]);
  assert.deepEqual(paths({ shipping: address }), ["shippingRateId"]);
  assert.deepEqual(paths({ shippingRateId: "standard" }), ["shipping"]);
  assert.deepEqual(paths({ shipping: address, shippingRateId: "standard" }), []);
  const digital = resolveDelivery(
    rates,
    parseCheckoutDetails({ customer: { email: "a@b.co" } }),
    { ...basket, shippable: false },
  );
  assert.deepEqual(digital, { customer: { email: "a@b.co" }, shipping: null });
  const priced = resolveDelivery(
    rates,
    parseCheckoutDetails({ shipping: address, shippingRateId: "standard" }),
    basket,
  );
  assert.deepEqual(priced.shipping?.amount, 600);
});
