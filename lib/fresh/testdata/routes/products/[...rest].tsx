import type { PageProps } from "$fresh/types.ts";

export default function Rest({ params, route }: PageProps) {
  return <p>rest [{params.rest}] {route}</p>;
}
