// The booking form: choosing a service item shows the duration the booking takes when none is
// given (the item's usual minutes) in the duration's hint and as its placeholder.
(function () {
  "use strict";
  function start() {
    var item = document.querySelector("select[name=item]");
    var minutes = document.querySelector("input[name=minutes][data-usual-hint]");
    if (!item || !minutes) {
      return;
    }
    var hint = document.getElementById(minutes.id + "_helptext");
    var original = hint ? hint.textContent : "";
    function show() {
      var chosen = item.options[item.selectedIndex];
      var usual = chosen && chosen.getAttribute("data-minutes");
      minutes.placeholder = usual || "";
      if (hint) {
        hint.textContent = usual ?
          minutes.getAttribute("data-usual-hint").replace("%s", usual) : original;
      }
    }
    item.addEventListener("change", show);
    show();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
