import type { Handlers, PageProps } from "$fresh/types.ts";
import { NotFoundError } from "../../../../http/errors.ts";
import type { TrailState } from "../../state.ts";

interface Data {
  slug: string;
  trail: string;
}

export const handler: Handlers<Data, TrailState> = {
  GET(_req, ctx) {
    if (ctx.params.slug === "missing") {
      throw new NotFoundError("No such product");
    }
    return ctx.render(
      { slug: ctx.params.slug, trail: ctx.state.trail.join(">") },
      { headers: { "x-route": ctx.route } },
    );
  },
  POST(_req, ctx) {
    return Response.json({ posted: ctx.params.slug });
  },
};

export default function Product({ data }: PageProps<Data>) {
  return <p>param {data.slug} via {data.trail}</p>;
}
