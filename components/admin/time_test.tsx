import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { AdminTime, formatShopTime, formatUtc, ShopTimeZone } from "./time.tsx";

const SUMMER = new Date("2026-12-01T20:15:42Z");
const WINTER = new Date("2026-07-01T20:15:42Z");

Deno.test("shop times follow the zone's daylight saving and name it", () => {
  assert.equal(formatShopTime(SUMMER, "Pacific/Auckland"), "2026-12-02 09:15 NZDT");
  assert.equal(formatShopTime(WINTER, "Pacific/Auckland"), "2026-07-02 08:15 NZST");
  assert.equal(formatShopTime(SUMMER, "UTC"), "2026-12-01 20:15 UTC");
});

Deno.test("midnight in the shop's zone reads 00:00, not 24:00", () => {
  assert.equal(
    formatShopTime(new Date("2026-12-01T11:00:00Z"), "Pacific/Auckland"),
    "2026-12-02 00:00 NZDT",
  );
});

Deno.test("the UTC form drops seconds and says UTC", () => {
  assert.equal(formatUtc(SUMMER), "2026-12-01 20:15 UTC");
});

Deno.test("AdminTime renders a <time> in the provided zone with the instant and UTC on hover", () => {
  const html = renderToString(
    <ShopTimeZone.Provider value="Europe/Berlin">
      <AdminTime at={SUMMER.toISOString()} />
    </ShopTimeZone.Provider>,
  );
  assert.match(html, /^<time /);
  assert.match(html, /datetime="2026-12-01T20:15:42\.000Z"/i);
  assert.match(html, /title="2026-12-01 20:15 UTC"/);
  assert.match(html, />2026-12-01 21:15 (CET|GMT\+1)<\/time>$/);
});

Deno.test("AdminTime defaults to Pacific/Auckland outside a provider", () => {
  assert.match(renderToString(<AdminTime at={SUMMER.toISOString()} />), /2026-12-02 09:15 NZDT/);
});

Deno.test("AdminTime shows – for no time and the raw text for one it cannot read", () => {
  assert.equal(renderToString(<AdminTime at={null} />), "–");
  assert.equal(renderToString(<AdminTime at="soon" />), "soon");
});
