// Keeps the check-in code on screen current: counts down to the next minute and fetches the new code.
// Without JavaScript the page reloads itself (meta refresh) and has a reload link.
(function () {
  "use strict";
  var display = document.querySelector(".checkin-display[data-code-url]");
  var codeEl = document.getElementById("checkin-code");
  var countdown = document.getElementById("checkin-countdown");
  var countEl = document.getElementById("checkin-count");
  if (!display || !codeEl || !countdown) { return; }
  var url = display.getAttribute("data-code-url");
  var template = countdown.textContent.replace(/\d+/, "{s}");
  var seconds = parseInt(countdown.getAttribute("data-seconds"), 10) || 60;

  function show() { countdown.textContent = template.replace("{s}", String(Math.max(seconds, 0))); }

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        if (data.code === null) { window.location.reload(); return; }
        codeEl.textContent = data.code;
        seconds = data.changes_in;
        if (countEl) { countEl.textContent = String(data.checked_in); }
        show();
      })
      .catch(function () { seconds = 5; });
  }

  window.setInterval(function () {
    seconds -= 1;
    if (seconds <= 0) { refresh(); } else { show(); }
  }, 1000);
  // The count of checked-in trainees is refreshed every 15 seconds as well.
  window.setInterval(refresh, 15000);
})();
