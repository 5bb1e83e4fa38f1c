/**
 * The confirm step of a refund or cancel when JavaScript runs. Submitting the order page's
 * form (which without JavaScript goes to the confirm page) opens a dialog asking the same
 * question (lib/admin/confirm.ts); its Confirm posts the action with the page's form token,
 * Back or Escape closes it and nothing happens. Input that cannot be put into a question
 * (an amount that is not one, or more than is left) goes on to the confirm page, which
 * refuses it with the server's own words.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { Button } from "../components/Button.tsx";
import {
  cancelDetail,
  type CancelFacts,
  cancelQuestion,
  refundDetail,
  type RefundFacts,
  refundQuestion,
} from "../lib/admin/confirm.ts";
import { parseMajorUnits, toMajorUnits } from "../lib/orders/money.ts";

type Props =
  & {
    /** The id of the form this confirms. */
    form: string;
    /** Where Confirm posts: the order page. */
    post: string;
    /** The page's form token. */
    token: string;
  }
  & ({ kind: "refund"; facts: RefundFacts } | { kind: "cancel"; facts: CancelFacts });

interface Question {
  question: string;
  detail: string;
  /** What Confirm posts besides the token: a full refund as its exact amount. */
  fields: Record<string, string>;
}

function questionFor(props: Props, data: FormData): Question | null {
  const reason = String(data.get("reason") ?? "");
  if (props.kind === "cancel") {
    const { facts } = props;
    return {
      question: cancelQuestion(facts),
      detail: cancelDetail(facts),
      fields: { action: "cancel", reason },
    };
  }
  const { facts } = props;
  const full = data.get("full") === "yes";
  const typed = String(data.get("amount") ?? "").trim();
  if (full === Boolean(typed)) return null;
  const amount = full ? facts.left : parseMajorUnits(typed, facts.currency);
  if (typeof amount !== "number" || amount <= 0 || amount > facts.left) return null;
  return {
    question: refundQuestion(amount, facts),
    detail: refundDetail(facts),
    fields: { action: "refund", amount: toMajorUnits(amount, facts.currency), reason },
  };
}

export default function ConfirmAction(props: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [asked, setAsked] = useState<Question | null>(null);
  const [sending, setSending] = useState(false);

  useEffect(() => {
    const form = document.getElementById(props.form);
    if (!(form instanceof HTMLFormElement)) return;
    const onSubmit = (event: SubmitEvent) => {
      const question = questionFor(props, new FormData(form));
      if (!question) return;
      event.preventDefault();
      setAsked(question);
    };
    form.addEventListener("submit", onSubmit);
    return () => form.removeEventListener("submit", onSubmit);
  }, [props.form]);

  useEffect(() => {
    const open = dialog.current;
    if (!asked || !open || open.open) return;
    setSending(false);
    open.showModal();
    // The harmless choice has the focus, so Enter alone does not refund or cancel.
    open.querySelector<HTMLButtonElement>("[data-back]")?.focus();
  }, [asked]);

  const id = props.form;
  const verb = props.kind === "refund" ? "Confirm refund" : "Confirm cancel";
  return (
    <dialog
      ref={dialog}
      aria-labelledby={`${id}-question`}
      aria-describedby={`${id}-detail`}
      onClose={() => setAsked(null)}
      class="w-full max-w-md rounded-lg border border-slate-200 bg-white p-5 shadow-xl"
    >
      <h2 id={`${id}-question`} class="text-base font-semibold text-slate-900">
        {asked?.question}
      </h2>
      <p id={`${id}-detail`} class="mt-1 text-sm text-slate-700">{asked?.detail}</p>
      <form
        method="post"
        action={props.post}
        class="mt-4 flex flex-wrap gap-2"
        // One post per confirm: the token is single-use, so a second would only be refused.
        onSubmit={(event) => sending ? event.preventDefault() : setSending(true)}
      >
        <input type="hidden" name="_token" value={props.token} />
        <input type="hidden" name="confirmed" value="yes" />
        {Object.entries(asked?.fields ?? {}).map(([name, value]) => (
          <input key={name} type="hidden" name={name} value={value} />
        ))}
        <Button
          type="submit"
          size="sm"
          variant="danger"
          class="ring-1 ring-inset ring-red-200"
          aria-disabled={sending ? "true" : undefined}
        >
          {verb}
        </Button>
        <Button size="sm" variant="secondary" data-back onClick={() => dialog.current?.close()}>
          Back
        </Button>
      </form>
    </dialog>
  );
}
