import type { PageProps } from "$fresh/types.ts";
import type { TrailState } from "../state.ts";

export default function Home({ state }: PageProps<undefined, TrailState>) {
  return <p class="text-red-500 font-bold">home {state.trail.join(">")}</p>;
}
