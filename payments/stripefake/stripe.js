// A stand-in for Stripe.js v3, served by payments/stripefake for make dev
// and the browser tests (no network): Stripe(key).elements({clientSecret})
// .create("payment").mount(selector) shows a card-number field, and
// confirmPayment({elements, confirmParams: {return_url}}) confirms the
// PaymentIntent on the fake, shows a 3-D Secure step when the card asks for
// one, and goes to return_url once the payment succeeded — as Stripe.js
// does. Test cards: 4242 4242 4242 4242, 4000 0025 0000 3155
// (authentication), 4000 0000 0000 0002 (declined).
(function () {
  "use strict";
  var base = document.currentScript.src.replace(/\/v3\/stripe\.js.*$/, "");

  function post(path, params) {
    return fetch(base + path, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(params),
    }).then(function (res) { return res.json(); });
  }

  function done(id, returnURL) {
    var sep = returnURL.indexOf("?") < 0 ? "?" : "&";
    window.location.assign(returnURL + sep + "payment_intent=" + id + "&redirect_status=succeeded");
    return {};
  }

  function failure(pi) {
    var e = (pi && (pi.error || pi.last_payment_error)) || {};
    return { error: { type: e.type || "card_error", message: e.message || "The payment failed." } };
  }

  // The bank's 3-D Secure challenge, as a dialog in the page.
  function authenticate(id, returnURL) {
    return new Promise(function (resolve) {
      var dialog = document.createElement("dialog");
      dialog.id = "three-d-secure";
      var text = document.createElement("p");
      text.textContent = "3-D Secure: your bank asks you to confirm this payment.";
      var ok = document.createElement("button");
      ok.id = "three-d-secure-complete";
      ok.type = "button";
      ok.textContent = "Complete authentication";
      var no = document.createElement("button");
      no.id = "three-d-secure-fail";
      no.type = "button";
      no.textContent = "Fail authentication";
      dialog.append(text, ok, no);
      document.body.appendChild(dialog);
      function answer(outcome) {
        dialog.close();
        dialog.remove();
        post("/v1/payment_intents/" + id + "/authenticate", { outcome: outcome }).then(function (pi) {
          resolve(pi.status === "succeeded" ? done(id, returnURL) : failure(pi));
        });
      }
      ok.addEventListener("click", function () { answer("approve"); });
      no.addEventListener("click", function () { answer("deny"); });
      dialog.showModal();
    });
  }

  window.Stripe = function () {
    return {
      elements: function (options) {
        var input = null;
        return {
          clientSecret: options.clientSecret,
          card: function () { return input ? input.value : ""; },
          create: function () {
            return {
              mount: function (selector) {
                var host = document.querySelector(selector);
                var label = document.createElement("label");
                label.htmlFor = "card-number";
                label.textContent = "Card number";
                input = document.createElement("input");
                input.id = "card-number";
                input.autocomplete = "cc-number";
                input.inputMode = "numeric";
                input.placeholder = "4242 4242 4242 4242";
                host.replaceChildren(label, input);
              },
            };
          },
        };
      },
      confirmPayment: function (params) {
        var id = params.elements.clientSecret.split("_secret_")[0];
        var returnURL = params.confirmParams.return_url;
        return post("/v1/payment_intents/" + id + "/confirm", { card_number: params.elements.card() }).then(function (pi) {
          if (pi.status === "succeeded") return done(id, returnURL);
          if (pi.status === "requires_action") return authenticate(id, returnURL);
          return failure(pi);
        });
      },
    };
  };
})();
