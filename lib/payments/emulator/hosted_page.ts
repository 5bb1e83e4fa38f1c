/**
 * The hosted payment page (`/pay/:sessionId`), standing in for checkout.stripe.com: one plain
 * accessible form, no script. Every value from a request or session goes through Hono's
 * `html` tag, which escapes it.
 */
import { type Context, Hono } from "hono";
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { BANK_DEBIT, TEST_CARDS } from "./cards.ts";
import { formatMoney } from "../../orders/money.ts";
import { type PayerDetails, type PayResult, successRedirect } from "./payments.ts";
import type { SessionRecord, Store } from "./store.ts";

export interface PageOptions {
  store: Store;
  /** Runs a payment attempt exactly as `emulator.pay()` does. */
  pay: (sessionId: string, choice: string, payer?: PayerDetails) => PayResult;
}

/** What Stripe Checkout accepts as an e-mail, near enough: one plausible address. */
const EMAIL = /^[^\s@<>,]+@[^\s@<>,]+\.[^\s@<>,]+$/;

type Markup = HtmlEscapedString | Promise<HtmlEscapedString>;

interface FormState {
  method: string;
  cardNumber: string;
  /** What the shopper typed in the e-mail field (shown only when none was prefilled). */
  email: string;
  error?: string;
  /** The error is about the e-mail field. */
  emailError?: boolean;
}

export function pageRoutes({ store, pay }: PageOptions): Hono {
  const app = new Hono();

  app.get("/pay/:id", (c) => {
    const record = store.session(c.req.param("id"));
    if (!record) return notFound(c);
    if (record.session.status !== "open") return c.html(closedPage(record));
    return c.html(formPage(record, { method: "card", cardNumber: "", email: "" }));
  });

  app.post("/pay/:id", async (c) => {
    const id = c.req.param("id");
    if (!store.session(id)) return notFound(c);
    const form = await c.req.parseBody();
    const method = String(form.method ?? "card");
    const cardNumber = String(form.card_number ?? "");
    const email = String(form.email ?? "").trim().slice(0, 800);
    const asking = store.session(id)!.session.customer_email === null;
    if (asking && !EMAIL.test(email)) {
      const record = store.session(id)!;
      if (record.session.status !== "open") return c.html(closedPage(record), 409);
      const error = email ? "Enter a valid e-mail address." : "Enter your e-mail address.";
      return c.html(
        formPage(record, { method, cardNumber, email, error, emailError: true }),
        400,
      );
    }
    const result = pay(id, method === "card" ? cardNumber : method, asking ? { email } : {});
    const record = store.session(id)!;
    switch (result.status) {
      case "succeeded":
      case "processing":
        return result.redirectUrl
          ? c.redirect(result.redirectUrl, 303)
          : c.html(closedPage(record));
      case "declined":
        return c.html(
          formPage(record, {
            method,
            cardNumber,
            email,
            error: result.decline.message,
          }),
          402,
        );
      case "invalid":
        return c.html(
          formPage(record, { method, cardNumber, email, error: result.message }),
          400,
        );
      case "unavailable":
        return c.html(closedPage(record), 409);
    }
  });

  return app;
}

function notFound(c: Context) {
  return c.html(
    layout(
      "Checkout not found",
      html`
        <h1>Checkout not found</h1>
        <p>This payment link is not valid. Return to the shop and start checkout again.</p>
      `,
    ),
    404,
  );
}

