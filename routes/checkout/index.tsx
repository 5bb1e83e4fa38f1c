/**
 * Checkout: the cart under review, the shopper's e-mail and, when the basket holds goods
 * that ship, the delivery address and method, then Pay. One form, posted to itself with or
 * without JavaScript:
 *
 * - "Pay" (intent=pay) validates the details (422: the page again with a message beside each
 *   field and the shopper's input kept; nothing saved), keeps them with the cart
 *   (saveCheckoutDetails, so Back, a decline and a retry find them pre-filled), opens the
 *   session and answers 303 to the payment page.
 * - "Show delivery options" (intent=update, the no-JS country change) saves the details and
 *   answers 303 back here, where the rates of the chosen country are listed.
 * - A post without details (an older page) pays with what the cart has saved, as before.
 *
 * The ShippingChoice island lists the rates of the chosen country and updates the summary's
 * shipping line and total as the method changes; prices are tax-inclusive, the tax named.
 */
import { z } from "zod";
import type { Handlers, PageProps } from "$fresh/types.ts";
import { LinkButton } from "@/components/Button.tsx";
import { lineProblem } from "@/components/CartLineItem.tsx";
import { CartSummary } from "@/components/CartSummary.tsx";
import { AddressFields, ContactFields, ErrorSummary } from "@/components/CheckoutDetails.tsx";
import { OrderItems } from "@/components/OrderItems.tsx";
import { Page, type PageMeta, SHOP_NAME } from "@/components/Page.tsx";
import { CARD, COLUMNS, TEXT_LINK } from "@/components/styles.ts";
import PayButton from "@/islands/PayButton.tsx";
import RazorpayPay from "@/islands/RazorpayPay.tsx";
import ShippingChoice from "@/islands/ShippingChoice.tsx";
import { getCheckoutDetails, saveCheckoutDetails } from "@/lib/cart/details.ts";
import { getCartView } from "@/lib/cart/service.ts";
import type { CartView } from "@/lib/cart/types.ts";
import {
  type CountryOption,
  countryOptions,
  type DetailValues,
  type FieldErrors,
  parseDetails,
  valuesOf,
} from "@/lib/checkout/checkout_details.ts";
import { shopperMessage } from "@/lib/checkout/checkout_client.ts";
import {
  cartCheckoutKey,
  type CheckoutResult,
  createCheckout,
} from "@/lib/checkout/create_session.ts";
import { retryCheckout } from "@/lib/checkout/retry_session.ts";
import { keys } from "@/lib/db/keys.ts";
import { checkoutOwner } from "@/lib/checkout/shopper_pages.ts";
import {
  CARD_WORDS,
  providerHeaders,
  RAZORPAY_NEEDS_JS,
  RAZORPAY_WORDS,
  type ShopperProviders,
  shopperProviders,
} from "@/lib/checkout/shopper_providers.ts";
import { getProducts, isShippable } from "@/lib/db/products.ts";
import { readCartId } from "@/lib/http/cart_cookie.ts";
import { BadGatewayError, toAppError } from "@/lib/http/errors.ts";
import { readForm } from "@/lib/http/form_body.ts";
import { formatMoney, minorUnitDigits } from "@/lib/orders/money.ts";
import { ratesFor, servedCountries, type ShippingOption } from "@/lib/shipping/rates.ts";
import { shopRates } from "@/lib/shipping/service.ts";
import type { State } from "@/lib/state.ts";
import type { ShopState } from "../_middleware.ts";

/** The details part of the page: what the form shows and says. */
interface DetailsForm {
  shippable: boolean;
  countries: CountryOption[];
  values: DetailValues;
  errors: FieldErrors;
  /** The rates of `values.country`, priced for this basket. */
  rates: ShippingOption[];
  rate: ShippingOption | null;
}

interface Data extends PageMeta {
  view: CartView;
  idempotencyKey: string;
  form: DetailsForm;
  taxLabel: string;
  /** The ways to pay this shop offers. */
  providers: ShopperProviders;
  /** Why Pay was refused (sold out, provider down…), said beside the button. */
  error: { title: string; text: string; toCart?: boolean } | null;
}

const IdempotencyKey = z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/);
/**
 * "save" is Razorpay's first step: the details checked as for Pay and kept, answered in JSON
 * with the idempotency key they make (the popup is opened by the RazorpayPay island).
 */
const Intent = z.enum(["pay", "update", "save"]).catch("pay");

/** Refusals shown on the review itself; anything else goes to the error page. */
const SHOWN_ON_PAGE = new Set([400, 409, 422, 429, 502]);

const PRIVATE = { "cache-control": "no-store" };

/** Whether any product in the basket is sent to the shopper (digital goods are not). */
async function basketShips(kv: Deno.Kv, view: CartView): Promise<boolean> {
  if (view.items.length === 0) return false;
  const products = await getProducts(kv, view.items.map((line) => line.productId));
  return [...products.values()].some((product) => isShippable(product));
}

