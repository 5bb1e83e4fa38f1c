/**
 * Baselines of the catalog bench, each answering every request with the catalog page:
 *   --mode static --file F   the bytes of F (Settle's own HTML, captured once), precomputed;
 *   --mode render --kv K     preact-render-to-string of the same tree (routes/_app.tsx around
 *                            routes/index.tsx, data from the route's own handler, read once),
 *                            without twind's CSS and without island markers;
 *   --mode twind --kv K      the same, plus twind's `extract` of the CSS for every page, as
 *                            Settle did before its stylesheet was prebuilt (lib/fresh/styles.ts).
 * Prints `listening <port>`.
 */
import { parseArgs } from "node:util";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { extract, twind, virtual } from "@twind/core";
import freshConfig from "@/fresh.config.ts";
import App from "@/routes/_app.tsx";
import Catalog, { handler } from "@/routes/index.tsx";
import type { FreshContext, PageProps } from "@/lib/fresh/types.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { mode: { type: "string" }, file: { type: "string" }, kv: { type: "string" } },
});
const HTML = { "content-type": "text/html; charset=utf-8" };

async function pageProps(kvPath: string): Promise<PageProps<never, never>> {
  const kv = await Deno.openKv(kvPath);
  let data: unknown;
  try {
    const ctx = {
      state: { kv },
      render: (d: unknown) => {
        data = d;
        return Promise.resolve(new Response());
      },
    } as unknown as FreshContext<never>;
    await handler.GET!(new Request("http://127.0.0.1/"), ctx);
  } finally {
    kv.close();
  }
  const url = new URL("http://127.0.0.1:8000/");
  return { data, params: {}, url, state: { cartCount: 0 }, route: "/" } as PageProps<never, never>;
}

let respond: () => Response;
if (values.mode === "static") {
  if (!values.file) throw new Error("--file is required");
  const bytes = await Deno.readFile(values.file);
  respond = () => new Response(bytes, { headers: HTML });
} else if (values.mode === "render" || values.mode === "twind") {
  if (!values.kv) throw new Error("--kv is required");
  const props = await pageProps(values.kv);
  const page = () => h(Catalog, props);
  const render = () => `<!DOCTYPE html>${renderToString(h(App, { ...props, Component: page }))}`;
  if (values.mode === "render") {
    respond = () => new Response(render(), { headers: HTML });
  } else {
    const tw = twind(freshConfig.twind, virtual());
    respond = () => {
      const { html, css } = extract(render(), tw);
      return new Response(html.replace("</head>", `<style>${css}</style></head>`), {
        headers: HTML,
      });
    };
  }
} else {
  throw new Error(`--mode must be static, render or twind, got ${values.mode}`);
}

const server = Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: ({ port }) => console.log(`listening ${port}`),
}, () => respond());

Deno.addSignalListener("SIGTERM", async () => {
  await server.shutdown();
  Deno.exit(0);
});
