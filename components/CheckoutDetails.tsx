/**
 * The checkout's details: the error summary (focused on a refused post, each problem a link
 * to its field), the e-mail, and the delivery address for a basket that ships. Server-only:
 * the delivery methods are the ShippingChoice island, placed by the page after these.
 */
import type {
  CountryOption,
  DetailField,
  DetailValues,
  FieldErrors,
} from "../lib/checkout/checkout_details.ts";
import { DETAIL_FIELDS } from "../lib/checkout/checkout_details.ts";
import { SelectField, TextField } from "./FormField.tsx";
import { TEXT_LINK } from "./styles.ts";

export function ErrorSummary({ errors }: { errors: FieldErrors }) {
  const fields = DETAIL_FIELDS.filter((f) => errors[f]);
  if (fields.length === 0) return null;
  return (
    <div
      role="alert"
      tabIndex={-1}
      autofocus
      aria-labelledby="error-summary-title"
      class="mb-6 rounded-xl bg-red-50 px-4 py-3 text-sm text-red-800 ring-1 ring-inset ring-red-200 focus:outline focus:outline-2 focus:outline-red-700"
      data-error-summary
    >
      <h2 id="error-summary-title" class="font-semibold">
        {fields.length === 1 ? "One detail needs fixing" : `${fields.length} details need fixing`}
      </h2>
      <ul class="mt-2 list-disc space-y-1 pl-5">
        {fields.map((field) => (
          <li key={field}>
            <a href={`#${field}`} class={TEXT_LINK}>{errors[field]}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}

interface DetailsProps {
  values: DetailValues;
  errors: FieldErrors;
}

const field = (name: DetailField, { values, errors }: DetailsProps) => ({
  id: name,
  name,
  value: values[name],
  error: errors[name],
});

export function ContactFields(props: DetailsProps) {
  return (
    <fieldset>
      <legend class="text-base font-semibold text-ink">Contact</legend>
      <div class="mt-3 grid gap-4 sm:grid-cols-2">
        <TextField
          {...field("email", props)}
          label="E-mail"
          type="email"
          autocomplete="email"
          hint="For your receipt and news of your order."
          required
          class="sm:col-span-2"
        />
      </div>
    </fieldset>
  );
}

export function AddressFields(props: DetailsProps & { countries: CountryOption[] }) {
  return (
    <fieldset class="mt-6">
      <legend class="text-base font-semibold text-ink">Delivery address</legend>
      <div class="mt-3 grid gap-4 sm:grid-cols-2">
        <TextField
          {...field("name", props)}
          label="Full name"
          autocomplete="shipping name"
          required
          class="sm:col-span-2"
        />
        <TextField
          {...field("line1", props)}
          label="Address line 1"
          autocomplete="shipping address-line1"
          required
          class="sm:col-span-2"
        />
        <TextField
          {...field("line2", props)}
          label="Address line 2 (optional)"
          autocomplete="shipping address-line2"
          class="sm:col-span-2"
        />
        <TextField
          {...field("city", props)}
          label="Town or city"
          autocomplete="shipping address-level2"
          required
        />
        <TextField
          {...field("region", props)}
          label="Region (optional)"
          autocomplete="shipping address-level1"
        />
        <TextField
          {...field("postalCode", props)}
          label="Postcode"
          autocomplete="shipping postal-code"
          required
        />
        <SelectField
          {...field("country", props)}
          label="Country"
          autocomplete="shipping country"
          required
        >
          {props.countries.map((c) => (
            <option key={c.code} value={c.code} selected={c.code === props.values.country}>
              {c.name}
            </option>
          ))}
        </SelectField>
        <TextField
          {...field("phone", props)}
          label="Phone (optional)"
          type="tel"
          autocomplete="shipping tel"
          hint="Only for the courier, if they need to reach you."
          class="sm:col-span-2"
        />
      </div>
    </fieldset>
  );
}
