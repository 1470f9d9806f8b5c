// What every page does once loaded: announce the result of the last action (GOV.UK patterns).
// An error summary, else the first message, takes the focus, so that a screen reader reads it at
// once and the next Tab goes on from there. A link in the error summary focuses its field.
(function () {
  "use strict";
  function focusFirst() {
    var target = document.querySelector(".error-summary[data-autofocus]") ||
      document.querySelector("[data-autofocus]");
    if (target) {
      target.focus();
    }
  }
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
