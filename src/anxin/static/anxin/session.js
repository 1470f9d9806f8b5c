// The idle warning (WCAG 2.2.1 Timing Adjustable; docs/security.md, "Sessions").
// Shortly before the server-side idle limit, a modal dialog says so and offers "Stay signed in",
// which posts (with the page's CSRF token) to the keep-alive. Focus moves to that button; Escape
// also stays signed in (the person is evidently there). The server is asked for the time left
// before warning, so activity in another tab, or a service of one's own in progress (the idle
// clock pauses), puts the warning off instead of showing it wrongly. No inline script (CSP).
(function () {
  "use strict";
  var dialog = document.getElementById("session-warning");
  if (!dialog || typeof dialog.showModal !== "function") {
    return;
  }
  var idle = Number(dialog.dataset.idleSeconds);
  var lead = Number(dialog.dataset.warningSeconds);
  var stateUrl = dialog.dataset.stateUrl;
  var form = dialog.querySelector("form");
  var button = form.querySelector("button");
  var SLACK = 60; // the server writes "last seen" at most once a minute
  var timer = null;
  var returnFocus = null;
  var signedOut = false;

  function schedule(seconds) {
    clearTimeout(timer);
    timer = setTimeout(check, Math.max(0, seconds) * 1000);
  }

  function show(state) {
    dialog.querySelectorAll("[data-state]").forEach(function (el) {
      el.hidden = el.dataset.state !== state;
    });
  }

  function open() {
    if (!dialog.open) {
      returnFocus = document.activeElement;
      dialog.showModal();
    }
  }

  function warn(remaining) {
    show("warning");
    open();
    button.focus();
    schedule(remaining + 1);
  }

  function ended() {
    signedOut = true;
    clearTimeout(timer);
    show("ended");
    open();
    dialog.querySelector("h2").focus();
  }

  function close() {
    if (dialog.open) {
      dialog.close();
    }
    if (returnFocus && document.contains(returnFocus)) {
      returnFocus.focus();
    }
    returnFocus = null;
  }

  // What the server says: {remaining, warning}; a redirect (to log in) means the session ended.
  function answer(response) {
    if (response.redirected || response.status === 401 || response.status === 403) {
      throw new Error("signed out");
    }
    if (!response.ok) {
      throw new Error("unavailable");
    }
    return response.json();
  }

  function react(state) {
    if (state.remaining > lead) {
      close();
      schedule(state.remaining - lead);
    } else {
      warn(state.remaining);
    }
  }

  function failed(error) {
    if (error.message === "signed out") {
      ended();
    } else {
      warn(lead); // the server did not answer: warn rather than say nothing
    }
  }

  function check() {
    fetch(stateUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(answer)
      .then(react)
      .catch(failed);
  }

  function stay(event) {
    if (event) {
      event.preventDefault();
    }
    if (signedOut) {
      return;
    }
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(answer)
      .then(function (state) {
        close();
        schedule(state.remaining - lead);
      })
      .catch(failed);
  }

  form.addEventListener("submit", stay);
  dialog.addEventListener("cancel", function (event) {
    if (!signedOut) {
      event.preventDefault();
      stay();
    }
  });
  // A request made without reloading the page (htmx) is activity too.
  document.addEventListener("htmx:afterRequest", function () {
    if (!dialog.open) {
      schedule(idle - lead - SLACK);
    }
  });
  schedule(idle - lead - SLACK);
})();
