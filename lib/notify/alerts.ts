/**
 * Alerts: an order needs a person. Every alert is logged; with SLACK_WEBHOOK_URL set it is
 * also posted to that Slack incoming webhook as `{text, blocks}`, linking the admin page.
 */
import { log } from "../log.ts";
import type { AttentionReason } from "../orders/types.ts";
import { postJson } from "./http_post.ts";

/** What each needs-attention reason means, in the words an alert uses. */
export const ALERT_LABELS: Record<AttentionReason, string> = {
  fulfillment_failed: "Paid, but fulfilment failed",
  second_payment: "A second payment arrived for the order",
  amount_mismatch: "The amount paid does not match the order",
  dispute: "The customer disputed the payment",
  task_dead: "A follow-up task failed for good (dead-lettered)",
  paid_after_expiry: "Payment arrived for an expired order",
  paid_after_cancel: "Payment arrived for a cancelled order",
  stock_unavailable: "Paid, but the stock is no longer there",
  manual_payment: "Marked paid by an admin",
  metadata_mismatch: "A provider event named another order in its metadata",
  unverified_payment: "Paid through a session Settle never tied to the order: held",
  refund_failed: "A refund failed: the customer has not got the money back",
};

export interface Alert {
  orderId: string;
  /** null when the order could not be read. */
  orderNumber: string | null;
  reason: AttentionReason;
  detail?: string;
  /** The order's admin page. */
  link: string;
}

export interface AlertSink {
  /** Logs the alerts and delivers them; throws when delivery failed (the task retries). */
  send(alerts: Alert[], signal: AbortSignal): Promise<void>;
}

export interface SlackMessage {
  text: string;
  blocks: unknown[];
}

/** Slack's mrkdwn treats these three as control characters. */
const escapeSlack = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/** The incoming-webhook payload for alerts about one order. */
export function slackMessage(alerts: Alert[]): SlackMessage {
  const first = alerts[0];
  const order = first.orderNumber ?? first.orderId;
  const line = (a: Alert) => `${ALERT_LABELS[a.reason]}${a.detail ? ` (${a.detail})` : ""}`;
  return {
    text: escapeSlack(`Order ${order} needs attention: ${alerts.map(line).join("; ")}`) +
      ` ${first.link}`,
    blocks: [
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: `:rotating_light: *Order ${escapeSlack(order)} needs attention*\n` +
            alerts.map((a) => `• ${escapeSlack(line(a))}`).join("\n"),
        },
      },
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: `<${first.link}|Open the order in Settle admin>` }],
      },
    ],
  };
}

/** Logs every alert; posts to `slackWebhookUrl` (SLACK_WEBHOOK_URL) when set. */
export function createAlertSink(options: { slackWebhookUrl?: string }): AlertSink {
  return {
    async send(alerts, signal) {
      for (const a of alerts) {
        log("warn", "order needs attention", {
          orderId: a.orderId,
          orderNumber: a.orderNumber,
          reason: a.reason,
          summary: ALERT_LABELS[a.reason],
          detail: a.detail ?? null,
          link: a.link,
        });
      }
      if (!options.slackWebhookUrl || alerts.length === 0) return;
      await postJson(options.slackWebhookUrl, slackMessage(alerts), { signal, what: "Slack" });
    },
  };
}
