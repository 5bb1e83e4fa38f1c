/** The receipt e-mail of a paid order: plain text and the same as simple HTML. */
import { formatMoney, lineTotal } from "../orders/money.ts";
import type { Order } from "../orders/types.ts";

export interface RenderedReceipt {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `statusUrl`: where the shopper can look the order up (the success page), if known. */
export function renderReceipt(order: Order, statusUrl: string | null): RenderedReceipt {
  const money = (amount: number) => formatMoney(amount, order.currency);
  const currency = order.currency.toUpperCase();
  const lines = order.items.map((item) => ({
    label: `${item.quantity} × ${item.title}`,
    amount: money(lineTotal(item)),
  }));
  const width = Math.max(...lines.map((l) => l.label.length));
  const subject = `Your receipt for order ${order.number}`;
  const text = [
    `Thank you for your order ${order.number}.`,
    "",
    ...lines.map((l) => `  ${l.label.padEnd(width)}  ${l.amount}`),
    "",
    `Total paid: ${money(order.total)} ${currency}`,
    ...(statusUrl ? ["", `Order status: ${statusUrl}`] : []),
  ].join("\n");
  const rows = lines.map((l) =>
    `<tr><td>${escapeHtml(l.label)}</td><td align="right">${escapeHtml(l.amount)}</td></tr>`
  ).join("");
  const html = [
    `<p>Thank you for your order <strong>${escapeHtml(order.number)}</strong>.</p>`,
    `<table cellpadding="4">${rows}`,
    `<tr><td><strong>Total paid</strong></td>`,
    `<td align="right"><strong>${escapeHtml(money(order.total))} ${currency}</strong></td></tr>`,
    `</table>`,
    statusUrl ? `<p><a href="${escapeHtml(statusUrl)}">Order status</a></p>` : "",
  ].join("");
  return { subject, text, html };
}