function formPage(record: SessionRecord, state: FormState): Markup {
  const { session, lineItems } = record;
  const total = formatMoney(session.amount_total, session.currency);
  const checked = (value: string) => state.method === value ? html`checked` : "";
  const error = state.error
    ? html`<p id="pay-error" class="error" role="alert">${state.error}</p>`
    : "";
  return layout(
    `Pay ${total}`,
    html`
      <h1>Pay ${total}</h1>
          <p
        class="note">Test mode: no real money moves. Emulated Stripe Checkout.</p>
          <h2>Order summary</h2>
          <ul class="items">${lineItems.map((item) =>
            html`<li><span>${item.description} × ${item.quantity}</span>
          <span>${formatMoney(item.amount_total, item.currency)}</span></li>`
          )}</ul>
          <p class="total"><span>Total</span> <span>${total}</span></p>
          ${error}
          <form method="post">
        ${emailField(session.customer_email, state)}
        <fieldset>
          <legend>Payment method</legend>
          <label><input type="radio" name="method" value="card" ${checked(
            "card",
          )}> Card</label>
          <label><input type="radio" name="method" value="${BANK_DEBIT
            .succeeds}"
                ${checked(
                  BANK_DEBIT.succeeds,
                )}> Bank debit (settles later; test account succeeds)</label>
          <label><input type="radio" name="method" value="${BANK_DEBIT.fails}"
                ${checked(
                  BANK_DEBIT.fails,
                )}> Bank debit (settles later; test account fails)</label>
        </fieldset>
        <p>
          <label for="card_number">Card number</label>
          <input id="card_number" name="card_number" inputmode="numeric"
            autocomplete="cc-number"
            placeholder="4242 4242 4242 4242" value="${state.cardNumber}"
            aria-describedby="card-help${state.error && !state.emailError ? " pay-error" : ""}">
        </p>
        <p id="card-help" class="help">Test cards: ${TEST_CARDS
          .success} succeeds,
              ${TEST_CARDS.genericDecline} is declined, ${TEST_CARDS
                .insufficientFunds} has
              insufficient funds.</p>
        <button type="submit">Pay ${total}</button>
      </form>
          ${session.cancel_url
            ? html`<p><a href="${session.cancel_url}">Cancel and return to shop</a></p>`
            : ""}
    `,
  );
}

/**
 * Stripe Checkout asks for the e-mail unless the session was created with `customer_email`,
 * which it shows instead (read-only).
 */
function emailField(prefilled: string | null, state: FormState): Markup {
  if (prefilled !== null) {
    return html`<p class="help" id="paying-as">Paying as <strong>${prefilled}</strong></p>`;
  }
  const described = `email-help${state.emailError ? " pay-error" : ""}`;
  return html`
    <p>
      <label for="email">Email</label>
      <input id="email" name="email" type="email" required autocomplete="email"
        value="${state.email}" aria-describedby="${described}"
        ${state.emailError ? html`aria-invalid="true" autofocus` : ""}>
    </p>
    <p id="email-help" class="help">Your receipt and order updates go here.</p>
  `;
}

function closedPage(record: SessionRecord): Markup {
  const { session } = record;
  if (session.status === "expired") {
    return layout(
      "Checkout expired",
      html`<h1>This checkout has expired</h1>
      <p>The payment window closed before payment was made. No money was taken.</p>
      ${session.cancel_url ? html`<p><a href="${session.cancel_url}">Return to shop</a></p>` : ""}`,
    );
  }
  const back = successRedirect(session);
  const [title, heading, text] = record.pendingSettlement !== undefined
    ? [
      "Payment processing",
      "Your bank payment is processing",
      "Your bank will confirm the debit later. You do not need to pay again.",
    ]
    : session.payment_status === "paid"
    ? [
      "Payment complete",
      "This payment is complete",
      `${formatMoney(session.amount_total, session.currency)} was paid. Thank you.`,
    ]
    : [
      "Payment failed",
      "Your bank debit failed",
      "Your bank did not authorise the debit. No money was taken; return to the shop to try again.",
    ];
  return layout(
    title,
    html`<h1>${heading}</h1>
    <p>${text}</p>
    ${back ? html`<p><a href="${back}">Return to shop</a></p>` : ""}`,
  );
}

function layout(title: string, body: Markup): Markup {
  return html`
    <!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>${title} · Stripe emulator</title>
        <style>
      body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f6f9fc; color: #1a1f36; }
      main { max-width: 28rem; margin: 2rem auto; background: #fff; padding: 1.5rem 2rem;
        border-radius: 8px; box-shadow: 0 2px 8px rgb(0 0 0 / 0.08); }
      .items { list-style: none; padding: 0; }
      .items li, .total { display: flex; justify-content: space-between; gap: 1rem; }
      .total { font-weight: 600; border-top: 1px solid #e3e8ee; padding-top: 0.5rem; }
      fieldset { border: 1px solid #e3e8ee; border-radius: 6px; }
      fieldset label { display: block; }
      label[for] { display: block; font-weight: 600; }
      input[name=card_number], input[name=email] { width: 100%; box-sizing: border-box; padding: 0.5rem; font: inherit; }
      button { width: 100%; padding: 0.75rem; font: inherit; font-weight: 600; color: #fff;
        background: #635bff; border: 0; border-radius: 6px; cursor: pointer; }
      button:focus-visible, a:focus-visible, input:focus-visible { outline: 3px solid #0a2540; }
      .error { color: #b3093c; font-weight: 600; }
      .note, .help { color: #425466; font-size: 0.875rem; }
    </style>
      </head>
      <body>
        <main>${body}</main>
      </body>
    </html>
  `;
}
