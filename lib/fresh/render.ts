/**
 * Renders a page to a full HTML response: `_app` → layouts → page through
 * preact-render-to-string, the twind CSS of the classes used, and islands (server-rendered
 * inside `<fresh-island>` markers, hydrated by the boot script only when a page has one).
 */
import { type ComponentType, h, options, type VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import { Signal } from "@preact/signals";
import { extract, twind, type TwindConfig, virtual } from "@twind/core";
import { SIGNAL_KEY, STATE_ID } from "./boot.ts";
import type { IslandAssets } from "./bundle.ts";
import { islandName } from "./manifest.ts";
import type { LayoutProps, Manifest, PageProps } from "./types.ts";

export type PageComponent = (props: PageProps) => VNode | null;
export type LayoutComponent = (props: LayoutProps) => VNode | null;
type Props = Record<string, unknown>;
/** Twind's config type is invariant in its theme; `any` takes every preset's theme, as
 * twind's own extract() does. */
// deno-lint-ignore no-explicit-any
export type AnyTwindConfig = TwindConfig<any>;

/** What one render needs; `app` defaults to a minimal html shell. */
export interface PageParts {
  app?: LayoutComponent;
  layouts: LayoutComponent[];
  page: PageComponent;
  props: PageProps;
}

const islands = new Map<ComponentType<Props>, ComponentType<Props>>();
/** Islands met by the render in progress (renderToString is synchronous, so one at a time). */
let found: [string, Props][] | null = null;
let creatingIsland = false;

/** Makes every default export of `islands/` render inside a marker on the server. */
export function registerIslands(manifest: Manifest): void {
  for (const [key, mod] of Object.entries(manifest.islands)) {
    const island = mod.default as ComponentType<Props>;
    if (typeof island === "function") islands.set(island, marker(islandName(key), island));
  }
}

function marker(name: string, island: ComponentType<Props>): ComponentType<Props> {
  return (props: Props) => {
    creatingIsland = true;
    const inner = h(island, props);
    creatingIsland = false;
    if (!found) return inner;
    const { children: _, ...data } = props;
    const i = found.push([name, data]) - 1;
    return h("fresh-island", { "data-name": name, "data-i": i }, inner);
  };
}

const previousVnode = options.vnode;
options.vnode = (vnode) => {
  const wrapped = creatingIsland ? undefined : islands.get(vnode.type as ComponentType<Props>);
  if (wrapped) vnode.type = wrapped;
  previousVnode?.(vnode);
};

function DefaultApp({ Component }: LayoutProps): VNode {
  const viewport = { name: "viewport", content: "width=device-width, initial-scale=1" };
  return h(
    "html",
    null,
    h("head", null, h("meta", { charset: "utf-8" }), h("meta", viewport)),
    h("body", null, h(Component, {})),
  );
}

function compose({ app = DefaultApp, layouts, page, props }: PageParts): VNode {
  let inner: ComponentType<Record<string, never>> = () => h(page, props);
  for (const layout of [app, ...layouts].reverse()) {
    const Component: ComponentType<Record<string, never>> = inner;
    inner = () => h(layout, { ...props, Component });
  }
  return h(inner, {});
}

/** JSON for a `<script>` body: signals become markers, and `<`, `>`, `&`, U+2028/9 escapes. */
export function serializeState(used: [string, Props][], urls: Record<string, string>): string {
  const signals: Signal[] = [];
  const json = JSON.stringify(used, function (this: Props, key: string, value: unknown) {
    const raw = this[key]; // `value` has already been through Signal#toJSON
    if (!(raw instanceof Signal)) return value;
    const i = signals.indexOf(raw);
    return { [SIGNAL_KEY]: i < 0 ? signals.push(raw) - 1 : i };
  });
  const values = JSON.stringify(signals.map((s) => s.peek()));
  return `{"urls":${JSON.stringify(urls)},"signals":${values},"islands":${json}}`
    .replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function insertBefore(html: string, tag: string, text: string): string {
  const i = tag === "</head>" ? html.indexOf(tag) : html.lastIndexOf(tag);
  return i < 0 ? html + text : html.slice(0, i) + text + html.slice(i);
}

/** Distinct class sets remembered; a shop has a few dozen, so this bound is never near. */
const CSS_CACHE_LIMIT = 1000;

/**
 * The sorted, distinct class tokens of a rendered body: pages of one route share them, and
 * the CSS twind makes for a set never changes, so it is made once per set.
 */
function classSet(body: string): string {
  const tokens = new Set<string>();
  for (const [, value] of body.matchAll(/\sclass="([^"]*)"/g)) {
    for (const token of value.split(/\s+/)) if (token) tokens.add(token);
  }
  return [...tokens].sort().join(" ");
}

/** One renderer per app: it owns the twind instance whose CSS each response extracts. */
export function createRenderer(config: AnyTwindConfig, assets: IslandAssets) {
  const tw = twind(config, virtual());
  // Extraction was about 70% of a page's render time (docs/BENCHMARKS.md).
  const cssBySet = new Map<string, string>();
  const cssFor = (body: string): string => {
    const key = classSet(body);
    let css = cssBySet.get(key);
    if (css === undefined) {
      css = extract(body, tw).css;
      if (cssBySet.size >= CSS_CACHE_LIMIT) cssBySet.clear();
      cssBySet.set(key, css);
    }
    return css;
  };
  return (parts: PageParts, init: ResponseInit = {}, nonce?: string): Response => {
    found = [];
    let body: string;
    let used: [string, Props][];
    try {
      body = renderToString(compose(parts));
    } finally {
      used = found;
      found = null;
    }
    const css = cssFor(body);
    const n = nonce ? ` nonce="${nonce}"` : "";
    let head = `<style${n}>${css}${used.length ? "fresh-island{display:contents}" : ""}</style>`;
    let tail = "";
    if (used.length) {
      const urls: Record<string, string> = {};
      for (const [name] of used) {
        urls[name] = assets.islands[name];
        if (!urls[name]) throw new Error(`Island "${name}" is missing from the bundle`);
      }
      for (const url of [assets.boot, ...Object.values(urls)]) {
        head += `<link rel="modulepreload" href="${url}">`;
      }
      tail = `<script type="application/json" id="${STATE_ID}"${n}>${serializeState(used, urls)}` +
        `</script><script type="module" src="${assets.boot}"${n}></script>`;
    }
    const headers = new Headers(init.headers);
    headers.set("content-type", "text/html; charset=utf-8");
    const document = insertBefore(insertBefore(body, "</head>", head), "</body>", tail);
    return new Response(`<!DOCTYPE html>${document}`, { ...init, headers });
  };
}

export type Renderer = ReturnType<typeof createRenderer>;
