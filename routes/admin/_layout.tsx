/** Every admin page shows its times in the shop's time zone (components/admin/time.tsx). */
import type { LayoutProps } from "$fresh/types.ts";
import { ShopTimeZone } from "@/components/admin/time.tsx";
import type { AdminState } from "./_middleware.ts";

export default function AdminLayout({ Component, state }: LayoutProps<unknown, AdminState>) {
  return (
    <ShopTimeZone.Provider value={state.config.shopTimeZone}>
      <Component />
    </ShopTimeZone.Provider>
  );
}
