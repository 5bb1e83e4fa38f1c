/**
 * What the shopper's order pages say when they cannot show an order: a link whose checkout
 * or order is unknown (404), or an order the visitor cannot prove is theirs (403).
 */
import { LinkButton } from "./Button.tsx";
import { Page } from "./Page.tsx";

export type OrderProblemKind = "unknown_session" | "unknown_order" | "forbidden";

const TEXT: Record<OrderProblemKind, { eyebrow: string; heading: string; lead: string }> = {
  unknown_session: {
    eyebrow: "Error 404",
    heading: "We couldn’t find that checkout",
    lead: "The link may be incomplete or mistyped: check that you have all of it.",
  },
  unknown_order: {
    eyebrow: "Error 404",
    heading: "We couldn’t find that order",
    lead: "The link may be incomplete or mistyped: check that you have all of it.",
  },
  forbidden: {
    eyebrow: "Error 403",
    heading: "This order link doesn’t open here",
    lead: "The link is missing its key, or the order was placed in another browser. " +
      "Open the full link from the page you came back to after paying, or go back to your cart.",
  },
};

/** The document title for a problem page. */
export function orderProblemTitle(kind: OrderProblemKind): string {
  return kind === "forbidden" ? "Order link not valid" : TEXT[kind].heading.replace("’", "'");
}

export function OrderProblem({ kind }: { kind: OrderProblemKind }) {
  const text = TEXT[kind];
  return (
    <Page width="narrow" eyebrow={text.eyebrow} heading={text.heading} lead={text.lead}>
      <div class="flex flex-wrap gap-3">
        <LinkButton href="/cart" size="lg">View your cart</LinkButton>
        <LinkButton href="/" variant="secondary" size="lg">Back to the shop</LinkButton>
      </div>
    </Page>
  );
}
