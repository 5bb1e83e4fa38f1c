import assert from "node:assert/strict";
import { formatOrderNumber, orderNumberDay, parseOrderNumber } from "./order_number.ts";

Deno.test("order numbers use the UTC day, not the local one", () => {
  // 23:30 on the 4th in UTC is already the 5th in New Zealand.
  const lateUtc = new Date("2026-03-04T23:30:00Z");
  assert.equal(orderNumberDay(lateUtc), "20260304");
  assert.equal(orderNumberDay(new Date("2026-03-05T00:00:00+13:00")), "20260304");
  assert.equal(formatOrderNumber("SO", lateUtc, 7), "SO-20260304-0007");
});

Deno.test("the sequence pads to four digits and keeps growing past 9999", () => {
  const day = new Date("2026-12-31T12:00:00Z");
  assert.equal(formatOrderNumber("AB1", day, 1), "AB1-20261231-0001");
  assert.equal(formatOrderNumber("AB1", day, 9999), "AB1-20261231-9999");
  assert.equal(formatOrderNumber("AB1", day, 10000), "AB1-20261231-10000");
  assert.equal(formatOrderNumber("AB1", day, 123456), "AB1-20261231-123456");
});

Deno.test("bad prefixes, sequences and dates are refused", () => {
  const day = new Date("2026-03-04T00:00:00Z");
  for (const prefix of ["", "so", "S-O", "S O"]) {
    assert.throws(() => formatOrderNumber(prefix, day, 1), RangeError, prefix);
  }
  for (const seq of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => formatOrderNumber("SO", day, seq), RangeError, String(seq));
  }
  assert.throws(() => orderNumberDay(new Date("nope")), RangeError);
});

Deno.test("parseOrderNumber round-trips and canonicalises what people type", () => {
  const number = formatOrderNumber("SO", new Date("2024-02-29T08:00:00Z"), 10042);
  assert.deepEqual(parseOrderNumber(number), {
    prefix: "SO",
    day: "20240229",
    seq: 10042,
    number,
  });
  assert.deepEqual(parseOrderNumber("  so-20260304-0007 "), {
    prefix: "SO",
    day: "20260304",
    seq: 7,
    number: "SO-20260304-0007",
  });
});

Deno.test("parseOrderNumber rejects what formatOrderNumber never produces", () => {
  for (
    const bad of [
      "",
      "SO-20260304",
      "SO-2026034-0001",
      "SO-20260304-001",
      "SO-20260304-00001",
      "SO-20260304-0000",
      "SO-20250229-0001",
      "SO-20261301-0001",
      "SO-20260431-0001",
      "SO-00000101-0001",
      "S_O-20260304-0001",
      "SO-20260304-0001x",
    ]
  ) {
    assert.equal(parseOrderNumber(bad), null, bad);
  }
});
