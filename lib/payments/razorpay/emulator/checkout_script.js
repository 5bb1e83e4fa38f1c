// Stand-in for https://checkout.razorpay.com/v1/checkout.js, served by the Razorpay emulator.
// Same surface: new Razorpay(options), .open(), .close(), .on("payment.failed", cb),
// options.handler(response) and options.modal.ondismiss(). No inline markup or styles, so
// it runs under a CSP that allows only this script's origin (script-src, connect-src).
// deno-lint-ignore-file no-window -- browser code: `window` is the page the script runs in.
(function () {
  "use strict";
  const BASE = "__BASE__";
  const OUTCOMES = [
    ["success", "Pay (success)"],
    ["decline", "Decline"],
    ["pending", "UPI: pending, settles later"],
  ];
  let counter = 0;

  function el(tag, text) {
    const node = document.createElement(tag);
    if (text) node.textContent = text;
    return node;
  }

  function money(amount, currency) {
    return currency + " " + (Number(amount) / 100).toFixed(2);
  }

  function Razorpay(options) {
    if (!(this instanceof Razorpay)) throw new TypeError("Razorpay must be called with new");
    if (!options || !options.key || !options.order_id) {
      throw new Error("Razorpay: options.key and options.order_id are required");
    }
    this.options = options;
    this.listeners = {};
    this.dialog = null;
  }

  Razorpay.prototype.on = function (name, callback) {
    (this.listeners[name] = this.listeners[name] || []).push(callback);
    return this;
  };

  Razorpay.prototype.close = function () {
    if (this.dialog) this.dialog.close();
  };

  Razorpay.prototype.open = function () {
    if (this.dialog) return;
    const options = this.options;
    const id = "rzp-emulator-" + ++counter;
    const dialog = el("dialog");
    const title = el("h2", (options.name || "Razorpay") + " (emulator)");
    const summary = el(
      "p",
      (options.description ? options.description + ": " : "") +
        money(options.amount, options.currency || "INR"),
    );
    const form = el("form");
    const status = el("p");
    const buttons = [];
    let finished = false;
    title.id = id + "-title";
    summary.id = id + "-summary";
    dialog.setAttribute("aria-labelledby", title.id);
    dialog.setAttribute("aria-describedby", summary.id);
    form.setAttribute("aria-labelledby", title.id);
    status.setAttribute("role", "status");
    dialog.style.maxWidth = "24rem";
    dialog.style.fontFamily = "system-ui, sans-serif";

    function busy(on) {
      for (let i = 0; i < buttons.length; i++) buttons[i].disabled = on;
    }

    function finish(response) {
      finished = true;
      dialog.close();
      if (typeof options.handler === "function") options.handler(response);
    }

    const choose = (outcome) => {
      busy(true);
      status.textContent = "Processing…";
      const prefill = options.prefill || {};
      fetch(BASE + "/v1/checkout/pay", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          key_id: options.key,
          order_id: options.order_id,
          outcome: outcome,
          email: prefill.email,
          contact: prefill.contact,
        }),
      }).then((res) => {
        return res.json().then((body) => {
          if (res.ok) return finish(body);
          busy(false);
          status.textContent = "Payment failed: " + body.error.description;
          const failed = this.listeners["payment.failed"] || [];
          for (let i = 0; i < failed.length; i++) failed[i]({ error: body.error });
        });
      }).catch(function () {
        busy(false);
        status.textContent = "Could not reach the payment emulator. Try again.";
      });
    };

    OUTCOMES.forEach(function (pair) {
      const button = el("button", pair[1]);
      button.type = "button";
      button.addEventListener("click", function () {
        choose(pair[0]);
      });
      buttons.push(button);
      form.appendChild(button);
    });
    const closer = el("button", "Close");
    closer.type = "button";
    closer.addEventListener("click", function () {
      dialog.close();
    });
    buttons.push(closer);
    form.appendChild(closer);
    form.appendChild(status);
    dialog.appendChild(title);
    dialog.appendChild(summary);
    dialog.appendChild(form);
    // Escape and the Close button both end here; only a dismissal calls ondismiss.
    dialog.addEventListener("close", () => {
      dialog.remove();
      this.dialog = null;
      const modal = options.modal || {};
      if (!finished && typeof modal.ondismiss === "function") modal.ondismiss();
    });
    document.body.appendChild(dialog);
    this.dialog = dialog;
    dialog.showModal();
    buttons[0].focus();
  };

  window.Razorpay = Razorpay;
})();