/** The form for `values`: the served countries, and the rates of the chosen one. */
async function detailsForm(
  state: State,
  view: CartView,
  shippable: boolean,
  values: DetailValues,
  errors: FieldErrors = {},
): Promise<DetailsForm> {
  const table = await shopRates(state.config);
  const countries = countryOptions(servedCountries(table));
  const rates = shippable ? ratesFor(table, values.country, view.subtotal) ?? [] : [];
  const rate = rates.find((r) => r.id === values.shippingRateId) ?? rates[0] ?? null;
  return { shippable, countries, values, errors, rates, rate };
}

/**
 * A Razorpay attempt placed this cart's order under the same key (its request is a different
 * one, so the key is refused for the card): the card pays that saved order instead.
 */
async function payPlacedOrder(
  state: State,
  err: unknown,
  { cartId, owner, idempotencyKey }: {
    cartId: string | null;
    owner: string;
    idempotencyKey: string;
  },
): Promise<CheckoutResult> {
  if (toAppError(err)?.code !== "idempotency_key_reused") throw err;
  const placed = await state.kv.get<{ orderId: string }>(
    keys.checkoutRequest(owner, idempotencyKey),
  );
  if (!placed.value?.orderId) throw err;
  return await retryCheckout(state, placed.value.orderId, { cartId, token: null });
}

export const handler: Handlers<Data, ShopState> = {
  async GET(req, ctx) {
    const { state } = ctx;
    const cartId = await readCartId(req, state.secret);
    const view = await getCartView(state.kv, cartId, state.config.currency);
    const shippable = await basketShips(state.kv, view);
    const table = await shopRates(state.config);
    const saved = await getCheckoutDetails(state.kv, cartId);
    const values = valuesOf(saved, servedCountries(table)[0] ?? "");
    const providers = shopperProviders(state);
    return ctx.render({
      title: "Checkout",
      view,
      idempotencyKey: await cartCheckoutKey(state.kv, cartId),
      form: await detailsForm(state, view, shippable, values),
      taxLabel: state.config.taxLabel,
      providers,
      error: null,
    }, { headers: providerHeaders(providers, PRIVATE) });
  },

  async POST(req, ctx) {
    const { state } = ctx;
    const { cartId, owner, holders } = await checkoutOwner(req, state);
    const posted = await readForm(req);
    const key = IdempotencyKey.safeParse(posted.get("idempotencyKey"));
    let idempotencyKey = key.success ? key.data : crypto.randomUUID();
    const intent = Intent.parse(posted.get("intent"));
    const view = await getCartView(state.kv, cartId, state.config.currency);
    state.cartCount = view.count;
    const shippable = await basketShips(state.kv, view);
    const providers = shopperProviders(state);
    const wantsJson = (req.headers.get("accept") ?? "").includes("application/json");
    const render = async (
      status: number,
      form: DetailsForm,
      error: Data["error"] = null,
    ) =>
      await ctx.render({
        title: status === 422 && Object.keys(form.errors).length ? "Error: Checkout" : "Checkout",
        view,
        idempotencyKey,
        form,
        taxLabel: state.config.taxLabel,
        providers,
        error,
      }, { status, headers: providerHeaders(providers, PRIVATE) });

    let values: DetailValues | null = null;
    if (posted.has("email") && view.items.length > 0) {
      const table = await shopRates(state.config);
      const country = (posted.get("country") ?? "").trim().toUpperCase();
      const result = parseDetails(posted, {
        shippable,
        countries: countryOptions(servedCountries(table)),
        rates: ratesFor(table, country, view.subtotal),
        rateOptional: intent === "update",
      });
      values = result.values;
      if (!result.ok && intent === "save" && wantsJson) {
        return Response.json({
          error: {
            code: "invalid_checkout_details",
            message: "Check your details",
            details: result.errors,
          },
        }, { status: 422, headers: PRIVATE });
      }
      if (!result.ok) {
        return await render(
          422,
          await detailsForm(state, view, shippable, result.values, result.errors),
        );
      }
      if (cartId) {
        await saveCheckoutDetails(state.kv, cartId, result.details);
        // The key follows the details: the same ones resume one order, new ones place anew.
        idempotencyKey = await cartCheckoutKey(state.kv, cartId);
      }
      if (intent === "save" && wantsJson) {
        return Response.json({ idempotencyKey }, { headers: PRIVATE });
      }
      if (intent === "update" || intent === "save") {
        return new Response(null, {
          status: 303,
          headers: { location: "/checkout#delivery-method", ...PRIVATE },
        });
      }
    }
    try {
      const session = await createCheckout(state, { cartId, owner, holders, idempotencyKey })
        .catch((err) => payPlacedOrder(state, err, { cartId, owner, idempotencyKey }));
      if (!session.url) throw new BadGatewayError("The payment page has no address");
      return new Response(null, { status: 303, headers: { location: session.url } });
    } catch (thrown) {
      const err = toAppError(thrown);
      if (!err || !SHOWN_ON_PAGE.has(err.status)) throw thrown;
      const saved = values ?? valuesOf(await getCheckoutDetails(state.kv, cartId), "NZ");
      const form = await detailsForm(state, view, shippable, saved);
      const details = err.status === 422 && err.code === "invalid_checkout_details";
      const error = err.status === 422 && !details
        ? {
          title: "Something in your cart can’t be bought right now",
          text: `${err.message}. Update your cart, then pay.`,
          toCart: true,
        }
        : {
          title: details ? "Check your details" : "Payment not started",
          text: shopperMessage(err.status, err.message),
        };
      // The same key again: a second try reaches the order this one may have placed.
      return await render(err.status, form, error);
    }
  },
};

