import type { LayoutProps } from "$fresh/types.ts";

export default function MarketingLayout({ Component }: LayoutProps) {
  return (
    <main data-layout="marketing">
      <Component />
    </main>
  );
}
