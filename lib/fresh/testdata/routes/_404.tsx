import type { PageProps } from "$fresh/types.ts";

export default function NotFound({ url }: PageProps) {
  return <h1>Nothing at {url.pathname}</h1>;
}
