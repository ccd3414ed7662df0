/* Morgue's one script. Every page works without it; it only adds:
   - autocomplete of people, organisations, places, sources and words in the search box
     (the WAI-ARIA combobox pattern, suggestions from /api/v1/suggest);
   - the timeline: drag across bars to choose a date range, arrow keys to move between bars;
   - keyboard shortcuts: "/" goes to the search box, "j" and "k" move through results.
   Text from the server is only ever set with textContent, never parsed as HTML. */
(function () {
  "use strict";

  var FIELD_OF_KIND = { person: "person", organization: "organization", place: "place", source: "source" };
  var KIND_WORDS = { person: "person", organization: "organisation", place: "place", source: "source", term: "word" };

  /* ---- Autocomplete ------------------------------------------------------------------ */

  function autocomplete(input) {
    var form = input.form;
    var list = document.createElement("ul");
    var status = document.createElement("p");
    var options = [];
    var active = -1;
    var asked = 0;
    var timer = null;
    var span = null; // [start, end, start of a field: before it] of the text a suggestion replaces

    list.id = input.id + "-suggestions";
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggestions");
    list.hidden = true;
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    form.appendChild(list);
    form.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      options.forEach(function (li, i) { li.setAttribute("aria-selected", String(i === index)); });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function show(suggestions) {
      list.textContent = "";
      options = suggestions.map(function (item, i) {
        var li = document.createElement("li");
        var value = document.createElement("span");
        var kind = document.createElement("span");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        value.textContent = item.value;
        value.dir = "auto";
        kind.className = "kind";
        kind.textContent = KIND_WORDS[item.kind] || item.kind;
        li.appendChild(value);
        li.appendChild(kind);
        li.addEventListener("mousedown", function (event) { event.preventDefault(); });
        li.addEventListener("click", function () { choose(item); });
        list.appendChild(li);
        return li;
      });
      active = -1;
      if (options.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      } else {
        close();
      }
      status.textContent = options.length ? options.length + " suggestions; up and down arrows to choose" : "";
    }

    function choose(item) {
      var field = FIELD_OF_KIND[item.kind];
      var text = field ? field + ':"' + item.value.replace(/"/g, "") + '"' : item.value;
      var value = input.value;
      if (field) { span[0] = span[2]; } // a name replaces the field the reader typed too
      var spacer = span[1] === value.length ? " " : "";
      input.value = value.slice(0, span[0]) + text + spacer + value.slice(span[1]);
      var caret = span[0] + text.length + spacer.length;
      input.setSelectionRange(caret, caret);
      close();
      input.focus();
    }

    /* The words being typed: the last one or two before the caret (names have spaces). */
    function typed() {
      var end = input.selectionStart === null ? input.value.length : input.selectionStart;
      var before = input.value.slice(0, end);
      var match = /(?:^|[\s(":])((?:[^\s()":]+\s)?[^\s()":]*)$/.exec(before);
      if (!match || match[1].replace(/\s/g, "").length < 2) { return null; }
      var words = match[1];
      var start = end - words.length;
      var field = /[A-Za-z]+:$/.exec(before.slice(0, start)); // e.g. person:put
      return { words: words, start: start, end: end, fieldStart: field ? field.index : start };
    }

    function ask(words, start, end, fieldStart, fallback) {
      var ticket = ++asked;
      fetch("/api/v1/suggest?limit=8&q=" + encodeURIComponent(words), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (body) {
          if (ticket !== asked) { return; } // a later keystroke has asked again
          var found = body.suggestions || [];
          if (!found.length && fallback) {
            ask(fallback.words, fallback.start, end, fallback.start, null);
            return;
          }
          span = [start, end, fieldStart];
          show(found);
        })
        .catch(close);
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      asked++; // answers to what was typed before are stale now
      close();
      var current = typed();
      if (!current) { return; }
      timer = setTimeout(function () {
        var parts = current.words.split(/\s+/);
        var last = parts[parts.length - 1];
        var fallback = parts.length > 1 && last.length >= 2
          ? { words: last, start: current.end - last.length } : null;
        ask(current.words, current.start, current.end, current.fieldStart, fallback);
      }, 120);
    });

    input.addEventListener("keydown", function (event) {
      var open = !list.hidden && options.length;
      if (event.key === "ArrowDown" && open) {
        event.preventDefault();
        highlight((active + 1) % options.length);
      } else if (event.key === "ArrowUp" && open) {
        event.preventDefault();
        highlight(active <= 0 ? options.length - 1 : active - 1);
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault();
        options[active].click();
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  /* ---- The timeline ------------------------------------------------------------------- */

  function timeline(svg) {
    var slots = Array.prototype.slice.call(svg.querySelectorAll("[data-from]"));
    var links = slots.filter(function (slot) { return slot.tagName.toLowerCase() === "a"; });
    var selection = svg.querySelector(".selection");
    var width = svg.viewBox.baseVal.width;
    var start = null;
    var end = null;
    if (!slots.length) { return; }

    var keys = document.createElement("span"); // for screen readers; nothing moves on screen
    keys.className = "visually-hidden";
    keys.textContent = " Arrow keys move between the bars.";
    (svg.parentNode.querySelector("figcaption") || svg.parentNode).appendChild(keys);

    function slotAt(clientX) {
      var box = svg.getBoundingClientRect();
      var i = Math.floor((clientX - box.left) / box.width * slots.length);
      return Math.max(0, Math.min(slots.length - 1, i));
    }

    function draw() {
      var low = Math.min(start, end);
      var high = Math.max(start, end);
      var step = width / slots.length;
      selection.setAttribute("x", String(low * step));
      selection.setAttribute("width", String((high - low + 1) * step));
    }

    function go(low, high) {
      var url = new URL(svg.getAttribute("data-url"), window.location.href);
      url.searchParams.delete("page");
      url.searchParams.delete("cursor");
      url.searchParams.set("from", slots[low].getAttribute("data-from"));
      url.searchParams.set("to", slots[high].getAttribute("data-to"));
      window.location.assign(url.toString());
    }

    svg.addEventListener("dragstart", function (event) { event.preventDefault(); });
    svg.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) { return; }
      start = end = slotAt(event.clientX);
      draw();
    });
    window.addEventListener("pointermove", function (event) {
      if (start === null) { return; }
      end = slotAt(event.clientX);
      draw();
    });
    window.addEventListener("pointerup", function () {
      if (start === null) { return; }
      var low = Math.min(start, end);
      var high = Math.max(start, end);
      start = end = null;
      if (high > low) {
        go(low, high); // a drag across bars; a click on one bar follows its own link
      } else {
        selection.setAttribute("width", "0");
      }
    });
    window.addEventListener("pointercancel", function () {
      start = end = null;
      selection.setAttribute("width", "0");
    });

    /* One tab stop for the whole chart; arrow keys move between the bars (roving tabindex). */
    links.forEach(function (link, i) { link.setAttribute("tabindex", i === links.length - 1 ? "0" : "-1"); });
    svg.addEventListener("keydown", function (event) {
      var i = links.indexOf(document.activeElement);
      var next = { ArrowLeft: i - 1, ArrowRight: i + 1, Home: 0, End: links.length - 1 }[event.key];
      if (i < 0 || next === undefined) { return; }
      event.preventDefault();
      next = Math.max(0, Math.min(links.length - 1, next));
      links[i].setAttribute("tabindex", "-1");
      links[next].setAttribute("tabindex", "0");
      links[next].focus();
    });
  }

  /* ---- Keyboard shortcuts ------------------------------------------------------------- */

  function typingIn(element) {
    var tag = element && element.tagName ? element.tagName.toLowerCase() : "";
    return tag === "input" || tag === "textarea" || tag === "select" || (element && element.isContentEditable);
  }

  function shortcuts(box) {
    document.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey || typingIn(event.target)) { return; }
      if (event.key === "/" && box) {
        event.preventDefault();
        box.focus();
        box.select();
        return;
      }
      if (event.key !== "j" && event.key !== "k") { return; }
      var hits = Array.prototype.slice.call(document.querySelectorAll("ol.hits > li.hit"));
      if (!hits.length) { return; }
      var current = hits.findIndex(function (hit) { return hit.classList.contains("current"); });
      var next = current < 0 ? 0 : current + (event.key === "j" ? 1 : -1);
      next = Math.max(0, Math.min(hits.length - 1, next));
      event.preventDefault();
      hits.forEach(function (hit) { hit.classList.remove("current"); });
      hits[next].classList.add("current");
      var link = hits[next].querySelector("h2 a");
      if (link) { link.focus(); }
      hits[next].scrollIntoView({ block: "nearest" });
    });
  }

  var box = document.getElementById("q");
  if (box && box.form && window.fetch) { autocomplete(box); }
  Array.prototype.forEach.call(document.querySelectorAll("svg.timeline-chart"), timeline);
  shortcuts(box);
})();
