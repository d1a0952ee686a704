// Starts Swagger UI on the API reference page (a script file, so the CSP needs no 'unsafe-inline').
(function () {
  "use strict";
  var root = document.getElementById("api-reference");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
    // Requests go to this site only; no cookies are sent with "Try it out" (the API ignores them anyway).
    withCredentials: false,
    validatorUrl: null,
  });
})();
