// Every page: enhancements only. Without this script the menus are plain lists, wide tables still scroll,
// and a destructive action shows its confirmation page instead of a dialog.
(function () {
  "use strict";
  // Loaded in <head>: the menu collapses behind its toggler only when a script can open it again.
  document.documentElement.classList.add("js");

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  // Menus are <details>: one open at a time, closed by Escape or a click elsewhere.
  function setUpMenus() {
    var menus = Array.prototype.slice.call(document.querySelectorAll("details.menu"));
    menus.forEach(function (menu) {
      menu.addEventListener("toggle", function () {
        if (!menu.open) { return; }
        menus.forEach(function (other) { if (other !== menu) { other.open = false; } });
      });
    });
    document.addEventListener("click", function (event) {
      menus.forEach(function (menu) { if (menu.open && !menu.contains(event.target)) { menu.open = false; } });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") { return; }
      menus.forEach(function (menu) {
        if (menu.open) { menu.open = false; menu.querySelector("summary").focus(); }
      });
    });
  }

  // A table wider than its box says so: "scroll for more columns" under it while part of it is hidden.
  function setUpWideTables() {
    var boxes = document.querySelectorAll(".table-responsive");
    function update(box) {
      var hidden = box.scrollWidth - box.clientWidth > 2;
      box.classList.toggle("is-overflowing", hidden);
      box.classList.toggle("at-end", box.scrollLeft + box.clientWidth >= box.scrollWidth - 2);
      var hint = box.nextElementSibling;
      if (hint && hint.classList.contains("scroll-hint")) { hint.hidden = !hidden; }
    }
    boxes.forEach(function (box) {
      var hint = box.nextElementSibling;
      if (!hint || !hint.classList.contains("scroll-hint")) {
        hint = document.createElement("p");
        hint.className = "scroll-hint";
        hint.textContent = document.documentElement.getAttribute("data-scroll-hint") || "";
        box.parentNode.insertBefore(hint, box.nextSibling);
      }
      box.addEventListener("scroll", function () { update(box); }, { passive: true });
      update(box);
    });
    window.addEventListener("resize", function () { boxes.forEach(update); });
  }

  // A form marked data-confirm posts to a destructive action. The server answers an unconfirmed post with
  // its confirmation page (what will happen, and the reason where one is needed); here that page's form is
  // shown in a dialog instead of a page of its own.
  function setUpConfirmations() {
    if (!window.fetch || !window.bootstrap || !window.bootstrap.Modal) { return; }
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.matches || !form.matches("form[data-confirm]") || form.querySelector("input[name=confirmed]")) {
        return;
      }
      event.preventDefault();
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
        .then(function (html) { showDialog(html, form); })
        .catch(function () { form.removeAttribute("data-confirm"); form.submit(); });
    });
  }

  function showDialog(html, origin) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var body = page.querySelector(".confirmation");
    if (!body) { origin.removeAttribute("data-confirm"); origin.submit(); return; }
    var old = document.getElementById("confirm-dialog");
    if (old) { old.remove(); }
    var title = body.querySelector("h1");
    var dialog = document.createElement("div");
    dialog.className = "modal fade";
    dialog.id = "confirm-dialog";
    dialog.tabIndex = -1;
    dialog.setAttribute("aria-labelledby", "confirm-dialog-title");
    dialog.innerHTML = '<div class="modal-dialog modal-dialog-scrollable"><div class="modal-content">' +
      '<div class="modal-header"><h2 class="modal-title h5" id="confirm-dialog-title"></h2>' +
      '<button type="button" class="btn-close" data-bs-dismiss="modal"></button></div>' +
      '<div class="modal-body"></div></div></div>';
    dialog.querySelector(".modal-title").textContent = title ? title.textContent : "";
    dialog.querySelector(".btn-close").setAttribute("aria-label", body.getAttribute("data-close-label") || "Close");
    if (title) { title.remove(); }
    var content = dialog.querySelector(".modal-body");
    Array.prototype.slice.call(body.childNodes).forEach(function (node) {
      content.appendChild(document.importNode(node, true));
    });
    // "Go back" closes the dialog instead of leaving the page.
    content.querySelectorAll("a.confirm-back").forEach(function (link) {
      link.setAttribute("data-bs-dismiss", "modal");
      link.addEventListener("click", function (event) { event.preventDefault(); });
    });
    document.body.appendChild(dialog);
    var modal = new window.bootstrap.Modal(dialog);
    dialog.addEventListener("hidden.bs.modal", function () { dialog.remove(); });
    dialog.addEventListener("shown.bs.modal", function () {
      var first = content.querySelector("select, textarea, input:not([type=hidden]), button.btn-danger");
      if (first) { first.focus(); }
    });
    modal.show();
  }

  ready(function () {
    setUpMenus();
    setUpWideTables();
    setUpConfirmations();
  });
})();
