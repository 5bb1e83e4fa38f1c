/**
 * Renders a page to a full HTML response: `_app` → layouts → page through
 * preact-render-to-string, a link to the prebuilt stylesheet (styles.ts), and islands
 * (server-rendered inside `<fresh-island>` markers, hydrated by the boot script only when a
 * page has one). No CSS is made per request.
 */
import { type ComponentType, h, options, type VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import { Signal } from "@preact/signals-core";
import { SIGNAL_KEY, STATE_ID } from "./boot.ts";
import type { IslandAssets } from "./bundle.ts";
import { islandName } from "./manifest.ts";
import type { LayoutProps, Manifest, PageProps } from "./types.ts";

export type PageComponent = (props: PageProps) => VNode | null;
export type LayoutComponent = (props: LayoutProps) => VNode | null;
type Props = Record<string, unknown>;

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
  // A replacer runs JavaScript for every key: only props that hold a signal need one.
  const json = holdsSignal(used) ? withSignalMarkers(used, signals) : JSON.stringify(used);
  const values = JSON.stringify(signals.map((s) => s.peek()));
  return `{"urls":${JSON.stringify(urls)},"signals":${values},"islands":${json}}`
    .replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Whether a signal sits anywhere in plain data (past MAX_DEPTH, assume one). */
function holdsSignal(value: unknown, depth = 0): boolean {
  if (value instanceof Signal) return true;
  if (typeof value !== "object" || value === null) return false;
  if (depth > MAX_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === "function") {
    return true;
  }
  for (const v of Array.isArray(value) ? value : Object.values(value)) {
    if (holdsSignal(v, depth + 1)) return true;
  }
  return false;
}

/** Island props nest a few levels; deeper (or cyclic) data takes the careful path. */
const MAX_DEPTH = 16;

function withSignalMarkers(used: [string, Props][], signals: Signal[]): string {
  return JSON.stringify(used, function (this: Props, key: string, value: unknown) {
    const raw = this[key]; // `value` has already been through Signal#toJSON
    if (!(raw instanceof Signal)) return value;
    const i = signals.indexOf(raw);
    return { [SIGNAL_KEY]: i < 0 ? signals.push(raw) - 1 : i };
  });
}

/**
 * The document: `head` before the first `</head>`, `tail` before the last `</body>` (each
 * appended when its tag is missing). One search of the rendered string, one result: every
 * extra pass would copy the whole page again.
 */
function documentOf(body: string, head: string, tail: string): string {
  const h = body.indexOf("</head>");
  const b = body.lastIndexOf("</body>");
  const headAt = h < 0 ? body.length : h;
  const tailAt = b < 0 ? body.length : b;
  const [first, at, second, then] = tailAt < headAt
    ? [tail, tailAt, head, headAt]
    : [head, headAt, tail, tailAt];
  return `<!DOCTYPE html>${body.slice(0, at)}${first}${body.slice(at, then)}${second}${
    body.slice(then)
  }`;
}

/**
 * One renderer per app. `stylesheet` is the URL of the app's stylesheet, linked from every
 * page; `assets` are the island bundles.
 */
export function createRenderer(stylesheet: string, assets: IslandAssets) {
  const styleLink = `<link rel="stylesheet" href="${stylesheet}">`;
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
    const n = nonce ? ` nonce="${nonce}"` : "";
    let head = styleLink;
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
    return new Response(documentOf(body, head, tail), { ...init, headers });
  };
}

export type Renderer = ReturnType<typeof createRenderer>;
