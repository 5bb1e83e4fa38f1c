import type { LayoutProps } from "$fresh/types.ts";

export default function RootLayout({ Component }: LayoutProps) {
  return (
    <div data-layout="root" class="p-4">
      <Component />
    </div>
  );
}
