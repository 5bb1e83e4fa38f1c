import { deepStrictEqual as assertEquals, equal } from "node:assert/strict";
import { ulid } from "ulid";
import { parseCsv } from "../../tests/support/csv.ts";
import { writeNewOrder } from "../db/orders.ts";
import { orderIn } from "../orders/order_fixtures.ts";
import {
  CSV_HEADER,
  csvCell,
  csvLine,
  itemsCell,
  orderRow,
  ordersCsvStream,
} from "./orders_csv.ts";

Deno.test("cells: formulas defused, RFC 4180 quoting, unicode as it is", () => {
  const table: [string | number | null, string][] = [
    ["plain", "plain"],
    ["", ""],
    [null, ""],
    [1250, "1250"],
    ['=HYPERLINK("http://x","y")', '"\'=HYPERLINK(""http://x"",""y"")"'],
    ["+64 21 000", "'+64 21 000"],
    ["-2+3", "'-2+3"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\tTab", "'\tTab"],
    ["\rCR", '"\'\rCR"'],
    ["a=b", "a=b"],
    ["Smith, Ana", '"Smith, Ana"'],
    ['say "hi"', '"say ""hi"""'],
    ["line 1\nline 2", '"line 1\nline 2"'],
    ["Tūī Café ✓ 東京", "Tūī Café ✓ 東京"],
  ];
  for (const [value, expected] of table) equal(csvCell(value), expected, JSON.stringify(value));
  equal(csvLine(["a", "b,c", null]), 'a,"b,c",\r\n');
  // Escaped cells read back as the text with its apostrophe.
  assertEquals(parseCsv(csvLine(["=1+1", "x\r\ny", '"q"'])), [["'=1+1", "x\r\ny", '"q"']]);
});

Deno.test("one row per order, in the header's order", () => {
  const order = orderIn("paid", "partially_refunded");
  order.customer = { email: "ana@example.nz", name: "=Ana", phone: "+64 21 1" };
  order.shipping = {
    address: {
      name: "Ana",
      line1: "1 Queen St",
      city: "Auckland",
      postalCode: "1010",
      country: "NZ",
    },
    rateId: "nz",
    label: "Standard",
    amount: 500,
  };
  const row = orderRow(order);
  equal(row.length, CSV_HEADER.length);
  const cell = (name: typeof CSV_HEADER[number]) => row[CSV_HEADER.indexOf(name)];
  equal(cell("number"), order.number);
  equal(cell("items"), "2 × Tee; 1 × Mug");
  equal(cell("customer_name"), "=Ana");
  equal(parseCsv(csvLine(row))[0][CSV_HEADER.indexOf("customer_name")], "'=Ana");
  equal(cell("shipping_amount"), "5.00");
  equal(cell("total"), "65.00");
  equal(cell("refunded"), "10.00");
  equal(cell("currency"), "NZD");
  equal(cell("payment_intent_id"), "pi_1");
  equal(cell("address_line2"), null);
  equal(itemsCell({ items: [] }), "");
});

Deno.test("the stream pages through every order, newest first, header once", async () => {
  using kv = await Deno.openKv(":memory:");
  const ids: string[] = [];
  for (let i = 0; i < 23; i++) {
    const order = orderIn("paid");
    order.id = ulid(Date.parse("2026-03-04T10:00:00Z") + i * 1000);
    order.number = `SO-20260304-${String(i + 1).padStart(4, "0")}`;
    const op = kv.atomic();
    writeNewOrder(op, order);
    await op.commit();
    ids.push(order.id);
  }
  const text = await new Response(ordersCsvStream(kv, {}, "stripe", 5)).text();
  const rows = parseCsv(text);
  assertEquals(rows[0], [...CSV_HEADER]);
  assertEquals(rows.slice(1).map((r) => r.at(-1)), ids.toReversed());
  const empty = parseCsv(
    await new Response(ordersCsvStream(kv, { status: "expired" }, "stripe")).text(),
  );
  assertEquals(empty, [[...CSV_HEADER]]);
});
