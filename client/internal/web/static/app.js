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

  // Order page with a Stripe publishable key: collect the card with
  // Stripe.js, then post the token with the form.
  var form = document.getElementById("pay-form");
  if (form && form.dataset.stripeKey && window.Stripe) {
    var stripe = window.Stripe(form.dataset.stripeKey);
    var card = stripe.elements().create("card");
    var cardErrors = document.getElementById("card-errors");
    card.mount("#card-element");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      stripe.createToken(card).then(function (result) {
        if (result.error) {
          cardErrors.textContent = result.error.message;
          return;
        }
        form.elements.token.value = result.token.id;
        form.submit();
      });
    });
  }
})();
