// The voucher verification page (核销): after each result the code box is emptied and focused
// again, so the next voucher can be scanned or typed at once.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSwap", function (e) {
    if (!e.target || e.target.id !== "verify-result") return;
    var input = document.getElementById("verify-code");
    if (input) { input.value = ""; input.focus(); }
  });
})();
