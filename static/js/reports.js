// Report filters: typing a date switches the period to "custom dates"; choosing a preset clears the dates.
// The form works the same without this script.
(function () {
  "use strict";
  document.querySelectorAll("form.report-filters").forEach(function (form) {
    var period = form.querySelector("select[name=period]");
    var dates = form.querySelectorAll("input[type=date]");
    if (!period) { return; }
    dates.forEach(function (input) {
      input.addEventListener("change", function () {
        if (input.value) { period.value = "custom"; }
      });
    });
    period.addEventListener("change", function () {
      if (period.value !== "custom") {
        dates.forEach(function (input) { input.value = ""; });
      }
    });
  });
})();
