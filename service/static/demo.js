/* The demo page: type-ahead over /v1/search, the code panel from /v1/codes/<code>,
   and a question mode over /v1/answer. Plain DOM, no dependencies.

   Trust rules of the search box: Enter and the arrow keys act only on a list made for the text and
   filters now in the box, once it has arrived (never while a newer search is pending or after one
   failed); a failed search clears the list; only the newest code request may fill the code panel. */
(function () {
  "use strict";

  var DEBOUNCE_MS = 150;
  var TYPEAHEAD = 8;        // results in the type-ahead list
  var PAGE = 50;            // results per page once "Show all" is chosen (the API's largest limit)
  var MAX_OFFSET = 1000;    // the API's largest offset: PAGE + MAX_OFFSET results can be listed
  var TITLE = document.title;
  // The API refuses query-syntax characters; a trailing "?" is natural in a question.
  var SYNTAX = /["*:()[\]{}^~?\\]/g;
  var QUESTION = /^(what|when|who|whom|which|how|why|is|are|does|do|can|should)\b/i;
  var CODE_IN_HASH = /^[A-Za-z0-9]{2,5}$/;

  var form = document.getElementById("search-form");
  var input = document.getElementById("query");
  var label = document.getElementById("query-label");
  var list = document.getElementById("results");
  var statusLine = document.getElementById("status");
  var goButton = document.getElementById("go");
  var filterBox = document.getElementById("filters");
  var pager = document.getElementById("pager");
  var rangeText = document.getElementById("result-range");
  var showAllButton = document.getElementById("show-all");
  var prevButton = document.getElementById("prev-page");
  var nextButton = document.getElementById("next-page");
  var answerPanel = document.getElementById("answer");
  var codePanel = document.getElementById("code");
  var copyButton = document.getElementById("copy-code");
  var copyNote = document.getElementById("copy-note");

  var state = {
    shown: null,      // the list on screen: {key, hits, offset, size, total, exact, capped}
    active: -1,       // highlighted option of state.shown.hits
    size: TYPEAHEAD,  // TYPEAHEAD, or PAGE after "Show all"
    timer: null,      // a search waiting out the debounce
    request: null,    // the AbortController of the search in flight
    seq: 0,
    pool: null,       // every result of one text and status, fetched for the type and section filters
    code: null,       // the code the panel shows or is loading
    codeRequest: null,
    codeSeq: 0,
    askSeq: 0,
    changes: {}
  };

  function mode() {
    return form.elements.mode.value;
  }

  function cleaned(text) {
    return text.replace(SYNTAX, " ").replace(/\s+/g, " ").replace(/^ /, "");
  }

  function queryText() {
    return cleaned(input.value).trim();
  }

  function filters() {
    return { status: form.elements.status.value, kind: form.elements.kind.value,
             section: form.elements.section.value };
  }

  // What a list is made for: the text and every filter. A list of another key never answers Enter.
  function currentKey() {
    var f = filters();
    return JSON.stringify([queryText(), f.status, f.kind, f.section]);
  }

  // The list on screen was made for what is in the box now, and no newer search is pending.
  function fresh() {
    return !!state.shown && !state.timer && !state.request && state.shown.key === currentKey();
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function count(n) {
    return n.toLocaleString("en-US");
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
      return r.text().then(function (text) {
        var body = null;
        try { body = JSON.parse(text); } catch (e) { body = null; }
        if (!r.ok) throw new Error((body && body.error && body.error.message) || ("the server answered " + r.status));
        if (body === null) throw new Error("the server's answer was not JSON");
        return body;
      });
    }, function (err) {
      if (err.name === "AbortError") throw err;
      throw new Error("the service could not be reached");
    });
  }

  function aborted(err) {
    return err && err.name === "AbortError";
  }

  /* The status line: a message, then optionally the API's note and a "did you mean" button. It sits
     above the list, so nothing covers the suggestion. */
  function say(text, extra) {
    extra = extra || {};
    statusLine.replaceChildren();
    if (extra.note) statusLine.appendChild(el("span", { class: "note" }, extra.note));
    if (text) statusLine.appendChild(document.createTextNode((extra.note ? " " : "") + text));
    if (extra.suggestion) {
      var suggestion = extra.suggestion;
      var button = el("button", { type: "button", class: "linkish" }, suggestion);
      button.addEventListener("click", function () {
        input.value = suggestion;
        input.focus();
        textChanged();
        search();
      });
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
    open = open && !!state.shown && state.shown.hits.length > 0 && mode() === "search";
    list.hidden = !open;
    pager.hidden = !open || pager.dataset.empty === "true";
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

  // The list no longer answers the box (new text, new filters, another page on its way).
  function markStale() {
    setActive(-1);
    list.classList.add("stale");
    list.setAttribute("aria-busy", "true");
    pager.classList.add("stale");
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
    var badges = el("span", { class: "badges" });
    if (hit.kind === "modifier") badges.appendChild(el("span", { class: "badge modifier" }, "modifier"));
    if (hit.status === "terminated") badges.appendChild(el("span", { class: "badge inactive" }, "inactive"));
    if (state.changes[hit.code]) badges.appendChild(changeBadge(hit.code));
    item.appendChild(badges);
    // mousedown, not click: keep focus in the input while choosing. The item chooses its own code,
    // whatever list is on screen by then.
    item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(hit); });
    return item;
  }

  function summary(shown, body) {
    var f = filters();
    var filtered = f.kind || f.section;
    var n = shown.total;
    if (!shown.hits.length) {
      if (shown.offset > 0) return "No more codes.";
      if (body.note && !filtered && !f.status) return "";
      return (f.status || filtered) ? "No codes match these filters." : "No codes match.";
    }
    var text = count(n) + (n === 1 ? " code matches" : " codes match") + (filtered ? " these filters" : "");
    if (shown.offset === 0) return text + ". " + shown.hits[0].code + " is first.";
    return text + "; showing " + count(shown.offset + 1) + "–" + count(shown.offset + shown.hits.length) + ".";
  }

  function renderPager(shown) {
    var end = shown.offset + shown.hits.length;
    var paging = shown.size === PAGE;
    var more = Math.min(shown.total, MAX_OFFSET + PAGE) > end;
    var text = shown.hits.length
      ? count(shown.offset + 1) + "–" + count(end) + " of " + count(shown.total)
      : "";
    if (shown.capped) {
      text += ". The API lists the first " + count(MAX_OFFSET + PAGE) +
        "; add words or a filter to reach the rest.";
    }
    rangeText.textContent = text;
    showAllButton.hidden = paging || !more;
    showAllButton.textContent = "Show all " + count(shown.total);
    prevButton.hidden = !paging || shown.offset === 0;
    nextButton.hidden = !paging || !more;
    pager.dataset.empty = (!shown.hits.length || (!more && !paging && !shown.capped)) ? "true" : "false";
  }

  function render(shown, body) {
    state.shown = shown;
    list.classList.remove("stale");
    list.removeAttribute("aria-busy");
    list.replaceChildren.apply(list, shown.hits.map(option));
    pager.classList.remove("stale");
    var focused = pager.contains(document.activeElement) ? document.activeElement : null;
    renderPager(shown);
    openList(true);
    // a pager button used from the keyboard and now gone (first or last page): keep the focus nearby
    if (focused && focused.hidden) (prevButton.hidden || pager.hidden ? input : prevButton).focus();
    list.scrollTop = 0;
    say(summary(shown, body), { note: body.note, suggestion: body.did_you_mean });
  }

  function clearList() {
    state.shown = null;
    list.replaceChildren();
    list.classList.remove("stale");
    pager.classList.remove("stale");
    list.removeAttribute("aria-busy");
    pager.dataset.empty = "true";
    openList(false);
  }

  function searchURL(text, status, limit, offset) {
    return "/v1/search?limit=" + limit + "&offset=" + offset + (status ? "&status=" + status : "") +
      "&q=" + encodeURIComponent(text);
  }

  // One page straight from the API (no type or section filter): its total is the API's.
  function fetchPage(text, f, offset, size, signal) {
    return getJSON(searchURL(text, f.status, size, offset), signal).then(function (body) {
      return { body: body, hits: body.results, total: body.total, capped: body.total > MAX_OFFSET + PAGE };
    });
  }

  /* The type and section filters are the page's own (the API filters only by status): every result the
     API lists for the text is fetched once (pages of 50, at most 1,050 results), then filtered and paged
     here, so the count and the pages are exact. */
  function fetchPool(text, status, signal) {
    var id = JSON.stringify([text, status]);
    if (state.pool && state.pool.id === id) return Promise.resolve(state.pool);
    return getJSON(searchURL(text, status, PAGE, 0), signal).then(function (first) {
      var offsets = [];
      for (var at = PAGE; at < first.total && at <= MAX_OFFSET; at += PAGE) offsets.push(at);
      return Promise.all(offsets.map(function (offset) {
        return getJSON(searchURL(text, status, PAGE, offset), signal);
      })).then(function (rest) {
        var hits = first.results.slice();
        rest.forEach(function (page) { hits = hits.concat(page.results); });
        state.pool = { id: id, body: first, hits: hits, capped: first.total > hits.length };
        return state.pool;
      });
    });
  }

  function filteredPage(text, f, offset, size, signal) {
    return fetchPool(text, f.status, signal).then(function (pool) {
      var hits = pool.hits.filter(function (hit) {
        return (!f.kind || hit.kind === f.kind) && (!f.section || hit.code.charAt(0).toUpperCase() === f.section);
      });
      return { body: pool.body, hits: hits.slice(offset, offset + size), total: hits.length, capped: pool.capped };
    });
  }

  // Drop the search waiting on the debounce timer and the one in flight: neither may reach the list.
  function cancelPending() {
    clearTimeout(state.timer);
    state.timer = null;
    if (state.request) state.request.abort();
    state.request = null;
  }

  /* Fetch and show one page of results for what is in the box now. Every earlier search is cancelled;
     a response that is not the newest is dropped. */
  function search(offset) {
    offset = offset || 0;
    cancelPending();
    var text = queryText();
    if (!text) {
      clearList();
      say("");
      return;
    }
    var f = filters();
    var key = currentKey();
    var size = state.size;
    var controller = new AbortController();
    var seq = ++state.seq;
    state.request = controller;
    markStale();
    var loading = (f.kind || f.section) ? filteredPage : fetchPage;
    loading(text, f, offset, size, controller.signal)
      .then(function (page) {
        if (seq !== state.seq) return;
        state.request = null;
        render({ key: key, hits: page.hits, offset: offset, size: size, total: page.total,
                 capped: page.capped }, page.body);
      })
      .catch(function (err) {
        if (aborted(err) || seq !== state.seq) return;
        state.request = null;
        clearList();
        say("Search failed: " + err.message);
      });
  }

  // The text changed: the list on screen no longer answers it (the caller searches, now or after a pause).
  function textChanged() {
    state.size = TYPEAHEAD;
    markStale();
  }

  function scheduleSearch() {
    clearTimeout(state.timer);
    state.timer = setTimeout(function () { state.timer = null; search(); }, DEBOUNCE_MS);
  }

  /* Enter (or the Search button) in search mode. It opens a code only from a list made for this text
     and these filters that has arrived; otherwise it waits for, or starts, the search. */
  function commit() {
    if (!queryText()) return;
    if (state.timer) { search(); return; }      // typed just now: search at once, open nothing
    if (state.request) return;                  // a newer search is on its way: wait for it
    if (!fresh()) { search(); return; }         // the list is for other text, or the search failed
    if (list.hidden) { openList(true); return; } // after a choice or Escape: show the list again
    var hits = state.shown.hits;
    if (hits.length) choose(hits[state.active >= 0 ? state.active : 0]);
  }

  function choose(hit) {
    if (!hit) return;
    // a search still pending would bring the list back over the chosen code: drop it (Enter searches again)
    cancelPending();
    if (state.shown && state.shown.key === currentKey()) {
      list.classList.remove("stale");
      list.removeAttribute("aria-busy");
      pager.classList.remove("stale");
    }
    openList(false);
    say("");
    answerPanel.hidden = true;   // an answer to an earlier question is not about this code
    showCode(hit.code, true);
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
    copyNote.textContent = "";
    copyButton.setAttribute("aria-label", "Copy code " + record.code);
    codePanel.hidden = false;
    document.title = record.code + ": " + record.short_description + " · " + TITLE;
  }

  function hideCode() {
    if (state.codeRequest) state.codeRequest.abort();
    state.codeRequest = null;
    state.codeSeq++;
    state.code = null;
    codePanel.hidden = true;
    codePanel.removeAttribute("aria-busy");
    document.title = TITLE;
  }

  /* Open a code in the panel. Only the newest request may fill it: an earlier one still on its way is
     cancelled, and a late answer is dropped. push: a new history entry (Back returns to the code before);
     otherwise the address is left as it is (the code came from it). */
  function showCode(code, push) {
    code = code.toUpperCase();
    if (state.codeRequest) state.codeRequest.abort();
    var controller = new AbortController();
    var seq = ++state.codeSeq;
    state.codeRequest = controller;
    state.code = code;
    codePanel.setAttribute("aria-busy", "true");
    getJSON("/v1/codes/" + encodeURIComponent(code), controller.signal)
      .then(function (record) {
        if (seq !== state.codeSeq) return;
        state.codeRequest = null;
        state.code = record.code;
        codePanel.removeAttribute("aria-busy");
        renderCode(record);
        if (push && codeInAddress() !== record.code) {
          history.pushState({ code: record.code, q: input.value }, "", "#" + record.code);
        }
      })
      .catch(function (err) {
        if (aborted(err) || seq !== state.codeSeq) return;
        hideCode();   // never leave another code on show under this one's request
        say(code + ": " + err.message);
      });
  }

  function codeInAddress() {
    var hash = decodeURIComponent(location.hash.slice(1));
    return CODE_IN_HASH.test(hash) ? hash.toUpperCase() : null;
  }

  // Back, Forward, or an edited address: show what the address names (both events may fire for one move).
  function followAddress() {
    var saved = history.state;
    if (saved && typeof saved.q === "string" && saved.q !== input.value) {
      input.value = saved.q;
      cancelPending();
      textChanged();
      openList(false);
    }
    var code = codeInAddress();
    if (!code) { hideCode(); return; }
    if (code !== state.code) showCode(code, false);
  }

  // -- copy the code ------------------------------------------------------------------------------
  function copied(code) {
    copyNote.textContent = "Copied " + code + ".";
  }

  // Without the Clipboard API (a page served over plain HTTP to another host): a selected text field.
  function copyBySelection(code) {
    var field = el("textarea", { readonly: "", class: "copy-buffer", "aria-hidden": "true" });
    field.value = code;
    document.body.appendChild(field);
    field.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    field.remove();
    copyButton.focus();
    if (ok) copied(code);
    else copyNote.textContent = "Select " + code + " and copy it (Ctrl+C or ⌘C).";
  }

  function copyCode() {
    var code = document.getElementById("code-code").textContent;
    if (!code) return;
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(code).then(function () { copied(code); },
                                               function () { copyBySelection(code); });
    } else {
      copyBySelection(code);
    }
  }

  // -- question mode ------------------------------------------------------------------------------
  function ask() {
    var question = cleaned(input.value).trim();
    if (!question) return;
    var seq = ++state.askSeq;
    openList(false);
    say("Looking for an answer…");
    getJSON("/v1/answer?q=" + encodeURIComponent(question))
      .then(function (body) {
        if (seq !== state.askSeq) return;
        document.getElementById("answer-text").textContent = body.answer;
        var source = document.getElementById("answer-source");
        source.replaceChildren();
        if (body.code) {
          var link = el("button", { type: "button", class: "linkish" }, "Open " + body.code);
          link.addEventListener("click", function () { showCode(body.code, true); });
          source.appendChild(link);
        } else if (body.intent === "faq" && body.facts.sources && body.facts.sources.length) {
          source.appendChild(el("small", {}, "Source: " + body.facts.sources[0].source));
        }
        var related = document.getElementById("answer-results");
        related.replaceChildren.apply(related, body.results.map(function (hit) {
          var item = el("li");
          var button = el("button", { type: "button", class: "linkish code" }, hit.code);
          button.addEventListener("click", function () { showCode(hit.code, true); });
          item.appendChild(button);
          item.appendChild(document.createTextNode(" " + hit.short_description));
          if (hit.kind === "modifier") item.appendChild(el("span", { class: "badge modifier" }, "modifier"));
          if (hit.status === "terminated") item.appendChild(el("span", { class: "badge inactive" }, "inactive"));
          return item;
        }));
        document.getElementById("answer-results-title").hidden = body.results.length === 0;
        answerPanel.hidden = false;
        say("Answered.");
        if (body.code) showCode(body.code, true);
      })
      .catch(function (err) {
        if (seq === state.askSeq) say("No answer: " + err.message);
      });
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
    filterBox.hidden = asking;
    cancelPending();
    textChanged();
    openList(false);
  }

  // -- events -------------------------------------------------------------------------------------
  input.addEventListener("input", function () {
    if (mode() !== "search") return;
    textChanged();
    if (!queryText()) { search(); return; }
    scheduleSearch();
  });

  input.addEventListener("keydown", function (event) {
    if (mode() !== "search") {
      if (event.key === "Escape" && input.value) { event.preventDefault(); input.value = ""; }
      return;
    }
    var usable = fresh();
    var open = usable && !list.hidden;
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (!usable) { if (!state.timer && !state.request) search(); return; }
        if (!open) { openList(true); return; }
        setActive(Math.min(state.active + 1, state.shown.hits.length - 1));
        break;
      case "ArrowUp":
        event.preventDefault();
        if (open) setActive(Math.max(state.active - 1, 0));
        break;
      case "Enter":
        // a highlighted option of a list made for this text; anything else goes through the form
        if (open && state.active >= 0) { event.preventDefault(); choose(state.shown.hits[state.active]); }
        break;
      case "Escape":
        if (!list.hidden) { event.preventDefault(); openList(false); }
        else if (input.value) { event.preventDefault(); input.value = ""; textChanged(); search(); }
        break;
    }
  });

  input.addEventListener("focus", function () { if (fresh()) openList(true); });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (mode() === "ask" || QUESTION.test(text)) { ask(); return; }
    commit();
  });

  form.querySelectorAll("input[name=mode]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      applyMode();
      input.focus();
      if (mode() === "search" && queryText()) search();
    });
  });

  filterBox.addEventListener("change", function () {
    markStale();
    if (queryText()) search();
  });

  // The pager's buttons keep the focus in the box (mouse), or where it was (keyboard), so the list
  // stays usable with the arrow keys.
  [showAllButton, prevButton, nextButton].forEach(function (button) {
    button.addEventListener("mousedown", function (event) { event.preventDefault(); });
  });
  showAllButton.addEventListener("click", function () {
    if (!fresh()) return;
    state.size = PAGE;
    search(0);
    input.focus();
  });
  prevButton.addEventListener("click", function () {
    if (fresh()) search(Math.max(state.shown.offset - PAGE, 0));
  });
  nextButton.addEventListener("click", function () {
    if (fresh()) search(state.shown.offset + PAGE);
  });

  copyButton.addEventListener("click", copyCode);
  window.addEventListener("popstate", followAddress);
  window.addEventListener("hashchange", followAddress);

  applyMode();
  loadChanges();
  if (codeInAddress()) showCode(codeInAddress(), false);
})();
