// What every page does once loaded: announce the result of the last action (GOV.UK patterns).
// An error summary, else the first message, takes the focus, so that a screen reader reads it at
// once and the next Tab goes on from there. A link in the error summary focuses its field.
(function () {
  "use strict";
  // A result wins over the address's fragment: after the skip link, a form posted back to
  // "...#main" would otherwise land on <main> once the page has loaded, not on the result.
  function autofocusTarget() {
    return document.querySelector(".error-summary[data-autofocus]") ||
      document.querySelector("[data-autofocus]");
  }
  function focusFirst() {
    var target = autofocusTarget();
    if (!target) {
      return;
    }
    if (window.location.hash && window.history.replaceState) {
      window.history.replaceState(window.history.state, "",
        window.location.pathname + window.location.search);
    }
    target.focus();
  }
  function keepResultFocus() {
    var target = autofocusTarget();
    var main = document.getElementById("main");
    if (target && (document.activeElement === main || document.activeElement === document.body)) {
      target.focus();
    }
  }
  window.addEventListener("load", keepResultFocus);
  function onSummaryClick(event) {
    var link = event.target.closest(".error-summary a[href^='#']");
    if (!link) {
      return;
    }
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) {
      return;
    }
    event.preventDefault();
    var label = document.querySelector("label[for='" + field.id + "']") ||
      (field.closest("fieldset") && field.closest("fieldset").querySelector("legend"));
    (label || field).scrollIntoView();
    field.focus({ preventScroll: true });
  }
  document.addEventListener("click", onSummaryClick);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusFirst);
  } else {
    focusFirst();
  }
})();

// Tables that fit (WCAG 1.4.10): a table wider than the page scrolls inside its own region,
// which a keyboard can reach and a screen reader names by the table's caption.
(function () {
  "use strict";
  var count = 0;
  function fit() {
    var tables = document.querySelectorAll("main table");
    for (var i = 0; i < tables.length; i++) {
      var table = tables[i];
      if (table.closest(".calendar-grid")) {
        continue;
      }
      var box = table.parentElement;
      if (!box.classList.contains("table-scroll")) {
        box = document.createElement("div");
        box.className = "table-scroll";
        table.parentNode.insertBefore(box, table);
        box.appendChild(table);
      }
      if (box.scrollWidth > box.clientWidth + 1) {
        if (!box.hasAttribute("tabindex")) {
          var caption = table.querySelector("caption");
          box.setAttribute("tabindex", "0");
          box.setAttribute("role", "region");
          if (caption) {
            caption.id = caption.id || "table-caption-" + (++count);
            box.setAttribute("aria-labelledby", caption.id);
          } else {
            box.setAttribute("aria-label", document.body.getAttribute("data-scroll-label") || "Table");
          }
        }
      } else if (box.hasAttribute("tabindex")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-labelledby");
        box.removeAttribute("aria-label");
      }
    }
  }
  var timer = null;
  function later() {
    clearTimeout(timer);
    timer = setTimeout(fit, 150);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fit);
  } else {
    fit();
  }
  window.addEventListener("resize", later);
  document.addEventListener("htmx:afterSettle", fit);
})();
