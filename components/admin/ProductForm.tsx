/**
 * The product form of /admin/products/new and /admin/products/:id: a plain form (it works
 * without JavaScript) with the page's single-use token. The price is typed in the currency's
 * major units ("18.90"). A refused form comes back filled in as it was sent, each field's
 * problem beside it. Stock is not here: it moves by adjustment (ProductStock.tsx).
 */
import type { Issue } from "../../lib/http/json_body.ts";
import { formatMoney, toMajorUnits } from "../../lib/orders/money.ts";
import { isShippable, type Product } from "../../lib/db/products.ts";
import { isTracked } from "../../lib/stock/stock.ts";
import { Button } from "../Button.tsx";
import { FIELD, LABEL } from "./styles.ts";

/** The form's fields as text: what it shows and what it posts. */
export type ProductFormValues = Record<string, string>;

/** The fields this form shows; a problem with any other is told in the page's notice. */
export const PRODUCT_FORM_FIELDS = [
  "title",
  "slug",
  "description",
  "price",
  "image",
  "active",
  "unique",
  "trackStock",
  "shippable",
] as const;

const yes = (on: boolean) => on ? "yes" : "";

/** A stored product as the form shows it. */
export function productFormValues(product: Product): ProductFormValues {
  return {
    title: product.title,
    slug: product.slug,
    description: product.description,
    price: toMajorUnits(product.unitAmount, product.currency),
    image: product.image,
    active: yes(product.active),
    unique: yes(product.unique),
    trackStock: yes(isTracked(product)),
    shippable: yes(isShippable(product)),
  };
}

/** A new product's starting values. */
export const NEW_PRODUCT_VALUES: ProductFormValues = {
  image: "/images/placeholder.svg",
  active: "yes",
  trackStock: "yes",
  shippable: "yes",
};

export interface ProductFormProps {
  /** Where the form posts. */
  action: string;
  token: string;
  values: ProductFormValues;
  /** The price's currency (a new product takes the shop's). */
  currency: string;
  /** The stored price, shown beside the field while editing. */
  currentPrice?: number;
  issues: Issue[];
  submit: string;
}

function Problem({ id, issue }: { id: string; issue?: Issue }) {
  if (!issue) return null;
  return <p id={id} class="mt-1 text-xs font-medium text-red-700">{issue.message}</p>;
}

function TextField(
  { name, label, values, issues, help, multiline, required, maxLength, inputMode }: {
    name: string;
    label: string;
    values: ProductFormValues;
    issues: Issue[];
    help?: string;
    /** A textarea instead of a one-line input. */
    multiline?: boolean;
    required?: boolean;
    maxLength?: number;
    inputMode?: "decimal";
  },
) {
  const id = `product-${name}`;
  const issue = issues.find((i) => i.path === name);
  const described = [help && `${id}-help`, issue && `${id}-error`].filter(Boolean).join(" ");
  const control = {
    id,
    name,
    required,
    maxLength,
    "aria-invalid": issue ? "true" as const : undefined,
    "aria-describedby": described || undefined,
    class: `${FIELD} mt-1 aria-[invalid=true]:border-red-600`,
  };
  return (
    <div>
      <label for={id} class={LABEL}>{label}</label>
      {multiline ? <textarea {...control} rows={4}>{values[name] ?? ""}</textarea> : (
        <input
          {...control}
          value={values[name] ?? ""}
          inputMode={inputMode}
          autocomplete="off"
        />
      )}
      {help && <p id={`${id}-help`} class="mt-1 text-xs text-slate-500">{help}</p>}
      <Problem id={`${id}-error`} issue={issue} />
    </div>
  );
}

function Checkbox(
  { name, label, help, values, issues }: {
    name: string;
    label: string;
    help: string;
    values: ProductFormValues;
    issues: Issue[];
  },
) {
  const id = `product-${name}`;
  const issue = issues.find((i) => i.path === name);
  return (
    <div>
      <label class="flex items-center gap-2 text-sm font-medium text-slate-800">
        <input
          id={id}
          type="checkbox"
          name={name}
          value="yes"
          checked={values[name] === "yes"}
          aria-describedby={`${id}-help${issue ? ` ${id}-error` : ""}`}
          class="h-4 w-4 rounded border-slate-300"
        />
        {label}
      </label>
      <p id={`${id}-help`} class="ml-6 text-xs text-slate-500">{help}</p>
      <Problem id={`${id}-error`} issue={issue} />
    </div>
  );
}

export function ProductForm(
  { action, token, values, currency, currentPrice, issues, submit }: ProductFormProps,
) {
  const field = { values, issues };
  return (
    <form method="post" action={action} class="flex flex-col gap-4 px-4 py-4" id="product-form">
      <input type="hidden" name="_token" value={token} />
      <input type="hidden" name="action" value="save" />
      <div class="grid gap-4 sm:grid-cols-2">
        <TextField {...field} name="title" label="Title" required maxLength={120} />
        <TextField
          {...field}
          name="slug"
          label="Slug"
          required
          maxLength={80}
          help="The product's address in the shop: lowercase words joined by hyphens."
        />
      </div>
      <TextField
        {...field}
        name="description"
        label="Description"
        multiline
        maxLength={2000}
        help="Shown on the product's page."
      />
      <div class="grid gap-4 sm:grid-cols-2">
        <TextField
          {...field}
          name="price"
          label={`Price (${currency.toUpperCase()})`}
          required
          inputMode="decimal"
          help={currentPrice === undefined
            ? "In whole units and decimals, e.g. 18.90."
            : `Now ${formatMoney(currentPrice, currency)}. Saved orders keep their prices.`}
        />
        <TextField
          {...field}
          name="image"
          label="Image"
          required
          maxLength={2000}
          help="A path under static/, e.g. /images/mug.svg, or an https:// address."
        />
      </div>
      <fieldset class="flex flex-col gap-3">
        <legend class={`${LABEL} mb-2`}>Selling</legend>
        <Checkbox
          {...field}
          name="active"
          label="Active"
          help="Listed in the shop and can be bought."
        />
        <Checkbox
          {...field}
          name="unique"
          label="One of a kind"
          help="At most one per cart."
        />
        <Checkbox
          {...field}
          name="trackStock"
          label="Track stock"
          help="Count units on hand; without it the product never sells out."
        />
        <input type="hidden" name="shippableShown" value="yes" />
        <Checkbox
          {...field}
          name="shippable"
          label="Ships to the shopper"
          help="Checkout asks for a delivery address and a shipping method. Untick for digital goods."
        />
      </fieldset>
      <div>
        <Button type="submit" size="sm">{submit}</Button>
      </div>
    </form>
  );
}
