import type { LayoutProps } from "$fresh/types.ts";

export default function ProductsLayout({ Component }: LayoutProps) {
  return (
    <section data-layout="products">
      <Component />
    </section>
  );
}
