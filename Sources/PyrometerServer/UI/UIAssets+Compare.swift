// ui/compare.js: the diff view (two ranges or label sets, its table and differential flame graph, the presets) and
// a function's trend chart.
// Kept as a Swift string so that `pyrometer-serve` is one self-contained file (no resource bundle beside it), as
// the SVG's script is (docs/architecture.md § Rendering).
extension UIAssets {
    static let compareScript = #"""
// The diff and trend views. The page (app.js) owns the state in the URL and calls show() for view=diff and
// view=trend; the differential flame graph is flame.js's canvas graph with per-frame fills. Store data (names,
// labels, messages) only ever reaches the page as textContent, SVG attributes and canvas text.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";
  const DIFF_KEYS = ["service", "type", "from", "to", "label", "head.from", "head.to", "head.label"];
  const HEAD_KEYS = ["head.from", "head.to", "head.label"];

  function Compare(ui) {
    this.ui = ui;
    this.loadedKey = null;
    this.loading = 0;
    this.flame = new window.PyrometerFlame($("diff-flame"), $("diff-tooltip"), $("diff-details"), {
      zoom: (path) => ui.navigate({ zoom: path.join(";") }),
    });
    this.wire();
  }

  // Monday 00:00 UTC of the ISO week `weeksBack` weeks before the current one, as YYYY-MM-DD.
  function monday(weeksBack) {
    const now = new Date(), day = (now.getUTCDay() + 6) % 7;
    const date = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - day - 7 * weeksBack));
    return date.toISOString().slice(0, 10);
  }

  Compare.prototype.wire = function () {
    const ui = this.ui;
    $("compare").addEventListener("click", () => ui.navigate({ view: "diff", zoom: "" }));
    $("diff-back").addEventListener("click", () => ui.navigate({ view: "", zoom: "", "head.from": "", "head.to": "", "head.label": "" }));
    $("preset-weeks").addEventListener("click", () => ui.navigate({
      view: "diff", zoom: "", from: monday(1), to: monday(0), label: "", "head.from": monday(0), "head.to": "", "head.label": "" }));
    $("canary-key").addEventListener("change", () => this.fillCanaryValues());
    $("preset-canary").addEventListener("click", () => {
      const key = $("canary-key").value, head = $("canary-head").value, base = $("canary-base").value;
      if (!key || !head || !base || head === base) { $("diff-status").textContent = "Pick a label key and two different values."; return; }
      ui.navigate({ view: "diff", zoom: "", label: key + ":" + base, "head.label": key + ":" + head, "head.from": "", "head.to": "" });
    });
    $("diff-controls").addEventListener("submit", (event) => {
      event.preventDefault();
      const value = (id) => $(id).value.trim();
      ui.navigate({ view: "diff", zoom: "", from: value("base-from"), to: value("base-to"), label: value("base-label"),
                    "head.from": value("head-from"), "head.to": value("head-to"), "head.label": value("head-label") });
    });
    // The same `q` as the flame graph view's search: a search carries over between the two views.
    $("diff-search").addEventListener("input", () => ui.navigate({ q: $("diff-search").value }, true));
    $("diff-search").addEventListener("change", () => ui.navigate({ q: $("diff-search").value }));
    $("trend-back").addEventListener("click", () => ui.navigate({ view: ui.state().returnTo || "", function: "", returnTo: "" }));
    window.addEventListener("resize", () => { if (ui.state().view === "diff") this.flame.render(); });
  };

  // The canary preset's selects: the service's label keys (api/v1/services) and the chosen key's values.
  Compare.prototype.fillCanarySelects = function (service) {
    this.labels = (service && service.labels) || {};
    const keys = Object.keys(this.labels).sort();
    const select = $("canary-key"), before = select.value;
    select.replaceChildren(...keys.map((key) => this.ui.text("option", key)));
    keys.forEach((key, k) => { select.options[k].value = key; });
    if (keys.includes(before)) select.value = before;
    $("canary").hidden = keys.length === 0;
    this.fillCanaryValues();
  };

  Compare.prototype.fillCanaryValues = function () {
    const values = this.labels[$("canary-key").value] || [];
    for (const [id, pick] of [["canary-head", 0], ["canary-base", 1]]) {
      $(id).replaceChildren(...values.map((value) => this.ui.text("option", value)));
      values.forEach((value, k) => { $(id).options[k].value = value; });
      if (values.length > pick) $(id).selectedIndex = pick;
    }
  };

  Compare.prototype.showDiff = async function (state, service) {
    this.fillCanarySelects(service);
    const fields = { "base-from": "from", "base-to": "to", "base-label": "label",
                     "head-from": "head.from", "head-to": "head.to", "head-label": "head.label" };
    for (const id in fields) $(id).value = state[fields[id]];
    if (!HEAD_KEYS.some((key) => state[key])) {
      $("diff-status").textContent = "Choose a preset, or give the head's range or label and Compare.";
      $("diff-status").className = "";
      $("diff-result").hidden = true;
      this.loadedKey = null;
      return;
    }
    const key = this.ui.query(DIFF_KEYS);
    if (key !== this.loadedKey) {
      const ticket = ++this.loading;
      $("diff-status").textContent = "Comparing…";
      $("diff-status").className = "";
      let data;
      try {
        data = await this.ui.getJSON("api/v1/diff?" + key);
      } catch (error) {
        if (ticket === this.loading) {
          $("diff-status").textContent = error.message;
          $("diff-status").className = "error";
          $("diff-result").hidden = true;
          this.loadedKey = null;
        }
        return;
      }
      if (ticket !== this.loading) return;
      this.loadedKey = key;
      $("diff-result").hidden = false;
      this.flame.setData(Object.assign({}, data, { total: data.head.total, baseTotal: data.base.total, colors: [] }));
      this.showTable(data);
      for (const format of ["svg", "json", "markdown"]) {
        $("diff-download-" + format).href = "api/v1/diff/render?" + this.ui.query(DIFF_KEYS, { format });
      }
      const report = data.report;
      const side = (name, s) => name + " " + s.summary + ": " + s.profiles + (s.profiles === 1 ? " profile, " : " profiles, ")
        + s.total.toLocaleString("en-US") + " " + data.countName;
      $("diff-status").textContent = side("Head", data.head) + ". " + side("Base", data.base) + ". "
        + report.regressions + " regressed, " + report.improvements + " improved.";
      $("diff-legend").textContent = "Red: grew, blue: shrank (inclusive share, head vs base); " + data.legend + ".";
    }
    this.flame.icicle = state.icicle === "1";
    this.flame.setZoom(state.zoom ? state.zoom.split(";") : []);
    if ($("diff-search").value !== state.q) $("diff-search").value = state.q;  // (keeps the caret while typing)
    const matched = this.flame.setSearch(state.q);
    $("diff-matched").textContent = matched === null ? "" : "Matched: " + matched.toFixed(2) + "% of the head";
    this.flame.render();
  };

  const fixed = (value, sign) => (value === null || value === undefined ? "-" : (sign && value > 0 ? "+" : "") + value.toFixed(2));

  // One row per function of `pyrometer diff`'s table; the finding in words, a trend link per function.
  Compare.prototype.showTable = function (data) {
    const ui = this.ui, text = ui.text;
    const rows = data.report.functions.map((f) => {
      const row = document.createElement("tr");
      const finding = f.regressed ? "REGRESSED" : f.improved ? "IMPROVED" : "noise";
      const relative = f.relativeChange === null || f.relativeChange === undefined
        ? (f.headPercent > 0 ? "new" : "-") : fixed(f.relativeChange * 100, true) + "%";
      const name = text("td", f.name, "function");
      const trend = document.createElement("td");
      trend.append(ui.link("trend", Object.assign(ui.state(), { view: "trend", function: f.name, returnTo: "diff", zoom: "" })));
      row.append(name, text("td", fixed(f.basePercent) + "%", "number"), text("td", fixed(f.headPercent) + "%", "number"),
                 text("td", fixed(f.deltaPercent, true) + " pp", "number"), text("td", relative, "number"),
                 text("td", f.adjustedPValue === undefined ? "-" : f.adjustedPValue.toPrecision(2), "number"),
                 text("td", finding, "finding-" + finding.toLowerCase()), trend);
      return row;
    });
    $("diff-table").tBodies[0].replaceChildren(...rows);
  };

  Compare.prototype.showTrend = async function (state) {
    $("trend-title").textContent = state.function;
    $("trend-status").textContent = "Loading…";
    $("trend-status").className = "";
    let data;
    try {
      data = await this.ui.getJSON("api/v1/trend?" + this.ui.query(["service", "type", "function"]));
    } catch (error) {
      $("trend-status").textContent = error.message;
      $("trend-status").className = "error";
      $("trend-chart").replaceChildren();
      return;
    }
    $("trend-status").textContent = data.points.length
      ? data.function + " in " + data.service + " " + data.sampleType + ": share of each ISO week's total ("
        + data.points.length + (data.points.length === 1 ? " week)" : " weeks)")
      : "No weeks of " + data.service + " " + data.sampleType + " profiles.";
    this.drawTrend(data);
    $("trend-table").tBodies[0].replaceChildren(...data.points.map((p) => {
      const row = document.createElement("tr");
      row.append(this.ui.text("td", p.week), this.ui.text("td", (100 * p.share).toFixed(2) + "%", "number"),
                 this.ui.text("td", p.value.toLocaleString("en-US"), "number"),
                 this.ui.text("td", p.total.toLocaleString("en-US"), "number"));
      return row;
    }));
  };

  function svg(tag, attributes, content) {
    const node = document.createElementNS(SVG, tag);
    for (const name in attributes) node.setAttribute(name, attributes[name]);
    if (content !== undefined) node.textContent = content;
    return node;
  }

  // A line of the weekly shares: week labels below, percentages on the left, one focusable point per week whose
  // <title> and the details line say its week, share and values.
  Compare.prototype.drawTrend = function (data) {
    const chart = $("trend-chart"), width = 640, height = 260, left = 56, right = 40, top = 16, bottom = 40;
    const points = data.points, max = Math.max(0.01, ...points.map((p) => p.share));
    const x = (k) => left + (points.length === 1 ? (width - left - right) / 2 : (k * (width - left - right)) / (points.length - 1));
    const y = (share) => top + (1 - share / max) * (height - top - bottom);
    chart.setAttribute("viewBox", "0 0 " + width + " " + height);
    const nodes = [svg("line", { x1: left, y1: height - bottom, x2: width - right, y2: height - bottom, class: "axis" }),
                   svg("line", { x1: left, y1: top, x2: left, y2: height - bottom, class: "axis" })];
    for (const fraction of [0, 0.5, 1]) {
      const share = max * fraction;
      nodes.push(svg("text", { x: left - 6, y: y(share) + 4, "text-anchor": "end", class: "tick" }, (100 * share).toFixed(1) + "%"));
      nodes.push(svg("line", { x1: left, y1: y(share), x2: width - right, y2: y(share), class: "grid" }));
    }
    const every = Math.max(1, Math.ceil(points.length / 8));  // at most 8 week labels, so that they do not overlap
    points.forEach((p, k) => {
      if (k % every === 0) nodes.push(svg("text", { x: x(k), y: height - bottom + 18, "text-anchor": "middle", class: "tick" }, p.week));
    });
    if (points.length > 1) {
      nodes.push(svg("polyline", { points: points.map((p, k) => x(k) + "," + y(p.share)).join(" "), class: "line" }));
    }
    points.forEach((p, k) => {
      const words = p.week + ": " + (100 * p.share).toFixed(2) + "% (" + p.value.toLocaleString("en-US") + " of "
        + p.total.toLocaleString("en-US") + " " + data.countName + ")";
      const dot = svg("circle", { cx: x(k), cy: y(p.share), r: 5, tabindex: "0", role: "img", "aria-label": words, class: "point" });
      dot.append(svg("title", {}, words));
      const say = () => { $("trend-details").textContent = words; };
      dot.addEventListener("focus", say);
      dot.addEventListener("mouseenter", say);
      nodes.push(dot);
    });
    chart.replaceChildren(...nodes);
  };

  window.PyrometerCompare = Compare;
})();
"""#
}
