// On the session form, show only the details that belong to the chosen mode (all are shown without JavaScript).
(function () {
  "use strict";
  var mode = document.getElementById("mode");
  var groups = document.querySelectorAll(".session-form fieldset[data-mode]");
  if (!mode || !groups.length) { return; }
  function update() {
    groups.forEach(function (group) { group.hidden = group.getAttribute("data-mode") !== mode.value; });
  }
  mode.addEventListener("change", update);
  update();
})();
