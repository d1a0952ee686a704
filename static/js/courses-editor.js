// Live Markdown preview for the course and lesson editors. The page works without it: the "Preview" button
// re-renders the form on the server. Both use the server's one sanitising renderer.
(function () {
  "use strict";
  function setup(editor) {
    var url = editor.getAttribute("data-preview-url");
    var source = editor.querySelector("textarea.markdown-source");
    var preview = editor.querySelector(".preview");
    var form = editor.closest("form");
    if (!url || !source || !preview || !form || !window.fetch) { return; }
    var token = form.querySelector("input[name=csrf_token]");
    var timer = null;
    var last = null;
    editor.classList.add("live");
    function render() {
      var text = source.value;
      if (text === last) { return; }
      last = text;
      var body = new FormData();
      body.append("text", text);
      if (token) { body.append("csrf_token", token.value); }
      fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          preview.classList.remove("empty-preview");
          // The server returns HTML already reduced to its allow-list by render_markdown.
          preview.innerHTML = data.html;
        })
        .catch(function () { /* the Preview button still works */ });
    }
    source.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(render, 400);
    });
    render();
  }
  document.querySelectorAll(".editor[data-preview-url]").forEach(setup);
}());
