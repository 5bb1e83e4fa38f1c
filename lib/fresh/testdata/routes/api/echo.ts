import type { Handlers } from "$fresh/types.ts";

export const handler: Handlers = {
  GET(req) {
    return Response.json({ method: req.method }, {
      headers: { "x-echo": "1" },
    });
  },
  async POST(req) {
    return Response.json(await req.json(), { status: 201 });
  },
};
