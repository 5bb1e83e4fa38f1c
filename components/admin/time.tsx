/**
 * Every time on the admin pages: shown in the shop's time zone (SHOP_TIME_ZONE), with the
 * exact instant in `datetime` and in UTC on hover. routes/admin/_layout.tsx provides the zone.
 */
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import { DEFAULT_SHOP_TIME_ZONE } from "../../lib/config.ts";

/** The zone admin times are shown in. */
export const ShopTimeZone = createContext(DEFAULT_SHOP_TIME_ZONE);

/** Making a formatter costs far more than using one; a shop has one zone. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-NZ", {
      timeZone: zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZoneName: "short",
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** "2026-12-02 09:15 NZDT": `date` as a clock in `zone` shows it, with the zone's name. */
export function formatShopTime(date: Date, zone: string): string {
  const part = Object.fromEntries(
    formatterFor(zone).formatToParts(date).map(({ type, value }) => [type, value]),
  );
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute} ${part.timeZoneName}`;
}

/** "2026-12-01 20:15 UTC". */
export function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** A time from an ISO string; "–" when there is none, the raw text when it is not a time. */
export function AdminTime({ at }: { at: string | null | undefined }) {
  const zone = useContext(ShopTimeZone);
  if (!at) return <>–</>;
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return <>{at}</>;
  return (
    <time dateTime={date.toISOString()} title={formatUtc(date)} class="tabular-nums">
      {formatShopTime(date, zone)}
    </time>
  );
}
