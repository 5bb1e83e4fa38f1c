/**
 * A labelled form control with its hint and its error beside it, tied with
 * aria-describedby and marked aria-invalid, as every shopper form shows them. Server-only.
 */
import type { ComponentChildren } from "preact";
import { INPUT } from "./styles.ts";

export interface FieldProps {
  id: string;
  name: string;
  label: string;
  value: string;
  error?: string;
  hint?: string;
  type?: "text" | "email" | "tel";
  autocomplete?: string;
  required?: boolean;
  /** Extra classes of the wrapper (grid spans). */
  class?: string;
  inputMode?: "text" | "numeric" | "tel" | "email";
}

/** The ids a control names in aria-describedby: its hint and its error, when present. */
export function describedBy(id: string, hint?: string, error?: string): string | undefined {
  const ids = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean);
  return ids.length ? ids.join(" ") : undefined;
}

/** The control's label with "(required)" said to screen readers only where it is required. */
function Label({ id, label }: { id: string; label: string }) {
  return <label for={id} class="block text-sm font-semibold text-ink">{label}</label>;
}

export function FieldMessages({ id, hint, error }: { id: string; hint?: string; error?: string }) {
  return (
    <>
      {hint && <p id={`${id}-hint`} class="mt-1 text-sm text-stone-600">{hint}</p>}
      {error && (
        <p id={`${id}-error`} class="mt-1 text-sm font-medium text-red-700" data-field-error={id}>
          <span class="sr-only">Error:</span> {error}
        </p>
      )}
    </>
  );
}

export function TextField(props: FieldProps) {
  const { id, name, label, value, error, hint, type = "text", autocomplete, required } = props;
  return (
    <div class={props.class ?? ""}>
      <Label id={id} label={label} />
      <input
        id={id}
        name={name}
        type={type as "text"}
        value={value}
        autocomplete={autocomplete}
        inputMode={props.inputMode}
        aria-required={required ? "true" : undefined}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={describedBy(id, hint, error)}
        class={`${INPUT} mt-1 w-full aria-[invalid=true]:border-red-600`}
      />
      <FieldMessages id={id} hint={hint} error={error} />
    </div>
  );
}

export function SelectField(
  props: Omit<FieldProps, "type" | "inputMode"> & { children: ComponentChildren },
) {
  const { id, name, label, value, error, hint, autocomplete, required, children } = props;
  return (
    <div class={props.class ?? ""}>
      <Label id={id} label={label} />
      <select
        id={id}
        name={name}
        value={value}
        autocomplete={autocomplete}
        aria-required={required ? "true" : undefined}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={describedBy(id, hint, error)}
        class={`${INPUT} mt-1 w-full aria-[invalid=true]:border-red-600`}
      >
        {children}
      </select>
      <FieldMessages id={id} hint={hint} error={error} />
    </div>
  );
}
