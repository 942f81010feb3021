// GitTix: the few lines of script the pages use. Everything works without it.
(function () {
  "use strict";

  // Order page: count the seconds left to pay down live; at 0 show
  // "Order Expired" and hide the pay control. The server rendered the start.
  var countdown = document.getElementById("countdown");
  if (countdown && countdown.dataset.seconds) {
    var deadline = Date.now() + Number(countdown.dataset.seconds) * 1000;
    var seconds = document.getElementById("seconds");
    var timer = setInterval(function () {
      var left = Math.ceil((deadline - Date.now()) / 1000);
      if (left > 0) {
        seconds.textContent = String(left);
        return;
      }
      clearInterval(timer);
      countdown.textContent = "Order Expired";
      countdown.classList.add("expired");
      var payForm = document.getElementById("pay-form");
      if (payForm) payForm.hidden = true;
    }, 1000);
  }

  // Order page with a Stripe publishable key: Stripe's Payment Element
  // on the order's PaymentIntent. Stripe.js confirms it (with the bank's
  // 3-D Secure step when asked) and comes back to the order page, which
  // shows the order once the webhook has recorded the payment.
  var form = document.getElementById("pay-form");
  if (form && form.dataset.stripeKey && window.Stripe) {
    var stripe = window.Stripe(form.dataset.stripeKey);
    var errors = document.getElementById("card-errors");
    var button = document.getElementById("pay");
    var elements = null;
    button.disabled = true;
    fetch(form.dataset.intentUrl, { method: "POST", credentials: "same-origin" })
      .then(function (res) { return res.json(); })
      .then(function (body) {
        if (!body.clientSecret) {
          errors.textContent = body.error || "The payment could not be prepared.";
          return;
        }
        elements = stripe.elements({ clientSecret: body.clientSecret });
        elements.create("payment").mount("#payment-element");
        button.disabled = false;
      })
      .catch(function () { errors.textContent = "The payment could not be prepared."; });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!elements) return;
      button.disabled = true;
      errors.textContent = "";
      stripe.confirmPayment({
        elements: elements,
        confirmParams: { return_url: window.location.origin + form.dataset.returnUrl },
      }).then(function (result) {
        if (result && result.error) errors.textContent = result.error.message;
        button.disabled = false;
      });
    });
  }

  // Back from Stripe before the webhook recorded the payment: look again.
  var confirming = document.getElementById("confirming");
  if (confirming) {
    setTimeout(function () { window.location.reload(); }, 1000);
  }
})();
