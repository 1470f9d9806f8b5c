// The client combobox: a text box for a code, name, pinyin initials or phone becomes a WAI-ARIA
// 1.2 combobox with a list of suggestions (the APG "list autocomplete" pattern).
//
// The server renders <input data-combobox data-lookup="…">: without this script it stays a text
// box whose text the server resolves. With it: typing asks data-lookup?q= for a short list (JSON:
// options, status); Down/Up move through the list (Down opens it, Alt+Down opens it without
// moving), Enter chooses, Escape closes it (or, when closed, clears the box); a polite live
// region announces how many suggestions there are. data-suggestions names a JSON script of the
// clients offered before anything is typed (a practitioner's recent clients).
(function () {
  "use strict";
  var DELAY = 200;

  function make(tag, attrs) {
    var el = document.createElement(tag);
    Object.keys(attrs).forEach(function (name) {
      el.setAttribute(name, attrs[name]);
    });
    return el;
  }

  function Combobox(input) {
    var self = this;
    this.input = input;
    this.url = input.getAttribute("data-lookup");
    this.options = [];
    this.active = -1;
    this.serial = 0;
    this.timer = null;
    this.suggestions = [];
    this.suggestionsStatus = input.getAttribute("data-suggestions-status") || "";
    var source = input.getAttribute("data-suggestions");
    if (source && document.getElementById(source)) {
      try {
        this.suggestions = JSON.parse(document.getElementById(source).textContent) || [];
      } catch (e) {
        this.suggestions = [];
      }
    }
    var id = input.id || "combobox";
    this.listbox = make("ul", {
      id: id + "-listbox",
      role: "listbox",
      "aria-label": input.getAttribute("data-listbox-label") || "",
      "class": "combobox-listbox"
    });
    this.listbox.hidden = true;
    this.status = make("div", {
      id: id + "-status",
      role: "status",
      "aria-live": "polite",
      "aria-atomic": "true",
      "class": "visually-hidden"
    });
    var wrapper = make("div", { "class": "combobox" });
    var focused = document.activeElement === input;
    input.parentNode.insertBefore(wrapper, input);
    wrapper.appendChild(input);
    if (focused) {
      input.focus(); // moving the box took the focus away
    }
    wrapper.appendChild(this.listbox);
    wrapper.appendChild(this.status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", this.listbox.id);
    input.addEventListener("input", function () { self.onInput(); });
    input.addEventListener("keydown", function (event) { self.onKey(event); });
    input.addEventListener("blur", function () { self.close(); });
    this.listbox.addEventListener("mousedown", function (event) {
      event.preventDefault(); // keep the focus in the box
    });
    this.listbox.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) {
        self.choose(Number(option.getAttribute("data-index")));
      }
    });
    if (this.suggestions.length) {
      // Down shows them: the recent clients, or the several that matched what was sent.
      this.render(this.suggestions);
      if (!input.value) {
        this.announce(this.suggestionsStatus);
      }
    }
  }

  Combobox.prototype.announce = function (text) {
    // Emptied first, so that the same count said twice is announced twice.
    var status = this.status;
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text || ""; }, 50);
  };

  Combobox.prototype.render = function (options) {
    var self = this;
    this.options = options || [];
    this.active = -1;
    this.input.removeAttribute("aria-activedescendant");
    this.listbox.textContent = "";
    this.options.forEach(function (option, index) {
      var li = make("li", {
        id: self.listbox.id + "-" + index,
        role: "option",
        "aria-selected": "false",
        "data-index": String(index)
      });
      li.textContent = option.label;
      self.listbox.appendChild(li);
    });
  };

  Combobox.prototype.open = function () {
    if (!this.options.length) {
      return false;
    }
    this.listbox.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    return true;
  };

  Combobox.prototype.isOpen = function () {
    return !this.listbox.hidden;
  };

  Combobox.prototype.close = function () {
    this.listbox.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.highlight(-1);
  };

  Combobox.prototype.highlight = function (index) {
    var items = this.listbox.querySelectorAll("[role=option]");
    if (this.active >= 0 && items[this.active]) {
      items[this.active].setAttribute("aria-selected", "false");
    }
    this.active = index;
    if (index >= 0 && items[index]) {
      items[index].setAttribute("aria-selected", "true");
      this.input.setAttribute("aria-activedescendant", items[index].id);
      if (items[index].scrollIntoView) {
        items[index].scrollIntoView({ block: "nearest" });
      }
    } else {
      this.input.removeAttribute("aria-activedescendant");
    }
  };

  Combobox.prototype.choose = function (index) {
    var option = this.options[index];
    if (!option) {
      return;
    }
    this.input.value = option.value;
    this.close();
    this.input.dispatchEvent(new Event("change", { bubbles: true }));
  };

  Combobox.prototype.onInput = function () {
    var self = this;
    var query = this.input.value.trim();
    window.clearTimeout(this.timer);
    if (!query) {
      this.serial += 1; // a late answer to an earlier query is dropped
      this.render(this.suggestions);
      this.close();
      this.announce("");
      return;
    }
    this.timer = window.setTimeout(function () { self.fetch(query); }, DELAY);
  };

  Combobox.prototype.fetch = function (query) {
    var self = this;
    var serial = (this.serial += 1);
    var url = this.url + (this.url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(query);
    window.fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (!data || serial !== self.serial) {
        return;
      }
      self.render(data.options);
      if (self.options.length && document.activeElement === self.input) {
        self.open();
      } else {
        self.close();
      }
      self.announce(data.status);
    }).catch(function () { /* the server resolves the typed text on submit */ });
  };

  Combobox.prototype.onKey = function (event) {
    var count = this.options.length;
    switch (event.key) {
      case "ArrowDown":
        if (!count) {
          return;
        }
        event.preventDefault();
        if (!this.isOpen()) {
          this.open();
          if (!event.altKey) {
            this.highlight(0);
          }
        } else {
          this.highlight(this.active + 1 < count ? this.active + 1 : 0);
        }
        break;
      case "ArrowUp":
        if (!count) {
          return;
        }
        event.preventDefault();
        this.open();
        this.highlight(this.active > 0 ? this.active - 1 : count - 1);
        break;
      case "Enter":
        if (this.isOpen() && this.active >= 0) {
          event.preventDefault(); // choosing does not submit the form
          this.choose(this.active);
        }
        break;
      case "Escape":
        if (this.isOpen()) {
          event.preventDefault();
          this.close();
        } else if (this.input.value) {
          event.preventDefault();
          this.input.value = "";
          this.onInput();
        }
        break;
      case "Tab":
        this.close();
        break;
      default:
        break;
    }
  };

  function start() {
    document.querySelectorAll("input[data-combobox]").forEach(function (input) {
      if (!input.hasAttribute("data-combobox-ready")) {
        input.setAttribute("data-combobox-ready", "");
        new Combobox(input); // eslint-disable-line no-new
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
