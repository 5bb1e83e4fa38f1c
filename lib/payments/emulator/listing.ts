/**
 * Stripe's read conveniences: `expand[]` (ids replaced by the objects they name, dotted paths
 * allowed) and cursor-paginated lists (`limit`, `starting_after`, `ending_before`, `created`).
 */
import type { LineItem, StripeList } from "./objects.ts";
import { invalidParam, type Params } from "./params.ts";
import type { SessionRecord, Store } from "./store.ts";

type Json = Record<string, unknown>;

/** A deep copy of `object` with each `expand` path resolved. */
export function expand<T extends object>(
  store: Store,
  object: T,
  paths: string[],
): T {
  const copy = structuredClone(object) as unknown as Json;
  for (const path of paths) expandPath(store, copy, path.split("."), path);
  return copy as unknown as T;
}

function expandPath(
  store: Store,
  target: Json,
  [head, ...rest]: string[],
  full: string,
): void {
  if (head === "data" && Array.isArray(target.data)) {
    for (const item of target.data as Json[]) {
      expandPath(store, item, rest, full);
    }
    return;
  }
  if (head === "line_items" && target.object === "checkout.session") {
    const record = store.sessions.get(target.id as string);
    if (record) target.line_items = lineItemsList(record);
  } else if (typeof target[head] === "string") {
    const found = store.lookup(target[head] as string);
    if (!found) throw notExpandable(full, head);
    target[head] = structuredClone(found);
  } else if (target[head] === null) {
    return;
  } else if (typeof target[head] !== "object" || target[head] === undefined) {
    throw notExpandable(full, head);
  }
  if (rest.length > 0) expandPath(store, target[head] as Json, rest, full);
}

function notExpandable(full: string, field: string) {
  return invalidParam(
    "expand",
    `This property cannot be expanded (${field}) in '${full}'.`,
  );
}

export function lineItemsList(record: SessionRecord): StripeList<LineItem> {
  return {
    object: "list",
    data: record.lineItems,
    has_more: false,
    url: `/v1/checkout/sessions/${record.session.id}/line_items`,
  };
}

/**
 * One page of `items` (given oldest first, listed newest first as Stripe lists), with the
 * request's `expand[]` applied to each.
 */
export function listPage<T extends { id: string; created?: number }>(
  store: Store,
  items: T[],
  params: Params,
  url: string,
): StripeList<T> {
  const limit = params.integer("limit", { min: 1 }) ?? 10;
  if (limit > 100) {
    throw invalidParam(
      "limit",
      "This value must be less than or equal to 100.",
    );
  }
  const created = readCreated(params);
  let ordered = items.every((item) => item.created !== undefined)
    ? [...items].reverse().filter((item) => created(item.created!))
    : [...items];
  const after = params.string("starting_after");
  const before = params.string("ending_before");
  let hasMore: boolean;
  if (before) {
    ordered = ordered.slice(0, cursor(ordered, before, "ending_before"));
    hasMore = ordered.length > limit;
    ordered = ordered.slice(-limit);
  } else {
    if (after) {
      ordered = ordered.slice(cursor(ordered, after, "starting_after") + 1);
    }
    hasMore = ordered.length > limit;
    ordered = ordered.slice(0, limit);
  }
  const list: StripeList<T> = {
    object: "list",
    data: ordered,
    has_more: hasMore,
    url,
  };
  return expand(store, list, params.list("expand"));
}

function cursor(items: { id: string }[], id: string, param: string): number {
  const index = items.findIndex((item) => item.id === id);
  if (index < 0) {
    throw invalidParam(param, `No such object: '${id}'`, "resource_missing");
  }
  return index;
}

function readCreated(params: Params): (created: number) => boolean {
  const exact = params.integer("created");
  const gt = params.integer("created[gt]");
  const gte = params.integer("created[gte]");
  const lt = params.integer("created[lt]");
  const lte = params.integer("created[lte]");
  return (c) =>
    (exact === undefined || c === exact) && (gt === undefined || c > gt) &&
    (gte === undefined || c >= gte) && (lt === undefined || c < lt) &&
    (lte === undefined || c <= lte);
}
