/* The demo page: type-ahead over /v1/search, the code panel from /v1/codes/<code>,
   and a question mode over /v1/answer. Plain DOM, no dependencies. */
(function () {
  "use strict";

  var DEBOUNCE_MS = 150;
  var LIMIT = 8;
  // The API refuses query-syntax characters; a trailing "?" is natural in a question.
  var SYNTAX = /["*:()[\]{}^~?\\]/g;
  var QUESTION = /^(what|when|who|whom|which|how|why|is|are|does|do|can|should)\b/i;

  var form = document.getElementById("search-form");
  var input = document.getElementById("query");
  var label = document.getElementById("query-label");
  var list = document.getElementById("results");
  var statusLine = document.getElementById("status");
  var goButton = document.getElementById("go");

  var state = { results: [], active: -1, timer: null, request: null, seq: 0, lastQuery: "", changes: {} };

  function mode() {
    return form.elements.mode.value;
  }

  function cleaned(text) {
    return text.replace(SYNTAX, " ").replace(/\s+/g, " ").replace(/^ /, "");
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /* The API's highlight is HTML-escaped text with <mark>; rebuild it as DOM, keeping only marks. */
  function marked(html) {
    var doc = new DOMParser().parseFromString("<p>" + html + "</p>", "text/html");
    var frag = document.createDocumentFragment();
    doc.body.firstChild.childNodes.forEach(function (node) {
      if (node.nodeType === 1 && node.tagName === "MARK") frag.appendChild(el("mark", {}, node.textContent));
      else frag.appendChild(document.createTextNode(node.textContent));
    });
    return frag;
  }

  function getJSON(url, signal) {
    return fetch(url, { signal: signal, headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error((body.error && body.error.message) || ("HTTP " + r.status));
        return body;
      });
    });
  }

  function say(text, suggestion) {
    statusLine.textContent = text;
    if (suggestion) {
      var button = el("button", { type: "button", class: "linkish" }, suggestion);
      button.addEventListener("click", function () { input.value = suggestion; input.focus(); search(); });
      statusLine.appendChild(document.createTextNode(" Did you mean "));
      statusLine.appendChild(button);
      statusLine.appendChild(document.createTextNode("?"));
    }
  }

  // -- new and changed codes of the live release (/v1/changes) -------------------------------------
  var CHANGE_LISTS = { added: "new", terminated: "terminated", reactivated: "reactivated",
    descriptor_changed: "changed", short_descriptor_changed: "changed", fields_changed: "changed" };

  function loadChanges() {
    getJSON("/v1/changes").then(function (body) {
      Object.keys(CHANGE_LISTS).forEach(function (name) {
        (body[name] || []).forEach(function (entry) {
          if (!state.changes[entry.code]) state.changes[entry.code] = CHANGE_LISTS[name];
        });
      });
    }).catch(function () { /* no marks: the search works without them */ });
  }

  function changeBadge(code) {
    return el("span", { class: "badge change" }, state.changes[code] + " this release");
  }

  // -- the list box -------------------------------------------------------------------------------
  function openList(open) {
    list.hidden = !open;
    input.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) setActive(-1);
  }

  function setActive(index) {
    var options = list.querySelectorAll("[role=option]");
    state.active = index;
    options.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (index >= 0 && options[index]) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function option(hit, i) {
    var item = el("li", { role: "option", id: "result-" + i, "aria-selected": "false", "data-code": hit.code });
    item.appendChild(el("span", { class: "code" }, hit.code));
    var desc = el("span", { class: "desc" });
    var text = el("span", { class: "text" });
    text.appendChild(marked(hit.highlight || hit.long_description));
    desc.appendChild(text);
    if (hit.also_called && hit.also_called.length) {
      // why a plain-words query found it: the code's everyday names that hold a typed word
      desc.appendChild(el("span", { class: "aka" }, "also called " + hit.also_called.join(", ")));
    }
    item.appendChild(desc);
    if (hit.status === "terminated") item.appendChild(el("span", { class: "badge inactive" }, "inactive"));
    if (state.changes[hit.code]) item.appendChild(changeBadge(hit.code));
    // mousedown, not click: keep focus in the input while choosing
    item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
    return item;
  }

  function render(body) {
    state.results = body.results;
    list.replaceChildren.apply(list, body.results.map(option));
    openList(body.results.length > 0);
    if (!body.results.length) {
      say("No codes match.", body.did_you_mean);
    } else {
      var n = body.total;
      say(n + (n === 1 ? " code matches." : " codes match.") + " " + body.results[0].code + " is first.",
          body.did_you_mean);
    }
  }

  function search() {
    var text = cleaned(input.value);
    clearTimeout(state.timer);
    if (!text.trim()) {
      if (state.request) state.request.abort();
      state.results = [];
      list.replaceChildren();
      openList(false);
      say("");
      return;
    }
    if (text === state.lastQuery && state.results.length) { openList(true); return; }
    if (state.request) state.request.abort();
    var controller = new AbortController();
    var seq = ++state.seq;
    state.request = controller;
    state.lastQuery = text;
    getJSON("/v1/search?limit=" + LIMIT + "&q=" + encodeURIComponent(text), controller.signal)
      .then(function (body) { if (seq === state.seq) render(body); })
      .catch(function (err) { if (err.name !== "AbortError") say("Search failed: " + err.message); });
  }

  function choose(i) {
    var hit = state.results[i];
    if (!hit) return;
    input.value = hit.code;
    state.lastQuery = hit.code;
    openList(false);
    showCode(hit.code);
  }

  // -- the code panel -----------------------------------------------------------------------------
  var RVU_ROWS = [
    ["work_rvu", "Work RVU"], ["non_facility_pe_rvu", "Practice expense RVU (non-facility)"],
    ["facility_pe_rvu", "Practice expense RVU (facility)"], ["malpractice_rvu", "Malpractice RVU"],
    ["non_facility_total_rvu", "Total RVU (non-facility)"], ["facility_total_rvu", "Total RVU (facility)"],
    ["global_days", "Global days"]
  ];

  function fact(dl, term, value) {
    if (value === null || value === undefined || value === "") return;
    dl.appendChild(el("dt", {}, term));
    dl.appendChild(el("dd", {}, value));
  }

  function coded(value) {
    return value ? value.code + ": " + value.description : null;
  }

  function fillBlock(name, show) {
    document.getElementById("code-" + name + "-block").hidden = !show;
  }

  function renderCode(record) {
    var panel = document.getElementById("code");
    document.getElementById("code-code").textContent = record.code;
    document.getElementById("code-short").textContent = record.short_description;
    document.getElementById("code-long").textContent = record.long_description;

    var badges = document.getElementById("code-badges");
    badges.replaceChildren(
      record.status === "terminated"
        ? el("span", { class: "badge inactive" }, "inactive" + (record.terminated_date ? " since " + record.terminated_date : ""))
        : el("span", { class: "badge active" }, "active"),
      el("span", { class: "badge kind" }, record.kind));
    if (state.changes[record.code]) badges.appendChild(changeBadge(record.code));

    var dl = document.getElementById("code-facts");
    dl.replaceChildren();
    fact(dl, "Section", record.section);
    fact(dl, "Added", record.added_date);
    fact(dl, "Terminated", record.terminated_date);
    fact(dl, "Last CMS action", record.action_effective_year);
    fact(dl, "Status", record.status_basis);
    fact(dl, "Coverage", coded(record.coverage));
    fact(dl, "Pricing", coded(record.pricing_indicator));
    if (record.drug_billing) fact(dl, "Billing unit", record.drug_billing.billing_unit);

    var pfs = record.pfs;
    var tbody = document.querySelector("#code-rvu tbody");
    tbody.replaceChildren();
    if (pfs) {
      RVU_ROWS.forEach(function (row) {
        if (pfs[row[0]] === undefined || pfs[row[0]] === null) return;
        var tr = el("tr");
        tr.appendChild(el("th", { scope: "row" }, row[1]));
        tr.appendChild(el("td", {}, pfs[row[0]]));
        tbody.appendChild(tr);
      });
      if (pfs.status_description) {
        var tr = el("tr");
        tr.appendChild(el("th", { scope: "row" }, "Fee schedule status"));
        tr.appendChild(el("td", {}, pfs.status_code + ": " + pfs.status_description));
        tbody.appendChild(tr);
      }
    }
    fillBlock("rvu", tbody.children.length > 0);

    var drugs = document.getElementById("code-drugs");
    drugs.replaceChildren.apply(drugs, (record.drug_names || []).map(function (name) { return el("li", {}, name); }));
    fillBlock("drugs", drugs.children.length > 0);

    var faq = document.getElementById("code-faq");
    faq.replaceChildren.apply(faq, (record.faq || []).map(function (entry) {
      var details = el("details");
      details.appendChild(el("summary", {}, entry.question));
      details.appendChild(el("p", {}, entry.answer));
      return details;
    }));
    fillBlock("faq", faq.children.length > 0);

    document.getElementById("code-page").href = "/codes/" + encodeURIComponent(record.code);
    document.getElementById("code-json").href = "/v1/codes/" + encodeURIComponent(record.code);
    panel.hidden = false;
  }

  function showCode(code) {
    getJSON("/v1/codes/" + encodeURIComponent(code))
      .then(function (record) {
        renderCode(record);
        history.replaceState(null, "", "#" + record.code);
      })
      .catch(function (err) { say(err.message); });
  }

  // -- question mode ------------------------------------------------------------------------------
  function ask() {
    var question = cleaned(input.value).trim();
    if (!question) return;
    openList(false);
    say("Looking for an answer…");
    getJSON("/v1/answer?q=" + encodeURIComponent(question))
      .then(function (body) {
        document.getElementById("answer-text").textContent = body.answer;
        var source = document.getElementById("answer-source");
        source.replaceChildren();
        if (body.code) {
          var link = el("button", { type: "button", class: "linkish" }, "Open " + body.code);
          link.addEventListener("click", function () { showCode(body.code); });
          source.appendChild(link);
        } else if (body.intent === "faq" && body.facts.sources && body.facts.sources.length) {
          source.appendChild(el("small", {}, "Source: " + body.facts.sources[0].source));
        }
        var related = document.getElementById("answer-results");
        related.replaceChildren.apply(related, body.results.map(function (hit) {
          var item = el("li");
          var button = el("button", { type: "button", class: "linkish code" }, hit.code);
          button.addEventListener("click", function () { showCode(hit.code); });
          item.appendChild(button);
          item.appendChild(document.createTextNode(" " + hit.short_description));
          if (hit.status === "terminated") item.appendChild(el("span", { class: "badge inactive" }, "inactive"));
          return item;
        }));
        document.getElementById("answer-results-title").hidden = body.results.length === 0;
        document.getElementById("answer").hidden = false;
        say("Answered.");
        if (body.code) showCode(body.code);
      })
      .catch(function (err) { say("No answer: " + err.message); });
  }

  function applyMode() {
    var asking = mode() === "ask";
    label.textContent = asking ? "Ask a question about a code" : "Search HCPCS codes";
    goButton.textContent = asking ? "Ask" : "Search";
    input.placeholder = asking ? "e.g. when is G9306 used, what is the work rvu of G0438"
                               : "e.g. cpap, E014, humira, leak anastomosis";
    input.setAttribute("aria-autocomplete", asking ? "none" : "list");
    document.getElementById("query-hint").textContent = asking
      ? "Enter asks. Answers come only from the code's CMS record."
      : "Arrow keys move through the list, Enter chooses, Escape closes.";
    openList(false);
  }

  // -- events -------------------------------------------------------------------------------------
  input.addEventListener("input", function () {
    if (mode() !== "search") return;
    clearTimeout(state.timer);
    state.timer = setTimeout(search, DEBOUNCE_MS);
  });

  input.addEventListener("keydown", function (event) {
    var open = !list.hidden && state.results.length > 0;
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (!open) { search(); return; }
        setActive(Math.min(state.active + 1, state.results.length - 1));
        break;
      case "ArrowUp":
        event.preventDefault();
        if (open) setActive(Math.max(state.active - 1, 0));
        break;
      case "Enter":
        if (open && state.active >= 0) { event.preventDefault(); choose(state.active); }
        break;
      case "Escape":
        if (open) { event.preventDefault(); openList(false); }
        else if (input.value) { event.preventDefault(); input.value = ""; search(); }
        break;
    }
  });

  input.addEventListener("blur", function () { openList(false); });
  input.addEventListener("focus", function () { if (state.results.length && mode() === "search") openList(true); });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (mode() === "ask" || QUESTION.test(text)) { ask(); return; }
    clearTimeout(state.timer);
    if (state.results.length && cleaned(text) === state.lastQuery) choose(0);
    else search();
  });

  form.querySelectorAll("input[name=mode]").forEach(function (radio) {
    radio.addEventListener("change", function () { applyMode(); input.focus(); });
  });

  applyMode();
  loadChanges();
  var fromHash = decodeURIComponent(location.hash.slice(1));
  if (/^[A-Za-z0-9]{2,5}$/.test(fromHash)) showCode(fromHash);
})();
