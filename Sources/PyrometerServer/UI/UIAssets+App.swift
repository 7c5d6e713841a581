// ui/app.js: the page (state in the URL, services, controls, top table, findings, downloads).
// Kept as a Swift string so that `pyrometer-serve` is one self-contained file (no resource bundle beside it), as
// the SVG's script is (docs/architecture.md § Rendering).
extension UIAssets {
    static let appScript = #"""
// The page: state in the query string (service, type, from, to, label, zoom, q, icicle; view=diff with head.from,
// head.to, head.label; view=trend with function and returnTo), so that reload and back restore a view; every URL relative, so the page works under any --base-path. Data from the store is only
// ever set as textContent.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const KEYS = ["service", "type", "from", "to", "label", "zoom", "q", "icicle", "view", "head.from", "head.to",
                "head.label", "function", "returnTo"];
  const DATA_KEYS = ["service", "type", "from", "to", "label"];
  const PRESETS = { all: ["", ""], "1h": ["now-1h", ""], "1d": ["now-1d", ""], "1w": ["now-7d", ""] };
  const EMPTY = { nodes: { name: [], depth: [], self: [], total: [] }, colors: [], names: [] };
  let state = {}, services = [], loadedKey = null, loading = 0;
  const timings = {};
  const flame = new window.PyrometerFlame($("flame"), $("tooltip"), $("details"), {
    zoom: (path) => navigate({ zoom: path.join(";") }),
  });
  let compare = null;  // the diff and trend views (compare.js), made once the helpers below exist
  // For scripts/ui-check.py: the flame graphs and how long the main one's steps took.
  window.pyrometerUI = { flame, timings, state: () => Object.assign({}, state), compare: () => compare };

  const blank = () => Object.fromEntries(KEYS.map((key) => [key, ""]));

  function readURL() {
    const params = new URLSearchParams(location.search);
    state = Object.fromEntries(KEYS.map((key) => [key, params.get(key) || ""]));
  }

  // `key=value&...` of the keys set in `values` (the state by default), then `extra`'s.
  function query(keys, extra, values) {
    const parts = [], from = values || state;
    for (const key of keys) if (from[key]) parts.push(key + "=" + encodeURIComponent(from[key]));
    for (const key in extra || {}) parts.push(key + "=" + encodeURIComponent(extra[key]));
    return parts.join("&");
  }

  // Changes the state, records it in the history (replace: no new entry) and shows it.
  function navigate(changes, replace) {
    const before = query(KEYS);
    Object.assign(state, changes);
    const after = query(KEYS);
    if (after === before && !replace) return show();
    history[replace ? "replaceState" : "pushState"](null, "", "?" + after);
    return show();
  }

  function text(tag, content, className) {
    const node = document.createElement(tag);
    node.textContent = content;
    if (className) node.className = className;
    return node;
  }

  function link(content, changes) {
    const a = text("a", content);
    a.href = "?" + query(KEYS, null, changes);
    a.addEventListener("click", (event) => {
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
      event.preventDefault();
      state = blank();
      navigate(changes);
    });
    return a;
  }

  function status(message, isError) {
    $("status").textContent = message;
    $("status").className = isError ? "error" : "";
  }

  async function getJSON(path) {
    const response = await fetch(path, { headers: { Accept: "application/json" } });
    const body = await response.json().catch(() => ({ message: response.statusText }));
    if (!response.ok) throw new Error(body.message || "HTTP " + response.status);
    return body;
  }

  async function loadServices() {
    services = (await getJSON("api/v1/services")).services;
    const table = $("services").tBodies[0];
    table.replaceChildren(...services.map((service) => {
      const row = document.createElement("tr");
      const name = document.createElement("td");
      name.append(link(service.name, { service: service.name }));
      const weeks = document.createElement("td");
      for (const week of service.weeks) {
        weeks.append(link(week.week + " (" + week.profiles + ")",
                          { service: service.name, from: week.from, to: week.to }), " ");
      }
      row.append(name, text("td", String(service.profiles), "number"),
                 text("td", service.sampleTypes.map((t) => t.type).join(", ")), weeks);
      return row;
    }));
    $("services-empty").hidden = services.length > 0;
    const select = $("service");
    select.replaceChildren(text("option", "(choose a service)"), ...services.map((s) => text("option", s.name)));
    select.options[0].value = "";
  }

  function showControls() {
    $("service").value = state.service;
    const service = services.find((s) => s.name === state.service);
    const types = service ? service.sampleTypes : [];
    $("type").replaceChildren(...types.map((t) => text("option", t.type + " (" + t.unit + ")")));
    types.forEach((t, k) => { $("type").options[k].value = t.type; });
    $("type").value = state.type;
    const preset = Object.keys(PRESETS).find((k) => PRESETS[k][0] === state.from && PRESETS[k][1] === state.to);
    $("range").value = preset || "custom";
    $("custom").hidden = !!preset;
    $("from").value = state.from; $("to").value = state.to; $("label").value = state.label;
    if ($("search").value !== state.q) $("search").value = state.q;  // (keeps the caret while typing)
    $("icicle").checked = state.icicle === "1";
  }

  async function show() {
    showControls();
    $("services-view").hidden = !!state.service;
    $("profile-view").hidden = !state.service || !!state.view;
    $("diff-view").hidden = !state.service || state.view !== "diff";
    $("trend-view").hidden = !state.service || state.view !== "trend";
    if (!state.service) return;
    const service = services.find((s) => s.name === state.service);
    if (!state.type && service && service.sampleTypes.length) return navigate({ type: service.sampleTypes[0].type }, true);
    if (state.view === "diff") return compare.showDiff(state, service);
    if (state.view === "trend") return compare.showTrend(state);
    const key = query(DATA_KEYS);
    if (key !== loadedKey) {
      const ticket = ++loading;
      status("Loading " + state.service + "…");
      let data;
      try {
        const started = performance.now();
        data = await getJSON("api/v1/flamegraph?" + key);
        timings.fetchMs = performance.now() - started;
      } catch (error) {
        if (ticket === loading) {
          status(error.message, true);
          flame.setData(EMPTY);
          flame.render();
        }
        return;
      }
      if (ticket !== loading) return;
      const started = performance.now();
      flame.setData(data.nodes ? data : EMPTY);
      timings.layoutMs = performance.now() - started;
      loadedKey = key;
      showTables(data);
      for (const format of ["svg", "folded", "pprof", "json"]) {
        $("download-" + format).href = "api/v1/render?" + query(DATA_KEYS, { format });
      }
      status(data.total > 0
        ? data.profiles + (data.profiles === 1 ? " profile, " : " profiles, ") + data.from + " to " + data.to + ", " + data.total.toLocaleString("en-US") + " " + data.countName
          + (data.omittedNodes ? " (" + data.omittedNodes + " narrowest frames left out)" : "")
        : "No " + (state.type || "") + " profiles of " + state.service + " in this range.");
    }
    flame.icicle = state.icicle === "1";
    flame.setZoom(state.zoom ? state.zoom.split(";") : []);
    const matched = flame.setSearch(state.q);
    $("matched").textContent = matched === null ? "" : "Matched: " + matched.toFixed(2) + "%";
    timings.renderMs = flame.render();
    $("reset").disabled = !state.zoom;
  }

  // Shares too small for two decimals still say they are not nothing.
  const percent = (value) => (value > 0 && value < 0.005 ? "<0.01%" : value.toFixed(2) + "%");

  function showTables(data) {
    const report = data.hotspots || { functions: [], inlinedFindings: [], threshold: 0 };
    const rows = report.functions.map((f) => {
      const row = document.createElement("tr");
      const cell = document.createElement("td");
      const button = text("button", f.name, "function");
      button.type = "button";
      button.title = "Search for this function";
      button.addEventListener("click", () => navigate({ q: "^" + f.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "$" }));
      cell.append(button);
      const trend = document.createElement("td");
      trend.append(link("trend", Object.assign({}, state, { view: "trend", function: f.name, returnTo: "", zoom: "" })));
      row.append(cell, text("td", percent(f.selfPercent), "number"), text("td", percent(f.totalPercent), "number"), trend);
      if (f.flagged || f.hotPath) row.className = "finding";
      return row;
    });
    $("top").tBodies[0].replaceChildren(...rows);
    const findings = [];
    for (const f of report.functions) {
      if (f.flagged) findings.push(text("li", "Flagged: " + f.name + " spends " + percent(f.selfPercent) + " itself"));
      if (f.hotPath) findings.push(text("li", "Hot path: " + f.name + " leads to " + percent(f.totalPercent) + ", spread over its callees"));
    }
    for (const f of report.inlinedFindings) findings.push(text("li", "Inlined: " + f.name + " " + percent(f.selfPercent) + " over its hosts"));
    if (!findings.length && data.total > 0) findings.push(text("li", "No function reaches the " + report.threshold + "% threshold."));
    $("findings").replaceChildren(...findings);
  }

  function wireControls() {
    $("controls").addEventListener("submit", (event) => {
      event.preventDefault();
      const preset = PRESETS[$("range").value];
      navigate({ service: $("service").value, type: $("service").value === state.service ? $("type").value : "",
                 from: preset ? preset[0] : $("from").value.trim(), to: preset ? preset[1] : $("to").value.trim(),
                 label: $("label").value.trim(), zoom: "" });
    });
    for (const id of ["service", "type", "range"]) $(id).addEventListener("change", () => {
      if (id === "range" && $("range").value === "custom") { $("custom").hidden = false; return; }
      $("controls").requestSubmit();
    });
    $("search").addEventListener("input", () => navigate({ q: $("search").value }, true));
    $("search").addEventListener("change", () => navigate({ q: $("search").value }));
    $("icicle").addEventListener("change", () => navigate({ icicle: $("icicle").checked ? "1" : "" }));
    $("reset").addEventListener("click", () => navigate({ zoom: "" }));
    document.addEventListener("keydown", (event) => {
      const typing = /^(INPUT|SELECT|TEXTAREA)$/.test(event.target.tagName);
      const box = state.view === "diff" ? $("diff-search") : $("search");  // the visible view's search box
      if (event.key === "/" && !typing && state.view !== "trend") { event.preventDefault(); box.focus(); box.select(); }
      else if (event.key === "Escape") {
        if (event.target === box) { box.blur(); navigate({ q: "" }); } else navigate({ zoom: "" });
      }
    });
    window.addEventListener("popstate", () => { readURL(); show(); });
    window.addEventListener("resize", () => { if (state.service && !state.view) flame.render(); });
  }

  async function start() {
    readURL();
    wireControls();
    compare = new window.PyrometerCompare({ state: () => Object.assign({}, state), navigate, query, text, getJSON, link });
    try { await loadServices(); } catch (error) { status("Cannot list services: " + error.message, true); }
    await show();
    document.body.dataset.ready = "1";
  }
  start();
})();
"""#
}