export default function Checkout({ data }: PageProps<Data>) {
  const { view, idempotencyKey, form, taxLabel, providers, error } = data;
  const both = providers.card && providers.razorpay !== null;
  const lines = view.items.map((line) => ({ ...line, problem: lineProblem(line) }));
  const blocked = lines.some((line) => line.problem !== null);
  const shipping = form.shippable && form.rate ? form.rate : null;
  const total = view.total + (shipping?.amount ?? 0);
  return (
    <Page
      heading="Checkout"
      lead="Tell us where to send your order, then pay on a secure payment page."
      eyebrow={<a href="/cart" class={TEXT_LINK}>← Back to your cart</a>}
    >
      {view.items.length === 0
        ? (
          <div class={`${CARD} px-6 py-12 text-center`}>
            <p class="text-lg font-semibold text-ink">Your cart is empty.</p>
            <p class="mt-1 text-stone-600">Add something to your cart, then come back to pay.</p>
            <LinkButton href="/" size="lg" class="mt-6">Browse the shop</LinkButton>
          </div>
        )
        : (
          <form method="post" action="/checkout">
            <ErrorSummary errors={form.errors} />
            <div class={COLUMNS}>
              <div class="flex flex-col gap-6">
                <section aria-labelledby="details-heading" class={`${CARD} p-5 sm:p-6`}>
                  <h2 id="details-heading" class="text-lg font-semibold text-ink">
                    {form.shippable ? "Contact and delivery" : "Contact"}
                  </h2>
                  <p class="mt-1 text-sm text-stone-600">
                    Fields without “(optional)” are needed.
                  </p>
                  <div class="mt-4">
                    <ContactFields values={form.values} errors={form.errors} />
                    {form.shippable && (
                      <>
                        <AddressFields
                          values={form.values}
                          errors={form.errors}
                          countries={form.countries}
                        />
                        <div id="delivery-method">
                          <ShippingChoice
                            countryField="country"
                            country={form.values.country}
                            rates={form.rates}
                            selected={form.rate?.id ?? ""}
                            subtotal={view.total}
                            currency={view.currency}
                            digits={minorUnitDigits(view.currency)}
                            error={form.errors.shippingRateId}
                          />
                        </div>
                      </>
                    )}
                  </div>
                </section>
                <OrderItems items={lines} currency={view.currency} label="Items in your order" />
              </div>
              <CartSummary
                heading="Total to pay"
                subtotal={view.subtotal}
                total={total}
                currency={view.currency}
                shipping={shipping}
                taxLabel={taxLabel}
              >
                {blocked && (
                  <p class="text-sm font-medium text-amber-700">
                    Some items need a change before you can pay.{" "}
                    <a href="/cart" class={TEXT_LINK}>Update your cart</a>
                  </p>
                )}
                {providers.card && (
                  <PayButton
                    idempotencyKey={idempotencyKey}
                    amount={formatMoney(total, view.currency)}
                    disabled={blocked}
                    message={error}
                    words={both ? CARD_WORDS : undefined}
                  />
                )}
                {providers.razorpay && (
                  <>
                    <RazorpayPay
                      scriptUrl={providers.razorpay.scriptUrl}
                      shopName={SHOP_NAME}
                      label={RAZORPAY_WORDS}
                      amount={formatMoney(total, view.currency)}
                      idempotencyKey={idempotencyKey}
                      disabled={blocked}
                      variant={providers.card ? "secondary" : "primary"}
                      cardOffered={providers.card}
                      noScript={RAZORPAY_NEEDS_JS +
                        (providers.card ? " You can pay by card on Stripe’s secure page." : "")}
                    />
                  </>
                )}
                <p class="text-xs leading-relaxed text-stone-600">
                  {both
                    ? "Card payments open Stripe’s secure page; UPI, cards and netbanking open Razorpay’s secure window. "
                    : providers.razorpay
                    ? "You’ll pay in Razorpay’s secure window. "
                    : "You’ll pay on Stripe’s secure page. "}
                  Your cart and your details are kept until the payment goes through.
                </p>
              </CartSummary>
            </div>
          </form>
        )}
    </Page>
  );
}
