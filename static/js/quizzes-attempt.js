/* Attempt pages: a countdown to the server's deadline and background saving of the current page.
   The pages work without this file: every button saves, and the server enforces the deadline. */
(function () {
  "use strict";

  var timer = document.getElementById("quiz-timer");
  var form = document.getElementById("attempt-form");
  var statusEl = form ? form.querySelector(".autosave-status") : null;
  var dirty = false;
  var saving = false;
  var deadline = timer ? Date.now() + parseInt(timer.dataset.secondsLeft || "0", 10) * 1000 : null;

  function show(text) { if (statusEl) { statusEl.textContent = text; } }

  function format(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function autosave() {
    if (!form || saving || !dirty) { return Promise.resolve(); }
    saving = true;
    dirty = false;
    var body = new FormData(form);
    return fetch(form.dataset.autosaveUrl, {
      method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) {
        if (response.ok) {
          show(form.dataset.savedText);
          if (typeof data.seconds_left === "number" && timer) { deadline = Date.now() + data.seconds_left * 1000; }
        } else if (data.redirect) {
          window.location.assign(data.redirect);
        } else {
          show(form.dataset.failedText + (data.error ? ": " + data.error : ""));
        }
      });
    }).catch(function () {
      dirty = true;
      show(form.dataset.failedText);
    }).then(function () { saving = false; });
  }

  if (form) {
    form.addEventListener("change", function () { dirty = true; autosave(); });
    form.addEventListener("input", function () { dirty = true; });
    window.setInterval(autosave, 20000);
  }

  if (timer) {
    var submitted = false;
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      timer.textContent = format(left);
      if (left <= 60) { timer.parentElement.classList.add("warning"); }
      if (left === 0 && !submitted) {
        submitted = true;
        if (form) {
          // Send what is on the page and let the server close the attempt.
          var go = document.createElement("input");
          go.type = "hidden"; go.name = "go"; go.value = "timeup";
          form.appendChild(go);
          form.submit();
        } else {
          window.location.reload();
        }
      }
    };
    tick();
    window.setInterval(tick, 1000);
  }
}());
