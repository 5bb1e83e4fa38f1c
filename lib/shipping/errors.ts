import { BusinessRuleError } from "../http/errors.ts";
import type { Issue } from "../http/json_body.ts";

/**
 * 422 `invalid_checkout_details`: the shopper's details break a rule (a bad e-mail or
 * postcode, a country the shop does not serve, an unknown rate, a missing address). The
 * details list each problem as `{path, message}`, `path` naming the field
 * (`shipping.postalCode`, `shippingRateId`, …), so a form can say it beside the field.
 */
export class CheckoutDetailsError extends BusinessRuleError {
  readonly issues: Issue[];
  constructor(issues: Issue[]) {
    super(
      "invalid_checkout_details",
      issues.length === 1
        ? `${issues[0].path || "details"}: ${issues[0].message}`
        : `${issues.length} details need fixing: ` +
          issues.map((i) => i.path || "details").join(", "),
      issues,
    );
    this.issues = issues;
  }
}
