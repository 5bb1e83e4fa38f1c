/**
 * The e-mails of an order: the receipt of a paid order and the notice that it has shipped,
 * each as plain text and the same as simple HTML (every value escaped).
 */
import { formatMoney, lineTotal } from "../orders/money.ts";
import type { Order } from "../orders/types.ts";
import { addressLines } from "./address.ts";

export interface RenderedReceipt {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

interface Row {
  label: string;
  amount: string;
  strong?: boolean;
}

function textRows(rows: Row[]): string[] {
  const width = Math.max(...rows.map((r) => r.label.length));
  return rows.map((r) => `  ${r.label.padEnd(width)}  ${r.amount}`);
}

function htmlRows(rows: Row[]): string {
  const cell = (s: string, strong?: boolean) =>
    strong ? `<strong>${escapeHtml(s)}</strong>` : escapeHtml(s);
  return `<table cellpadding="4">${
    rows.map((r) =>
      `<tr><td>${cell(r.label, r.strong)}</td><td align="right">${
        cell(r.amount, r.strong)
      }</td></tr>`
    ).join("")
  }</table>`;
}

/** The delivery address as text lines and as HTML, or nothing when the order ships nowhere. */
function delivery(order: Order): { text: string[]; html: string } {
  const address = order.shipping?.address;
  if (!address) return { text: [], html: "" };
  const lines = addressLines(address);
  return {
    text: ["", "Delivering to:", ...lines.map((l) => `  ${l}`)],
    html: `<p><strong>Delivering to</strong><br>${lines.map(escapeHtml).join("<br>")}</p>`,
  };
}

function link(orderUrl: string | null, label: string): { text: string[]; html: string } {
  if (!orderUrl) return { text: [], html: "" };
  return {
    text: ["", `${label}: ${orderUrl}`],
    html: `<p><a href="${escapeHtml(orderUrl)}">${escapeHtml(label)}</a></p>`,
  };
}

/**
 * `orderUrl`: the shopper's own order page (with its owner token), if known. It is a
 * credential for that order: it goes in the e-mail to the shopper and nowhere else.
 */
export function renderReceipt(order: Order, orderUrl: string | null): RenderedReceipt {
  const money = (amount: number) => formatMoney(amount, order.currency);
  const currency = order.currency.toUpperCase();
  const rows: Row[] = order.items.map((item) => ({
    label: `${item.quantity} × ${item.title}`,
    amount: money(lineTotal(item)),
  }));
  if (order.shipping) {
    rows.push({
      label: `Shipping: ${order.shipping.label}`,
      amount: order.shipping.amount === 0 ? "Free" : money(order.shipping.amount),
    });
  }
  const total: Row = { label: "Total paid", amount: `${money(order.total)} ${currency}` };
  const to = delivery(order);
  const status = link(orderUrl, "Your order");
  const subject = `Your receipt for order ${order.number}`;
  const text = [
    `Thank you for your order ${order.number}.`,
    "",
    ...textRows(rows),
    "",
    `${total.label}: ${total.amount}`,
    ...to.text,
    ...status.text,
  ].join("\n");
  const html = [
    `<p>Thank you for your order <strong>${escapeHtml(order.number)}</strong>.</p>`,
    htmlRows([...rows, { ...total, strong: true }]),
    to.html,
    status.html,
  ].join("");
  return { subject, text, html };
}

/** The notice that an order left the supplier: what was sent, and where. */
export function renderShippedNotice(order: Order, orderUrl: string | null): RenderedReceipt {
  const rows: Row[] = order.items.map((item) => ({
    label: item.title,
    amount: `× ${item.quantity}`,
  }));
  const to = delivery(order);
  const status = link(orderUrl, "Your order");
  const subject = `Order ${order.number} has shipped`;
  const how = order.shipping ? ` (${order.shipping.label})` : "";
  const text = [
    `Good news: your order ${order.number} is on its way${how}.`,
    "",
    ...textRows(rows),
    ...to.text,
    ...status.text,
  ].join("\n");
  const html = [
    `<p>Good news: your order <strong>${escapeHtml(order.number)}</strong> is on its way${
      escapeHtml(how)
    }.</p>`,
    htmlRows(rows),
    to.html,
    status.html,
  ].join("");
  return { subject, text, html };
}
