// The report's matrix and case details, built from the JSON embedded in the page.
// Data is only ever put into the DOM with textContent / attributes, never innerHTML.
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("report-data").textContent);
  var DETAILS = JSON.parse(document.getElementById("report-details").textContent);
  var S = D.statuses, LANES = D.lanes, CASES = D.cases, PAGE = 500;
  var UNEXPECTED = {};
  D.unexpected.forEach(function (s) { UNEXPECTED[s] = true; });
  // Worst first, so sorting a lane column brings problems to the top.
  var RANK = ["crash", "oom", "timeout", "error", "fail", "xpass", "invalid", "xfail",
              "unsupported", "skip", "pass"];
  var byCase = {}, idIndex = {};
  DETAILS.forEach(function (d) { (byCase[d[0]] = byCase[d[0]] || []).push(d); });
  CASES.forEach(function (c, i) { idIndex[c[0]] = i; });
  var rows = new Array(CASES.length), order = CASES.map(function (_, i) { return i; });
  var limit = PAGE, sortKey = null, sortDir = 1, reproCount = 0;
  var tbody = document.querySelector("#matrix tbody");
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function statusAt(c, lane) {
    var ch = c[4].charCodeAt(lane);
    return ch === 45 ? null : S[ch - 97];  // "-" is no result on that lane
  }
  function statusesOf(c) {
    var seen = {}, out = [];
    for (var i = 0; i < LANES.length; i++) {
      var s = statusAt(c, i);
      if (s && !seen[s]) { seen[s] = true; out.push(s); }
    }
    return out;
  }

  function makeRow(i) {
    var c = CASES[i];
    var tr = el("tr", {"class": "case", "data-id": c[0], "data-area": D.areas[c[2]],
      "data-tags": c[3].map(function (t) { return D.tags[t]; }).join(" "),
      "data-statuses": statusesOf(c).join(" ")});
    var first = el("td");
    first.appendChild(el("a", {"class": "case-link", "href": "#case-" + c[0]}, c[0]));
    tr.appendChild(first);
    tr.appendChild(el("td", {"class": "title"}, c[1]));
    tr.appendChild(el("td", {"class": "area"}, D.areas[c[2]]));
    for (var l = 0; l < LANES.length; l++) {
      var s = statusAt(c, l);
      tr.appendChild(el("td", {"class": "status status-" + (s || "none"),
                               "data-lane": LANES[l].label}, s || ""));
    }
    return tr;
  }

  function filters() {
    var lane = $("filter-engine").value;
    return {
      status: $("filter-status").value, area: $("filter-area").value,
      tag: $("filter-tag").value === "" ? -1 : D.tags.indexOf($("filter-tag").value),
      lane: lane === "" ? -1 : LANES.map(function (x) { return x.label; }).indexOf(lane),
      text: $("filter-text").value.trim().toLowerCase()
    };
  }

  function matches(c, f) {
    if (f.area && D.areas[c[2]] !== f.area) return false;
    if (f.tag >= 0 && c[3].indexOf(f.tag) < 0) return false;
    if (f.lane >= 0) {
      var s = statusAt(c, f.lane);
      if (!s || (f.status && s !== f.status)) return false;
    } else if (f.status && c[4].indexOf(String.fromCharCode(97 + S.indexOf(f.status))) < 0) {
      return false;
    }
    if (f.text && c[0].toLowerCase().indexOf(f.text) < 0 &&
        c[1].toLowerCase().indexOf(f.text) < 0) return false;
    return true;
  }

  // Rows are created on demand: matching rows up to `limit` are shown, rows already created
  // that do not match are kept hidden (the `hidden` attribute), the rest wait for "show more".
  function apply() {
    var f = filters(), frag = document.createDocumentFragment(), shown = 0, matched = 0;
    for (var k = 0; k < order.length; k++) {
      var i = order[k], row = rows[i];
      if (matches(CASES[i], f)) {
        matched++;
        if (shown < limit) {
          shown++;
          if (!row) row = rows[i] = makeRow(i);
          row.hidden = false;
        } else if (row) row.hidden = true;
      } else if (row) row.hidden = true;
      if (row) frag.appendChild(row);
    }
    tbody.appendChild(frag);
    $("matrix-count").textContent = shown + " of " + matched + " matching cases shown (" +
      CASES.length + " in all)";
    $("show-more").hidden = matched <= shown;
  }

  function sortBy(key) {
    sortDir = key === sortKey ? -sortDir : 1;
    sortKey = key;
    var get;
    if (key === "id") get = function (c) { return c[0]; };
    else if (key === "title") get = function (c) { return c[1].toLowerCase(); };
    else if (key === "area") get = function (c) { return D.areas[c[2]] + "\u0000" + c[0]; };
    else {
      var lane = +key.slice(5);
      get = function (c) {
        var s = statusAt(c, lane), r = s ? RANK.indexOf(s) : RANK.length;
        return String.fromCharCode(65 + r) + c[0];
      };
    }
    var keys = CASES.map(get);
    order.sort(function (a, b) {
      return keys[a] < keys[b] ? -sortDir : keys[a] > keys[b] ? sortDir : 0;
    });
    document.querySelectorAll("#matrix th[data-sort]").forEach(function (th) {
      if (th.dataset.sort === key) th.setAttribute("aria-sort", sortDir > 0 ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    });
    apply();
  }

  function safeUrl(url) { return /^https?:\/\//i.test(url) ? url : null; }

  function reproText(spec, lane) {
    var t = D.tokens, text = spec[3];
    return text.split(t[2]).join(lane.import).split(t[0]).join(lane.engine)
      .split(t[1]).join(lane.device || "cpu");
  }

  function checksTable(checks) {
    var table = el("table", {"class": "checks"}), head = el("tr");
    ["subject", "matcher", "ok", "expected", "actual", "detail"].forEach(function (h) {
      head.appendChild(el("th", null, h));
    });
    table.appendChild(head);
    checks.forEach(function (ch) {
      var tr = el("tr");
      tr.appendChild(el("td", null, ch[0]));
      tr.appendChild(el("td", null, ch[1]));
      var ok = ch[2] ? (ch[6] === false ? "yes, message differs" : "yes") : "no";
      tr.appendChild(el("td", {"class": ch[2] ? "ok" : "notok"}, ok));
      tr.appendChild(el("td", null, typeof ch[3] === "string" ? ch[3] : JSON.stringify(ch[3])));
      tr.appendChild(el("td", null, typeof ch[4] === "string" ? ch[4] : JSON.stringify(ch[4])));
      tr.appendChild(el("td", null, ch[5]));
      table.appendChild(tr);
    });
    return table;
  }

  function buildDetail(ci) {
    var c = CASES[ci], spec = D.specs[ci];
    var sec = el("section", {"class": "detail", "id": "case-" + c[0]});
    sec.appendChild(el("h2", null, c[0]));
    if (c[1]) sec.appendChild(el("p", null, c[1]));
    var tags = c[3].map(function (t) { return D.tags[t]; }).join(", ");
    sec.appendChild(el("p", {"class": "muted"}, "area " + D.areas[c[2]] +
      (tags ? "; tags " + tags : "")));
    if (spec) {
      spec[2].forEach(function (src) {
        var p = el("p", null, "Source: "), url = safeUrl(src[1]);
        p.appendChild(url ? el("a", {"href": url, "rel": "noopener noreferrer"}, src[0])
                          : el("span", null, src[0] + " <" + src[1] + ">"));
        sec.appendChild(p);
      });
      sec.appendChild(el("h3", null, "Spec (" + spec[1] + ")"));
      sec.appendChild(el("pre", {"class": "yaml"}, spec[0]));
    } else {
      sec.appendChild(el("p", {"class": "muted"}, "The spec of this case was not found in the " +
        "spec files loaded for this report (bundled and --specs): results files do not hold specs."));
    }
    var details = byCase[ci] || [];
    for (var l = 0; l < LANES.length; l++) {
      var status = statusAt(c, l);
      if (!status) continue;
      var lane = LANES[l];
      var h = el("h3", null, lane.label + " ");
      h.appendChild(el("span", {"class": "badge status status-" + status}, status));
      sec.appendChild(h);
      var d = details.filter(function (x) { return x[1] === l; })[0];
      if (!d) {
        sec.appendChild(el("p", {"class": "muted"}, "Details left out of this report to keep " +
          "it small; they are in the results file."));
      } else {
        var facts = "duration " + d[2] + " s" + (d[3] ? "; spec " + d[3] : "");
        sec.appendChild(el("p", {"class": "muted"}, facts));
        if (d[4]) { sec.appendChild(el("p", null, "Reason:")); sec.appendChild(el("pre", {"class": "reason"}, d[4])); }
        if (d[6].length) sec.appendChild(el("div", {"class": "scroll"})).appendChild(checksTable(d[6]));
        if (d[5]) { sec.appendChild(el("p", null, "Traceback:")); sec.appendChild(el("pre", {"class": "traceback"}, d[5])); }
      }
      if (spec && lane.engine) {
        var id = "repro-" + (++reproCount);
        var bar = el("p", null, "Reproduce without the kit: ");
        bar.appendChild(el("button", {"class": "copy", "type": "button", "data-target": id}, "Copy"));
        sec.appendChild(bar);
        sec.appendChild(el("pre", {"class": "repro", "id": id}, reproText(spec, lane)));
      } else if (lane.engine) {
        sec.appendChild(el("p", {"class": "muted"}, "Reproduce: conformance show " + c[0] +
          " --engine " + lane.engine + (lane.device ? " --device " + lane.device : "")));
      }
    }
    sec.appendChild(el("p")).appendChild(el("a", {"href": "#matrix-section"}, "Back to the matrix"));
    $("details").appendChild(sec);
    return sec;
  }

  function route() {
    var hash = location.hash.slice(1);
    try { hash = decodeURIComponent(hash); } catch (e) { /* keep it as is */ }
    document.querySelectorAll("section.detail").forEach(function (s) { s.hidden = true; });
    if (hash.indexOf("case-") !== 0) return;
    var ci = idIndex[hash.slice(5)];
    if (ci === undefined) return;
    var sec = document.getElementById(hash) || buildDetail(ci);
    sec.hidden = false;
    sec.scrollIntoView();
  }

  function copied(button, ok) { button.textContent = ok ? "Copied" : "Copy failed"; }
  function fallbackCopy(text) {
    var area = el("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    area.remove();
    return ok;
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.copy");
    if (button) {
      var text = $(button.dataset.target).textContent;
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { copied(button, true); },
          function () { copied(button, fallbackCopy(text)); });
      } else copied(button, fallbackCopy(text));
      return;
    }
    var th = event.target.closest("#matrix th[data-sort]");
    if (th) sortBy(th.dataset.sort);
  });
  ["filter-status", "filter-area", "filter-tag", "filter-engine"].forEach(function (id) {
    $(id).addEventListener("change", function () { limit = PAGE; apply(); });
  });
  $("filter-text").addEventListener("input", function () { limit = PAGE; apply(); });
  $("show-more").addEventListener("click", function () { limit += PAGE * 4; apply(); });
  window.addEventListener("hashchange", route);

  function options(select, values) {
    values.forEach(function (v) { select.appendChild(el("option", {"value": v}, v)); });
  }
  options($("filter-area"), D.areas);
  options($("filter-tag"), D.tags);
  options($("filter-engine"), LANES.map(function (x) { return x.label; }));
  apply();
  route();
  document.body.appendChild(el("span", {"id": "report-ready"}));
  document.body.dataset.ready = "1";
})();
