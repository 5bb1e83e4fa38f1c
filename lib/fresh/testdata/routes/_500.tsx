import type { PageProps } from "$fresh/types.ts";

export default function ServerError({ error }: PageProps) {
  return <h1>Failed: {error instanceof Error ? error.message : "?"}</h1>;
}
