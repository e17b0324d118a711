// The report page: reads the aggregated rows embedded as JSON, applies the filters (from the URL
// hash and the form) and draws every chart as inline SVG. No library, no network.
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var DATA = JSON.parse(document.getElementById("report-data").textContent);
  var META = DATA.meta;
  var SECTIONS = DATA.sections;
  var UNIT = 10n ** BigInt(META.money_scale);
  var HALF_CENT = UNIT / 200n;
  var CENT = UNIT / 100n;
  var PALETTE = ["#2f6fdf", "#e8793a", "#2c9f6b", "#c2418a", "#7d5bd6", "#c9a227", "#1aa3b8",
    "#d64545", "#6b8e23", "#8c6d4f"];
  var OTHER_COLOR = "#a3abbb";
  var TOKEN_CLASSES = [
    { key: "input_tokens", label: "input", color: "#2f6fdf" },
    { key: "output_tokens", label: "output", color: "#e8793a" },
    { key: "cache_read_tokens", label: "cache read", color: "#2c9f6b" },
    { key: "cache_write_tokens", label: "cache write", color: "#c2418a" }
  ];
  var PERCENTILES = [
    { key: "p50", q: 0.5, color: "#2f6fdf" },
    { key: "p95", q: 0.95, color: "#e8793a" },
    { key: "p99", q: 0.99, color: "#c62f3a" }
  ];
  var STATUS_COLORS = { within_budget: "#2c8a4b", projected_over: "#d98a00",
    over_budget: "#c62f3a", no_budget: "#a3abbb" };
  // fct_bedrock_bill_reconciliation's statuses, in the order the table lists them.
  var RECONCILIATION_STATUSES = [
    { key: "matched", color: "#2c8a4b" },
    { key: "token_mismatch", color: "#d98a00" },
    { key: "price_mismatch", color: "#e8793a" },
    { key: "billed_not_logged", color: "#c62f3a" },
    { key: "logged_not_billed", color: "#7a5bd6" }
  ];

  // ---------------------------------------------------------------- keyed by data
  // Tenant ids, tag values and model ids are anyone's text: a key such as "__proto__" or
  // "constructor" must be an ordinary key. Objects without a prototype have no such members.
  function dict() { return Object.create(null); }

  // ---------------------------------------------------------------- rows as objects
  function table(name) {
    var section = SECTIONS[name];
    if (!section || !section.available) { return null; }
    var cols = section.columns;
    return section.rows.map(function (row) {
      var obj = dict();
      for (var i = 0; i < cols.length; i++) { obj[cols[i]] = row[i]; }
      return obj;
    });
  }
  function reasonOf(name) {
    var section = SECTIONS[name];
    return (section && section.reason) || META.not_available;
  }

  var daily = table("daily");
  var tags = table("tags");
  var tagKeys = table("tag_keys");
  var latency = table("latency");
  var statements = table("statements");
  var anomalies = table("anomalies");
  var reconciliation = table("reconciliation");
  var money = function (text) { return text === null || text === undefined ? 0n : BigInt(text); };
  if (daily) {
    daily.forEach(function (r) {
      ["input_cost", "output_cost", "cache_read_cost", "cache_write_cost", "total_cost"]
        .forEach(function (k) { r[k] = money(r[k]); });
      r.cache_savings = money(r.cache_savings);
      r.estimated_cost = money(r.estimated_cost);
    });
  }
  if (tags) { tags.forEach(function (r) { r.total_cost = money(r.total_cost); }); }
  if (statements) {
    statements.forEach(function (r) {
      r.total_cost = money(r.total_cost);
      r.has_budget = r.budget !== null;
      r.budget = money(r.budget);
      r.has_projection = r.projected_cost !== null;
      r.projected_cost = money(r.projected_cost);
      r.has_billed = r.billed_cost !== null && r.billed_cost !== undefined;
      r.billed_cost = money(r.has_billed ? r.billed_cost : null);
    });
  }
  if (reconciliation) {
    reconciliation.forEach(function (r) {
      r.billed_cost = money(r.billed_cost);
      // an unpriced or missing estimate counts as 0, as in the mart's cost_difference_usd
      r.estimated_cost = money(r.estimated_cost);
    });
  }
  if (anomalies) {
    anomalies.forEach(function (r) {
      r.total_cost = money(r.total_cost);
      r.has_baseline = r.baseline_median_cost !== null;
      r.baseline_median_cost = money(r.baseline_median_cost);
      r.excess_cost = money(r.excess_cost);
    });
  }

  // ---------------------------------------------------------------- formatting
  function groupThousands(digits) { return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  // Exact: BigInt units of 1e-15 USD to a cent string, rounding half up (away from zero).
  function centsValue(units) {
    var negative = units < 0n;
    var abs = negative ? -units : units;
    var cents = (abs + HALF_CENT) / CENT;
    var whole = (cents / 100n).toString();
    var frac = (cents % 100n).toString().padStart(2, "0");
    return (negative && cents !== 0n ? "-" : "") + whole + "." + frac;
  }
  // Exact: a non-zero amount under a cent to two significant digits (half up), so that a
  // tenant's $0.0044 does not read $0.00 next to a total of $0.01.
  function subCentUsd(units) {
    var negative = units < 0n;
    var abs = negative ? -units : units;
    var scale = META.money_scale;
    var keep = Math.min(scale, scale - abs.toString().length + 2);
    var step = 10n ** BigInt(scale - keep);
    var text = ((abs + step / 2n) / step).toString().padStart(keep + 1, "0");
    var value = (text.slice(0, -keep) + "." + text.slice(-keep)).replace(/0+$/, "").replace(/\.$/, "");
    return (negative ? "-$" : "$") + value;
  }
  function usd(units) {
    if (units !== 0n && (units < 0n ? -units : units) < CENT) { return subCentUsd(units); }
    var value = centsValue(units);
    var negative = value.charAt(0) === "-";
    var parts = (negative ? value.slice(1) : value).split(".");
    return (negative ? "-$" : "$") + groupThousands(parts[0]) + "." + parts[1];
  }
  function dollars(units) { return Number(units) / Number(UNIT); }
  function int(n) { return groupThousands(String(Math.round(n))); }
  function compact(n) {
    var abs = Math.abs(n);
    if (abs >= 1e9) { return (n / 1e9).toFixed(abs >= 1e10 ? 0 : 1) + "B"; }
    if (abs >= 1e6) { return (n / 1e6).toFixed(abs >= 1e7 ? 0 : 1) + "M"; }
    if (abs >= 1e3) { return (n / 1e3).toFixed(abs >= 1e4 ? 0 : 1) + "k"; }
    return String(Math.round(n * 100) / 100);
  }
  function compactUsd(n) {
    if (Math.abs(n) >= 1000) { return "$" + compact(n); }
    if (Math.abs(n) >= 1 || n === 0) { return "$" + n.toFixed(n % 1 === 0 ? 0 : 2); }
    return "$" + n.toPrecision(2);
  }
  function pct(x, digits) { return (x * 100).toFixed(digits === undefined ? 1 : digits) + "%"; }
  function ms(x) { return x >= 10000 ? int(x) : x >= 100 ? x.toFixed(0) : x.toFixed(1); }
  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
    });
  }
  function shortDay(day) { return day.slice(5); }

  // ---------------------------------------------------------------- dates
  function addDays(day, n) {
    var d = new Date(day + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }
  function daysBetween(first, last) {
    var out = [];
    if (!first || !last || first > last) { return out; }
    for (var d = first; d <= last && out.length < 3700; d = addDays(d, 1)) { out.push(d); }
    return out;
  }
  function monthEnd(month) {
    var d = new Date(month + "T00:00:00Z");
    d.setUTCMonth(d.getUTCMonth() + 1);
    d.setUTCDate(0);
    return d.toISOString().slice(0, 10);
  }

  // ---------------------------------------------------------------- filters
  var ALL = "";
  var state = { from: "", to: "", tenant: ALL, model: ALL, tag: "", month: "" };
  var els = {
    from: document.getElementById("filter-from"),
    to: document.getElementById("filter-to"),
    tenant: document.getElementById("filter-tenant"),
    model: document.getElementById("filter-model"),
    tag: document.getElementById("filter-tag-key"),
    month: document.getElementById("filter-month")
  };

  function distinct(rows, key) {
    var seen = dict();
    (rows || []).forEach(function (r) { if (r[key] !== null) { seen[r[key]] = true; } });
    return Object.keys(seen).sort();
  }
  var allTenants = distinct((daily || []).concat(tags || [], statements || [], anomalies || []),
    "tenant_id");
  var allModels = distinct((daily || []).concat(latency || []), "model_id");
  var allTagKeys = distinct(tags, "tag_key");
  var allMonths = distinct(statements, "statement_month");
  var firstDay = META.first_day || "";
  var lastDay = META.last_day || "";

  function fillSelect(select, values, allLabel) {
    select.innerHTML = "";
    if (allLabel !== null) {
      var all = document.createElement("option");
      all.value = ALL;
      all.textContent = allLabel;
      select.appendChild(all);
    }
    values.forEach(function (v) {
      var option = document.createElement("option");
      option.value = v;
      option.textContent = v;
      select.appendChild(option);
    });
  }
  fillSelect(els.tenant, allTenants, "All tenants");
  fillSelect(els.model, allModels, "All models");
  fillSelect(els.tag, allTagKeys, null);
  fillSelect(els.month, allMonths.slice().reverse(), null);
  els.from.min = els.to.min = firstDay;
  els.from.max = els.to.max = lastDay;

  function readHash() {
    var params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    state.from = params.get("from") || "";
    state.to = params.get("to") || "";
    state.tenant = params.get("tenant") || ALL;
    state.model = params.get("model") || ALL;
    state.tag = params.get("tag") || "";
    state.month = params.get("month") || "";
    if (state.tenant !== ALL && allTenants.indexOf(state.tenant) < 0) {
      window.reportError("no tenant " + JSON.stringify(state.tenant) + " in the data; showing all");
      state.tenant = ALL;
    }
    if (state.model !== ALL && allModels.indexOf(state.model) < 0) {
      window.reportError("no model " + JSON.stringify(state.model) + " in the data; showing all");
      state.model = ALL;
    }
  }
  function writeHash() {
    var params = new URLSearchParams();
    ["from", "to", "tenant", "model", "tag", "month"].forEach(function (k) {
      if (state[k]) { params.set(k, state[k]); }
    });
    var hash = params.toString();
    var url = window.location.pathname + window.location.search + (hash ? "#" + hash : "");
    history.replaceState(null, "", url);
  }
  function syncControls() {
    els.from.value = state.from;
    els.to.value = state.to;
    els.tenant.value = state.tenant;
    els.model.value = state.model;
    if (state.tag) { els.tag.value = state.tag; }
    if (state.month) { els.month.value = state.month; }
  }
  function range() {
    var from = state.from && state.from > firstDay ? state.from : firstDay;
    var to = state.to && state.to < lastDay ? state.to : lastDay;
    return { from: from, to: to };
  }
  function inRange(day, r) { return day >= r.from && day <= r.to; }
  function tenantOk(tenant) { return state.tenant === ALL || tenant === state.tenant; }
  function modelOk(model) { return state.model === ALL || model === state.model; }

  // ---------------------------------------------------------------- SVG helpers
  function el(tag, attrs, parent) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(node); }
    return node;
  }
  function text(parent, x, y, content, attrs) {
    var node = el("text", Object.assign({ x: x, y: y }, attrs || {}), parent);
    node.textContent = content;
    return node;
  }
  function tip(node, content) { el("title", {}, node).textContent = content; return node; }
  function mark(node) { node.setAttribute("class", (node.getAttribute("class") || "") + " mark"); return node; }
  // Draw at the container's own width so that text keeps its CSS size (no scaling down).
  function widthOf(container) {
    return Math.max(420, Math.round(container.clientWidth || 960));
  }
  function svgRoot(container, width, height) {
    var svg = el("svg", { viewBox: "0 0 " + width + " " + height, role: "img",
      preserveAspectRatio: "xMidYMid meet" });
    container.appendChild(svg);
    return svg;
  }
  function niceTicks(max, count) {
    if (!(max > 0)) { return [0, 1]; }
    var raw = max / count;
    var power = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 2.5, 5, 10].map(function (m) { return m * power; })
      .find(function (s) { return s >= raw; });
    var ticks = [];
    for (var v = 0; v <= max + step * 0.999; v += step) { ticks.push(Math.round(v / step) * step); }
    return ticks;
  }
  function legend(container, items) {
    var box = document.createElement("div");
    box.className = "legend";
    items.forEach(function (item) {
      var span = document.createElement("span");
      span.innerHTML = "<span class=\"swatch\" style=\"background:" + item.color + "\"></span>" +
        esc(item.label);
      box.appendChild(span);
    });
    container.appendChild(box);
  }
  function finish(container, marks) {
    container.setAttribute("data-rendered", "true");
    container.setAttribute("data-marks", String(marks));
  }
  function empty(container, message) {
    var p = document.createElement("p");
    p.className = "empty";
    p.textContent = message || "No data in this selection.";
    container.appendChild(p);
    container.setAttribute("data-empty", "true");
    finish(container, 0);
  }
  function unavailable(container, reason) {
    container.innerHTML = "";
    var p = document.createElement("p");
    p.className = "unavailable";
    p.setAttribute("data-unavailable", "true");
    p.textContent = reason;
    container.appendChild(p);
    container.setAttribute("data-rendered", "unavailable");
    container.setAttribute("data-marks", "0");
  }

  // Vertical bars over days; series stacked. series: [{label, color, values: [number per day]}].
  function columnChart(container, days, series, opts) {
    var W = widthOf(container), H = opts.height || 280, left = 64, right = 12, top = 12, bottom = 34;
    var totals = days.map(function (_, i) {
      return series.reduce(function (sum, s) { return sum + (s.values[i] || 0); }, 0);
    });
    var max = Math.max.apply(null, totals.concat([0]));
    var svg = svgRoot(container, W, H);
    var ticks = niceTicks(max, 4);
    var top_ = ticks[ticks.length - 1] || 1;
    var plotW = W - left - right, plotH = H - top - bottom;
    var y = function (v) { return top + plotH - (v / top_) * plotH; };
    var axis = el("g", { "class": "axis" }, svg);
    ticks.forEach(function (t) {
      el("line", { x1: left, x2: W - right, y1: y(t), y2: y(t), "class": "grid-line" }, axis);
      text(axis, left - 6, y(t) + 4, opts.format(t), { "text-anchor": "end" });
    });
    var band = plotW / Math.max(days.length, 1);
    var barW = Math.max(1, band * 0.72);
    var every = Math.ceil(days.length / Math.max(1, Math.floor((W - left - right) / 48)));
    var marks = 0;
    days.forEach(function (day, i) {
      var x = left + i * band + (band - barW) / 2;
      var base = 0;
      series.forEach(function (s) {
        var v = s.values[i] || 0;
        if (v <= 0) { return; }
        var rect = el("rect", { x: x, y: y(base + v), width: barW,
          height: Math.max(0.5, y(base) - y(base + v)), fill: s.color }, svg);
        tip(mark(rect), day + " - " + s.label + ": " + opts.tip(v, i, s));
        base += v;
        marks++;
      });
      if (i % every === 0) {
        text(axis, left + i * band + band / 2, H - bottom + 16, shortDay(day),
          { "text-anchor": "middle" });
      }
    });
    el("line", { x1: left, x2: W - right, y1: y(0), y2: y(0), stroke: "#9aa3b5" }, axis);
    if (series.length > 1) { legend(container, series); }
    return marks;
  }

  // Horizontal bars, one row per item; item.segments: [{value, color, label}] stacked.
  function hbarChart(container, items, opts) {
    var rowH = 24, W = widthOf(container), right = 120, top = 6;
    var left = Math.min(opts.labelWidth || 230, Math.round(W * 0.38));
    var maxChars = Math.max(8, Math.floor(left / 7.2));
    var H = top + items.length * rowH + 24;
    var max = Math.max.apply(null, items.map(function (it) {
      return Math.max(it.segments.reduce(function (s, g) { return s + g.value; }, 0),
        it.extent || 0);
    }).concat([0]));
    var ticks = niceTicks(max, 4);
    var top_ = ticks[ticks.length - 1] || 1;
    var plotW = W - left - right;
    var x = function (v) { return left + (v / top_) * plotW; };
    var svg = svgRoot(container, W, H);
    var axis = el("g", { "class": "axis" }, svg);
    ticks.forEach(function (t) {
      el("line", { x1: x(t), x2: x(t), y1: top, y2: H - 22, "class": "grid-line" }, axis);
      text(axis, x(t), H - 8, opts.format(t), { "text-anchor": "middle" });
    });
    var marks = 0;
    items.forEach(function (it, i) {
      var yTop = top + i * rowH + 4;
      var label = it.label.length > maxChars ? it.label.slice(0, maxChars - 1) + "\u2026" : it.label;
      tip(text(svg, left - 8, yTop + 13, label, { "text-anchor": "end" }), it.label);
      var base = 0;
      it.segments.forEach(function (g) {
        if (g.value <= 0) { return; }
        var rect = el("rect", { x: x(base), y: yTop, width: Math.max(0.5, x(base + g.value) - x(base)),
          height: rowH - 8, fill: g.color, "fill-opacity": g.opacity || 1 }, svg);
        tip(mark(rect), it.label + (g.label ? " - " + g.label : "") + ": " + g.text);
        base += g.value;
        marks++;
      });
      (it.markers || []).forEach(function (m) {
        var line = el("line", { x1: x(m.value), x2: x(m.value), y1: yTop - 3, y2: yTop + rowH - 5,
          stroke: m.color, "stroke-width": 3 }, svg);
        tip(mark(line), it.label + " - " + m.label);
        marks++;
      });
      text(svg, x(Math.max(base, it.extent || 0)) + 6, yTop + 12, it.valueText);
    });
    return marks;
  }

  // Lines over days. series: [{label, color, values: [number or null per day]}].
  function lineChart(container, days, series, opts) {
    var W = widthOf(container), H = 260, left = 64, right = 12, top = 12, bottom = 34;
    var max = 0;
    series.forEach(function (s) {
      s.values.forEach(function (v) { if (v !== null && v > max) { max = v; } });
    });
    var ticks = niceTicks(max || 0.01, 4);
    var top_ = ticks[ticks.length - 1] || 1;
    var plotW = W - left - right, plotH = H - top - bottom;
    var band = plotW / Math.max(days.length, 1);
    var xOf = function (i) { return left + i * band + band / 2; };
    var y = function (v) { return top + plotH - (v / top_) * plotH; };
    var svg = svgRoot(container, W, H);
    var axis = el("g", { "class": "axis" }, svg);
    ticks.forEach(function (t) {
      el("line", { x1: left, x2: W - right, y1: y(t), y2: y(t), "class": "grid-line" }, axis);
      text(axis, left - 6, y(t) + 4, opts.format(t), { "text-anchor": "end" });
    });
    var every = Math.ceil(days.length / Math.max(1, Math.floor((W - left - right) / 48)));
    days.forEach(function (day, i) {
      if (i % every === 0) {
        text(axis, xOf(i), H - bottom + 16, shortDay(day), { "text-anchor": "middle" });
      }
    });
    var marks = 0;
    series.forEach(function (s) {
      var d = "";
      s.values.forEach(function (v, i) {
        if (v === null) { return; }
        d += (d ? " L " : "M ") + xOf(i).toFixed(1) + " " + y(v).toFixed(1);
      });
      if (d) {
        el("path", { d: d, fill: "none", stroke: s.color, "stroke-width": 2 }, svg);
      }
      s.values.forEach(function (v, i) {
        if (v === null) { return; }
        var dot = el("circle", { cx: xOf(i), cy: y(v), r: 3, fill: s.color }, svg);
        tip(mark(dot), days[i] + " - " + s.label + ": " + opts.tip(v, i));
        marks++;
      });
    });
    return marks;
  }

  // Grouped vertical bars: groups (e.g. models) x series (e.g. p50/p95/p99).
  function groupedBars(container, groups, series, opts) {
    // Group labels are slanted and end under their group: leave room on the left for the first.
    var W = widthOf(container), H = 310, right = 12, top = 12, bottom = 80;
    var longest = Math.min(26, Math.max.apply(null, groups.map(function (g) { return g.label.length; })));
    var left = Math.max(64, Math.round(longest * 6.8 * 0.94 + 8 - (W - 76) / Math.max(groups.length, 1) / 2));
    var max = 0;
    groups.forEach(function (g) {
      series.forEach(function (s) { max = Math.max(max, g.values[s.key] || 0); });
    });
    var ticks = niceTicks(max, 4);
    var top_ = ticks[ticks.length - 1] || 1;
    var plotW = W - left - right, plotH = H - top - bottom;
    var y = function (v) { return top + plotH - (v / top_) * plotH; };
    var svg = svgRoot(container, W, H);
    var axis = el("g", { "class": "axis" }, svg);
    ticks.forEach(function (t) {
      el("line", { x1: left, x2: W - right, y1: y(t), y2: y(t), "class": "grid-line" }, axis);
      text(axis, left - 6, y(t) + 4, opts.format(t), { "text-anchor": "end" });
    });
    var band = plotW / Math.max(groups.length, 1);
    var barW = Math.min(40, (band * 0.8) / series.length);
    var marks = 0;
    groups.forEach(function (g, i) {
      var x0 = left + i * band + (band - barW * series.length) / 2;
      series.forEach(function (s, j) {
        var v = g.values[s.key];
        if (!(v > 0)) { return; }
        var rect = el("rect", { x: x0 + j * barW, y: y(v), width: barW - 1,
          height: Math.max(0.5, y(0) - y(v)), fill: s.color }, svg);
        tip(mark(rect), g.label + " - " + s.key + ": " + opts.tip(v));
        marks++;
      });
      var label = g.label.length > 26 ? g.label.slice(0, 25) + "\u2026" : g.label;
      var cx = left + i * band + band / 2;
      tip(text(axis, cx, H - bottom + 14, label, { "text-anchor": "end",
        transform: "rotate(-20 " + cx + " " + (H - bottom + 14) + ")" }), g.label);
    });
    el("line", { x1: left, x2: W - right, y1: y(0), y2: y(0), stroke: "#9aa3b5" }, axis);
    legend(container, series.map(function (s) { return { label: s.key, color: s.color }; }));
    return marks;
  }

  function htmlTable(container, headers, rows) {
    var html = "<table><thead><tr>" + headers.map(function (h) {
      return "<th>" + esc(h) + "</th>";
    }).join("") + "</tr></thead><tbody>" + rows.join("") + "</tbody></table>";
    container.innerHTML = html;
  }
  function cell(content, attrs) {
    var extra = Object.keys(attrs || {}).map(function (k) {
      return " " + k + "=\"" + esc(attrs[k]) + "\"";
    }).join("");
    return "<td" + extra + ">" + content + "</td>";
  }

  // ---------------------------------------------------------------- aggregation
  function sumInto(target, row, keys) {
    keys.forEach(function (k) { target[k] = (target[k] || 0) + row[k]; });
  }
  var COUNT_KEYS = ["invocations", "errors", "input_tokens", "output_tokens", "cache_read_tokens",
    "cache_write_tokens", "total_tokens", "unpriced_invocations", "latency_samples"];
  var MONEY_KEYS = ["input_cost", "output_cost", "cache_read_cost", "cache_write_cost",
    "total_cost", "cache_savings", "estimated_cost"];
  function blank() {
    var acc = dict();
    COUNT_KEYS.forEach(function (k) { acc[k] = 0; });
    MONEY_KEYS.forEach(function (k) { acc[k] = 0n; });
    return acc;
  }
  function add(acc, row) {
    COUNT_KEYS.forEach(function (k) { acc[k] += row[k]; });
    MONEY_KEYS.forEach(function (k) { acc[k] += row[k]; });
  }
  function groupBy(rows, keyOf) {
    var groups = dict();
    rows.forEach(function (r) {
      var key = keyOf(r);
      if (!groups[key]) { groups[key] = blank(); groups[key].key = key; }
      add(groups[key], r);
    });
    return groups;
  }
  function percentileFromHistogram(buckets, q) {
    var n = 0;
    buckets.forEach(function (b) { n += b[1]; });
    if (n === 0) { return null; }
    var rank = Math.max(1, Math.ceil(q * n));
    var seen = 0;
    for (var i = 0; i < buckets.length; i++) {
      seen += buckets[i][1];
      if (seen >= rank) {
        var per = META.latency_buckets_per_octave;
        var low = Math.pow(2, buckets[i][0] / per);
        var high = Math.pow(2, (buckets[i][0] + 1) / per);
        return { value: Math.sqrt(low * high), low: low, high: high };
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- the sections
  function chart(name) { return document.querySelector("[data-chart=\"" + name + "\"]"); }
  function resetChart(container) {
    container.innerHTML = "";
    ["data-rendered", "data-marks", "data-empty"].forEach(function (a) {
      container.removeAttribute(a);
    });
  }

  function renderKpis(rows, total) {
    var tenants = dict();
    rows.forEach(function (r) { if (r.invocations > 0) { tenants[r.tenant_id] = true; } });
    var kpis = [
      { id: "total-cost", label: "Total cost", value: centsValue(total.total_cost),
        text: usd(total.total_cost),
        sub: int(total.unpriced_invocations) + " unpriced invocations" +
          (META.has_estimated_cost && total.estimated_cost > 0n
            ? "; " + usd(total.estimated_cost) + " of it an estimate, a lower bound" : ""),
        estimated: centsValue(total.estimated_cost) },
      { id: "invocations", label: "Invocations", value: String(total.invocations),
        text: int(total.invocations), sub: Object.keys(tenants).length + " tenants" },
      { id: "total-tokens", label: "Tokens", value: String(total.total_tokens),
        text: compact(total.total_tokens),
        sub: compact(total.input_tokens) + " in / " + compact(total.output_tokens) + " out" },
      { id: "error-rate", label: "Error rate",
        value: total.invocations ? String(total.errors / total.invocations) : "0",
        text: total.invocations ? pct(total.errors / total.invocations, 2) : "-",
        sub: int(total.errors) + " errors" }
    ];
    if (META.has_cache_savings) {
      kpis.push({ id: "cache-savings", label: "Cache savings", value: centsValue(total.cache_savings),
        text: usd(total.cache_savings), sub: compact(total.cache_read_tokens) + " cache-read tokens" });
    } else {
      kpis.push({ id: "cache-savings", label: "Cache savings", value: "", text: "n/a",
        sub: META.not_available, unavailable: true });
    }
    var box = document.getElementById("kpis");
    box.innerHTML = kpis.map(function (k) {
      return "<div class=\"kpi\"><div class=\"label\">" + esc(k.label) + "</div>" +
        "<div class=\"value\" data-kpi=\"" + k.id + "\" data-value=\"" + esc(k.value) + "\"" +
        (k.unavailable ? " data-unavailable=\"true\"" : "") +
        (k.estimated === undefined ? "" : " data-estimated=\"" + esc(k.estimated) + "\"") +
        ">" + esc(k.text) + "</div>" +
        "<div class=\"sub\">" + esc(k.sub) + "</div></div>";
    }).join("");
  }

  function renderTenantCost(rows, total) {
    var container = chart("tenant-cost");
    var groups = groupBy(rows, function (r) { return r.tenant_id; });
    var list = Object.keys(groups).map(function (k) { return groups[k]; }).sort(function (a, b) {
      return a.total_cost === b.total_cost ? (a.key < b.key ? -1 : 1)
        : (b.total_cost > a.total_cost ? 1 : -1);
    });
    if (!list.length) { empty(container); htmlTable(document.getElementById("tenant-table"), [], []); return; }
    var marks = hbarChart(container, list.map(function (g, i) {
      return { label: g.key, valueText: usd(g.total_cost),
        segments: [{ value: dollars(g.total_cost), color: PALETTE[i % PALETTE.length],
          text: usd(g.total_cost) }] };
    }), { format: compactUsd });
    finish(container, marks);
    htmlTable(document.getElementById("tenant-table"),
      ["tenant", "invocations", "tokens", "cost", "share", "unpriced"],
      list.map(function (g) {
        var share = total.total_cost > 0n ? dollars(g.total_cost) / dollars(total.total_cost) : 0;
        return "<tr>" + cell(esc(g.key)) + cell(int(g.invocations)) + cell(int(g.total_tokens)) +
          cell(usd(g.total_cost), { "data-tenant-cost": g.key, "data-value": centsValue(g.total_cost) }) +
          cell(pct(share)) + cell(int(g.unpriced_invocations)) + "</tr>";
      }));
  }

  function renderCostOverTime(rows, days) {
    var container = chart("cost-over-time");
    if (!rows.length) { empty(container); return; }
    var byTenant = groupBy(rows, function (r) { return r.tenant_id; });
    var ranked = Object.keys(byTenant).sort(function (a, b) {
      return byTenant[b].total_cost > byTenant[a].total_cost ? 1
        : byTenant[b].total_cost < byTenant[a].total_cost ? -1 : (a < b ? -1 : 1);
    });
    var shown = ranked.slice(0, ranked.length > 9 ? 8 : 9);
    var index = dict();
    days.forEach(function (d, i) { index[d] = i; });
    var series = shown.map(function (t, i) {
      return { label: t, color: PALETTE[i % PALETTE.length], key: t,
        units: days.map(function () { return 0n; }) };
    });
    var other = { label: "other tenants", color: OTHER_COLOR, key: null,
      units: days.map(function () { return 0n; }) };
    rows.forEach(function (r) {
      var s = series[shown.indexOf(r.tenant_id)] || other;
      s.units[index[r.usage_date]] += r.total_cost;
    });
    if (ranked.length > shown.length) { series.push(other); }
    series.forEach(function (s) { s.values = s.units.map(dollars); });
    var marks = columnChart(container, days, series, {
      format: compactUsd,
      tip: function (v, i, s) { return usd(s.units[i]); }
    });
    finish(container, marks);
  }

  function renderModelMix(rows, total) {
    var container = chart("model-mix");
    var groups = groupBy(rows, function (r) { return r.model_id; });
    var list = Object.keys(groups).map(function (k) { return groups[k]; }).sort(function (a, b) {
      return b.total_cost > a.total_cost ? 1 : b.total_cost < a.total_cost ? -1
        : b.invocations - a.invocations;
    });
    if (!list.length) { empty(container); htmlTable(document.getElementById("model-table"), [], []); return; }
    var marks = hbarChart(container, list.map(function (g, i) {
      var share = total.total_cost > 0n ? dollars(g.total_cost) / dollars(total.total_cost) : 0;
      return { label: g.key, valueText: usd(g.total_cost) + " (" + pct(share) + ")",
        segments: [{ value: dollars(g.total_cost), color: PALETTE[i % PALETTE.length],
          text: usd(g.total_cost) }] };
    }), { format: compactUsd, labelWidth: 280 });
    if (marks === 0) {
      // Nothing priced in the selection: show invocations instead so the mix stays visible.
      container.innerHTML = "";
      marks = hbarChart(container, list.map(function (g, i) {
        return { label: g.key, valueText: int(g.invocations) + " invocations",
          segments: [{ value: g.invocations, color: PALETTE[i % PALETTE.length],
            text: int(g.invocations) + " invocations" }] };
      }), { format: compact, labelWidth: 280 });
    }
    finish(container, marks);
    htmlTable(document.getElementById("model-table"),
      ["model", "invocations", "tokens", "cost", "share"],
      list.map(function (g) {
        var share = total.total_cost > 0n ? dollars(g.total_cost) / dollars(total.total_cost) : 0;
        return "<tr>" + cell(esc(g.key)) + cell(int(g.invocations)) + cell(int(g.total_tokens)) +
          cell(usd(g.total_cost), { "data-model-cost": g.key, "data-value": centsValue(g.total_cost) }) +
          cell(pct(share)) + "</tr>";
      }));
  }

  function renderTokenClasses(rows, days) {
    var container = chart("token-classes");
    if (!rows.length) { empty(container); return; }
    var index = dict();
    days.forEach(function (d, i) { index[d] = i; });
    var series = TOKEN_CLASSES.map(function (c) {
      return { label: c.label, color: c.color, key: c.key, values: days.map(function () { return 0; }) };
    });
    rows.forEach(function (r) {
      series.forEach(function (s) { s.values[index[r.usage_date]] += r[s.key]; });
    });
    var totals = dict();
    series.forEach(function (s) {
      totals[s.key] = s.values.reduce(function (a, b) { return a + b; }, 0);
      s.label = s.label + " (" + compact(totals[s.key]) + ")";
    });
    var marks = columnChart(container, days, series, {
      format: compact, tip: function (v) { return int(v) + " tokens"; }
    });
    container.setAttribute("data-token-totals", JSON.stringify(totals));
    finish(container, marks);
  }

  function renderLatency(r) {
    var container = chart("latency");
    var tableBox = document.getElementById("latency-table");
    if (!latency) { unavailable(container, reasonOf("latency")); tableBox.innerHTML = ""; return; }
    var merged = dict();
    latency.forEach(function (row) {
      if (!inRange(row.usage_date, r) || !tenantOk(row.tenant_id) || !modelOk(row.model_id)) { return; }
      var m = merged[row.model_id] || (merged[row.model_id] = dict());
      row.buckets.forEach(function (b) { m[b[0]] = (m[b[0]] || 0) + b[1]; });
    });
    var groups = Object.keys(merged).sort().map(function (model) {
      var buckets = Object.keys(merged[model]).map(function (b) {
        return [Number(b), merged[model][b]];
      }).sort(function (a, b) { return a[0] - b[0]; });
      var values = dict(), bounds = dict(), n = 0;
      buckets.forEach(function (b) { n += b[1]; });
      PERCENTILES.forEach(function (p) {
        var est = percentileFromHistogram(buckets, p.q);
        values[p.key] = est ? est.value : null;
        bounds[p.key] = est;
      });
      return { label: model, values: values, bounds: bounds, samples: n };
    });
    if (!groups.length) { empty(container, "No latency samples in this selection."); tableBox.innerHTML = ""; return; }
    var marks = groupedBars(container, groups, PERCENTILES, {
      format: function (v) { return compact(v) + " ms"; },
      tip: function (v) { return "~" + ms(v) + " ms"; }
    });
    finish(container, marks);
    htmlTable(tableBox, ["model", "samples", "p50 ms", "p95 ms", "p99 ms"], groups.map(function (g) {
      return "<tr>" + cell(esc(g.label)) + cell(int(g.samples)) + PERCENTILES.map(function (p) {
        var b = g.bounds[p.key];
        return cell("~" + ms(b.value), { "data-latency-model": g.label, "data-percentile": p.key,
          "data-value": String(b.value), "data-low": String(b.low), "data-high": String(b.high) });
      }).join("") + "</tr>";
    }));
  }

  function renderCacheSavings(rows, days) {
    var container = chart("cache-savings");
    if (!META.has_cache_savings) {
      unavailable(container, META.not_available +
        " (fct_tenant_daily_usage has no column cache_read_savings_usd)");
      return;
    }
    if (!rows.length) { empty(container); return; }
    var index = dict();
    days.forEach(function (d, i) { index[d] = i; });
    var units = days.map(function () { return 0n; });
    rows.forEach(function (r) { units[index[r.usage_date]] += r.cache_savings; });
    var marks = columnChart(container, days, [{ label: "cache savings", color: "#2c9f6b",
      values: units.map(dollars) }], {
      format: compactUsd, tip: function (v, i) { return usd(units[i]); }
    });
    if (marks === 0) { container.innerHTML = ""; empty(container, "No cache reads in this selection."); return; }
    finish(container, marks);
  }

  function renderErrorRate(rows, days) {
    var container = chart("error-rate");
    if (!rows.length) { empty(container); return; }
    var index = dict();
    days.forEach(function (d, i) { index[d] = i; });
    var inv = days.map(function () { return 0; });
    var err = days.map(function () { return 0; });
    rows.forEach(function (r) {
      inv[index[r.usage_date]] += r.invocations;
      err[index[r.usage_date]] += r.errors;
    });
    var marks = lineChart(container, days, [{ label: "error rate", color: "#c62f3a",
      values: inv.map(function (n, i) { return n ? err[i] / n : null; }) }], {
      format: function (v) { return pct(v, v < 0.1 ? 1 : 0); },
      tip: function (v, i) { return pct(v, 2) + " (" + int(err[i]) + " of " + int(inv[i]) + ")"; }
    });
    finish(container, marks);
  }

  function renderTags(r) {
    var container = chart("tokens-by-tag");
    var scope = document.getElementById("tags-scope");
    scope.textContent = state.model !== ALL
      ? "The model filter does not apply here: the tag mart has no model." : "";
    if (!tags) { unavailable(container, reasonOf("tags")); return; }
    var key = els.tag.value || allTagKeys[0];
    if (!key) { empty(container, "No request-metadata tags in the logs."); return; }
    var rows = tags.filter(function (t) {
      return t.tag_key === key && inRange(t.usage_date, r) && tenantOk(t.tenant_id);
    });
    // The page holds each key's top values; the rest come as one "other" row per tenant and
    // day. Groups are keyed by kind and value, so a value spelled "(not set)" stays its own bar.
    var folded = 0;
    (tagKeys || []).forEach(function (k) {
      if (k.tag_key === key) { folded = k.value_count - k.shown_value_count; }
    });
    var groups = dict();
    rows.forEach(function (t) {
      var kind = t.value_kind || (t.tag_value === null ? "not_set" : "value");
      var label = kind === "not_set" ? "(not set)"
        : kind === "other" ? "(" + int(folded) + " other values)" : t.tag_value;
      var id = kind + ":" + (t.tag_value === null ? "" : t.tag_value);
      var g = groups[id] || (groups[id] = { label: label, total_tokens: 0, cost: 0n });
      sumInto(g, t, ["input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
        "total_tokens"]);
      g.cost += t.total_cost;
    });
    var list = Object.keys(groups).map(function (k) { return groups[k]; }).sort(function (a, b) {
      return b.total_tokens - a.total_tokens || (a.label < b.label ? -1 : 1);
    });
    if (!list.length) { empty(container, "No rows for tag key " + key + " in this selection."); return; }
    var marks = hbarChart(container, list.slice(0, 20).map(function (g) {
      return { label: key + " = " + g.label, valueText: compact(g.total_tokens) + " tokens, " + usd(g.cost),
        segments: TOKEN_CLASSES.map(function (c) {
          return { value: g[c.key] || 0, color: c.color, label: c.label, text: int(g[c.key] || 0) };
        }) };
    }), { format: compact, labelWidth: 260 });
    legend(container, TOKEN_CLASSES);
    if (META.omitted_tag_key_count > 0) {
      scope.textContent += (scope.textContent ? " " : "") + int(META.omitted_tag_key_count) +
        " less used tag keys are not in this page (bedrock-costs report --max-tag-keys).";
    }
    container.setAttribute("data-tag-key", key);
    var totals = dict();
    list.forEach(function (g) { totals[g.label] = g.total_tokens; });
    container.setAttribute("data-tag-totals", JSON.stringify(totals));
    finish(container, marks);
  }

  function renderBudget(r) {
    var container = chart("budget-burn");
    var tableBox = document.getElementById("budget-table");
    var scope = document.getElementById("budget-scope");
    scope.textContent = state.model !== ALL
      ? "The model filter does not apply here: statements are per tenant." : "";
    if (!statements) {
      unavailable(container, reasonOf("statements"));
      tableBox.innerHTML = "";
      els.month.disabled = true;
      return;
    }
    // Default month: the latest statement month that overlaps the selected date range.
    var month = state.month;
    if (!month) {
      var overlapping = allMonths.filter(function (m) { return m <= r.to && monthEnd(m) >= r.from; });
      month = overlapping.length ? overlapping[overlapping.length - 1] : allMonths[allMonths.length - 1];
    }
    if (month) { els.month.value = month; }
    var rows = statements.filter(function (s) {
      return s.statement_month === month && tenantOk(s.tenant_id);
    }).sort(function (a, b) {
      var ra = a.projected_budget_share === null ? -1 : a.projected_budget_share;
      var rb = b.projected_budget_share === null ? -1 : b.projected_budget_share;
      return rb - ra || (b.total_cost > a.total_cost ? 1 : -1);
    });
    if (!rows.length) { empty(container, "No statement for this month and tenant."); tableBox.innerHTML = ""; return; }
    var marks = hbarChart(container, rows.map(function (s) {
      var spent = dollars(s.total_cost);
      var projected = s.has_projection ? dollars(s.projected_cost) : spent;
      var color = STATUS_COLORS[s.budget_status] || OTHER_COLOR;
      var segments = [{ value: spent, color: color, label: "spent", text: usd(s.total_cost) }];
      if (projected > spent) {
        segments.push({ value: projected - spent, color: color, opacity: 0.3,
          label: "projected month end", text: usd(s.projected_cost) });
      }
      return { label: s.tenant_id, extent: s.has_budget ? dollars(s.budget) : 0,
        valueText: s.has_budget ? pct(s.budget_share_used || 0, 0) + " of " + usd(s.budget)
          : usd(s.total_cost) + ", no budget",
        segments: segments,
        markers: s.has_budget ? [{ value: dollars(s.budget), color: "#1d2433",
          label: "budget " + usd(s.budget) }] : [] };
    }), { format: compactUsd });
    legend(container, [
      { label: "within budget", color: STATUS_COLORS.within_budget },
      { label: "projected over", color: STATUS_COLORS.projected_over },
      { label: "over budget", color: STATUS_COLORS.over_budget },
      { label: "no budget", color: STATUS_COLORS.no_budget },
      { label: "budget (line); light: projected month end", color: "#1d2433" }
    ]);
    finish(container, marks);
    var billed = rows.some(function (s) { return s.has_billed; });
    htmlTable(tableBox, ["tenant", "spent"].concat(billed ? ["billed by AWS"] : [], ["budget",
      "used", "projected", "projected share", "status", "days"]), rows.map(function (s) {
      return "<tr>" + cell(esc(s.tenant_id)) +
        cell(usd(s.total_cost), { "data-budget-spent": s.tenant_id, "data-value": centsValue(s.total_cost) }) +
        (!billed ? "" : s.has_billed
          ? cell(usd(s.billed_cost), { "data-budget-billed": s.tenant_id, "data-value": centsValue(s.billed_cost) })
          : cell("-")) +
        cell(s.has_budget ? usd(s.budget) : "-") +
        cell(s.budget_share_used === null ? "-" : pct(s.budget_share_used)) +
        cell(s.has_projection ? usd(s.projected_cost) : "-") +
        cell(s.projected_budget_share === null ? "-" : pct(s.projected_budget_share)) +
        cell(esc(s.budget_status.replace(/_/g, " ")), { "class": "status-" + s.budget_status }) +
        cell(s.days_elapsed + "/" + s.days_in_month + (s.is_month_complete ? "" : " so far")) + "</tr>";
    }));
  }

  function renderAnomalies(r, days) {
    var container = chart("anomalies");
    var tableBox = document.getElementById("anomaly-table");
    var scope = document.getElementById("anomalies-scope");
    scope.textContent = state.model !== ALL
      ? "The model filter does not apply here: anomalies are per tenant-day." : "";
    if (!anomalies) { unavailable(container, reasonOf("anomalies")); tableBox.innerHTML = ""; return; }
    var rows = anomalies.filter(function (a) { return inRange(a.usage_date, r) && tenantOk(a.tenant_id); });
    if (!rows.length) {
      empty(container, "No cost anomalies in this selection.");
      htmlTable(tableBox, ["day", "tenant"], []);
      tableBox.setAttribute("data-rows", "0");
      return;
    }
    // A dot per anomaly: x the day, y the cost, a ring at the baseline median.
    var W = widthOf(container), H = 240, left = 64, right = 12, top = 12, bottom = 34;
    var max = Math.max.apply(null, rows.map(function (a) { return dollars(a.total_cost); }));
    var ticks = niceTicks(max, 4);
    var top_ = ticks[ticks.length - 1] || 1;
    var plotW = W - left - right, plotH = H - top - bottom;
    var band = plotW / Math.max(days.length, 1);
    var index = dict();
    days.forEach(function (d, i) { index[d] = i; });
    var xOf = function (day) { return left + index[day] * band + band / 2; };
    var y = function (v) { return top + plotH - (v / top_) * plotH; };
    var svg = svgRoot(container, W, H);
    var axis = el("g", { "class": "axis" }, svg);
    ticks.forEach(function (t) {
      el("line", { x1: left, x2: W - right, y1: y(t), y2: y(t), "class": "grid-line" }, axis);
      text(axis, left - 6, y(t) + 4, compactUsd(t), { "text-anchor": "end" });
    });
    var every = Math.ceil(days.length / Math.max(1, Math.floor((W - left - right) / 48)));
    days.forEach(function (day, i) {
      if (i % every === 0) {
        text(axis, left + i * band + band / 2, H - bottom + 16, shortDay(day), { "text-anchor": "middle" });
      }
    });
    var tenantColor = dict();
    allTenants.forEach(function (t, i) { tenantColor[t] = PALETTE[i % PALETTE.length]; });
    var marks = 0;
    rows.forEach(function (a) {
      if (index[a.usage_date] === undefined) { return; }
      var cx = xOf(a.usage_date);
      if (a.has_baseline) {
        el("line", { x1: cx, x2: cx, y1: y(dollars(a.baseline_median_cost)), y2: y(dollars(a.total_cost)),
          stroke: tenantColor[a.tenant_id], "stroke-dasharray": "3 2" }, svg);
        el("circle", { cx: cx, cy: y(dollars(a.baseline_median_cost)), r: 3, fill: "none",
          stroke: tenantColor[a.tenant_id] }, svg);
      }
      var dot = el("circle", { cx: cx, cy: y(dollars(a.total_cost)), r: 6,
        fill: a.anomaly_kind === "new_spend" ? "#d98a00" : "#c62f3a",
        stroke: tenantColor[a.tenant_id], "stroke-width": 2 }, svg);
      tip(mark(dot), a.usage_date + " " + a.tenant_id + ": " + usd(a.total_cost) + " (" +
        a.anomaly_kind.replace(/_/g, " ") + ", baseline " +
        (a.has_baseline ? usd(a.baseline_median_cost) : "-") + ")");
      marks++;
    });
    legend(container, [{ label: "spike", color: "#c62f3a" }, { label: "new spend", color: "#d98a00" },
      { label: "hollow: the tenant's baseline median", color: "#a3abbb" }]);
    finish(container, marks);
    htmlTable(tableBox, ["day", "tenant", "kind", "cost", "baseline median", "ratio", "excess"],
      rows.map(function (a) {
        return "<tr data-anomaly=\"" + esc(a.usage_date + "|" + a.tenant_id) + "\" data-value=\"" +
          centsValue(a.total_cost) + "\">" +
          cell(esc(a.usage_date)) + cell(esc(a.tenant_id)) + cell(esc(a.anomaly_kind.replace(/_/g, " "))) +
          cell(usd(a.total_cost)) +
          cell(a.has_baseline ? usd(a.baseline_median_cost) : "-") +
          cell(a.cost_ratio_to_baseline === null ? "-" : a.cost_ratio_to_baseline.toFixed(1) + "x") +
          cell(usd(a.excess_cost)) + "</tr>";
      }));
    tableBox.setAttribute("data-rows", String(rows.length));
  }

  // The AWS bill against the logs, per reconciliation status: billed cost (bar) and the
  // estimate from the logs (marker). Buckets are not per tenant: the tenant filter does not apply.
  function renderReconciliation(r) {
    var container = chart("bill-reconciliation");
    var tableBox = document.getElementById("reconciliation-table");
    document.getElementById("reconciliation-scope").textContent = state.tenant !== ALL
      ? "The tenant filter does not apply here: the bill is per account, Region and model." : "";
    if (!reconciliation) {
      unavailable(container, reasonOf("reconciliation"));
      tableBox.innerHTML = "";
      return;
    }
    if (!reconciliation.length) {
      empty(container, "No AWS bill in this build: set var bedrock_cur_dir (local) or " +
        "bedrock_cur_table (Athena); see docs/bill-reconciliation.md.");
      tableBox.innerHTML = "";
      return;
    }
    var totals = dict();
    reconciliation.forEach(function (b) {
      if (!inRange(b.usage_date, r) || !modelOk(b.model_id)) { return; }
      var t = totals[b.status] || (totals[b.status] = { buckets: 0, billed: 0n, estimated: 0n });
      t.buckets += b.buckets;
      t.billed += b.billed_cost;
      t.estimated += b.estimated_cost;
    });
    var rows = RECONCILIATION_STATUSES.filter(function (s) { return totals[s.key]; });
    if (!rows.length) { empty(container, "No billed or logged usage in this selection."); tableBox.innerHTML = ""; return; }
    var marks = hbarChart(container, rows.map(function (s) {
      var t = totals[s.key];
      return { label: s.key.replace(/_/g, " "), extent: dollars(t.estimated),
        valueText: usd(t.billed) + " billed",
        segments: [{ value: dollars(t.billed), color: s.color, label: "billed", text: usd(t.billed) }],
        markers: [{ value: dollars(t.estimated), color: "#1d2433",
          label: "estimated from the logs " + usd(t.estimated) }] };
    }), { format: compactUsd });
    legend(container, RECONCILIATION_STATUSES.map(function (s) {
      return { label: s.key.replace(/_/g, " "), color: s.color };
    }).concat([{ label: "estimated from the logs (line)", color: "#1d2433" }]));
    finish(container, marks);
    htmlTable(tableBox, ["status", "buckets", "billed by AWS", "estimated from the logs", "difference"],
      rows.map(function (s) {
        var t = totals[s.key];
        return "<tr data-reconciliation=\"" + esc(s.key) + "\" data-billed=\"" + centsValue(t.billed) +
          "\" data-estimated=\"" + centsValue(t.estimated) + "\" data-buckets=\"" + t.buckets + "\">" +
          cell(esc(s.key.replace(/_/g, " ")), { "class": "status-" + s.key }) + cell(int(t.buckets)) +
          cell(usd(t.billed)) + cell(usd(t.estimated)) + cell(usd(t.billed - t.estimated)) + "</tr>";
      }));
  }

  // Sections that depend on the daily usage mart.
  var DAILY_CHARTS = ["cost-over-time", "tenant-cost", "model-mix", "token-classes",
    "cache-savings", "error-rate"];

  function guarded(name, fn) {
    try { fn(); } catch (err) {
      window.reportError(name + ": " + (err && err.stack ? err.stack : String(err)));
    }
  }

  function render() {
    document.body.setAttribute("data-rendered", "false");
    document.querySelectorAll("[data-chart]").forEach(resetChart);
    var r = range();
    var days = daysBetween(r.from, r.to);
    var filtered = (daily || []).filter(function (row) {
      return inRange(row.usage_date, r) && tenantOk(row.tenant_id) && modelOk(row.model_id);
    });
    var total = blank();
    filtered.forEach(function (row) { add(total, row); });
    var summary = document.getElementById("filter-summary");
    summary.textContent = "Showing " + (r.from || "-") + " to " + (r.to || "-") + " (UTC), " +
      (state.tenant === ALL ? "all tenants" : "tenant " + state.tenant) + ", " +
      (state.model === ALL ? "all models" : "model " + state.model) + ".";
    summary.setAttribute("data-from", r.from);
    summary.setAttribute("data-to", r.to);
    summary.setAttribute("data-tenant", state.tenant);
    summary.setAttribute("data-model", state.model);
    if (daily) {
      guarded("kpis", function () { renderKpis(filtered, total); });
      guarded("tenant-cost", function () { renderTenantCost(filtered, total); });
      guarded("cost-over-time", function () { renderCostOverTime(filtered, days); });
      guarded("model-mix", function () { renderModelMix(filtered, total); });
      guarded("token-classes", function () { renderTokenClasses(filtered, days); });
      guarded("cache-savings", function () { renderCacheSavings(filtered, days); });
      guarded("error-rate", function () { renderErrorRate(filtered, days); });
    } else {
      document.getElementById("kpis").innerHTML = "<p class=\"unavailable\">" +
        esc(reasonOf("daily")) + "</p>";
      DAILY_CHARTS.forEach(function (name) { unavailable(chart(name), reasonOf("daily")); });
    }
    guarded("latency", function () { renderLatency(r); });
    guarded("tokens-by-tag", function () { renderTags(r); });
    guarded("budget-burn", function () { renderBudget(r); });
    guarded("anomalies", function () { renderAnomalies(r, days); });
    guarded("bill-reconciliation", function () { renderReconciliation(r); });
    markClippedTables();
    document.body.setAttribute("data-rendered", "true");
  }

  // A table wider than its card hides columns behind a scrollbar: count them for the tests.
  function markClippedTables() {
    var wraps = Array.prototype.slice.call(document.querySelectorAll(".table-wrap"));
    var clipped = wraps.filter(function (w) { return w.scrollWidth > w.clientWidth + 1; });
    document.body.setAttribute("data-clipped-tables", String(clipped.length));
    document.body.setAttribute("data-clipped-table-ids",
      clipped.map(function (w) { return w.id || (w.firstElementChild || w).id || "?"; }).join(" "));
  }

  // The embedded rows must add up to the total the report read with SQL: a cheap self-check.
  function selfCheck() {
    if (!daily || DATA.check.total_cost_units === null) { return; }
    var sum = 0n, invocations = 0;
    daily.forEach(function (row) { sum += row.total_cost; invocations += row.invocations; });
    if (sum !== BigInt(DATA.check.total_cost_units) || invocations !== DATA.check.invocation_count) {
      window.reportError("the embedded daily rows do not add up to the marts' total (" +
        usd(sum) + " vs " + usd(BigInt(DATA.check.total_cost_units)) + ")");
    }
  }

  function onControl(event) {
    state.from = els.from.value;
    state.to = els.to.value;
    state.tenant = els.tenant.value;
    state.model = els.model.value;
    // The tag key and month have defaults; only pin them in the URL once the user picks one.
    if (event.target === els.tag) { state.tag = els.tag.value; }
    if (event.target === els.month) { state.month = els.month.value; }
    writeHash();
    render();
  }
  [els.from, els.to, els.tenant, els.model, els.tag, els.month].forEach(function (e) {
    e.addEventListener("change", onControl);
  });
  document.getElementById("filter-reset").addEventListener("click", function () {
    state = { from: "", to: "", tenant: ALL, model: ALL, tag: "", month: "" };
    writeHash();
    syncControls();
    if (!state.tag && allTagKeys.indexOf("department") >= 0) { els.tag.value = "department"; }
    render();
  });
  window.addEventListener("hashchange", function () { readHash(); syncControls(); render(); });

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(render, 150);
  });

  selfCheck();
  readHash();
  syncControls();
  if (!state.tag && allTagKeys.indexOf("department") >= 0) { els.tag.value = "department"; }
  render();
})();
