// The page's HTML (index) and style sheet (ui/app.css).
// Kept as a Swift string so that `pyrometer-serve` is one self-contained file (no resource bundle beside it), as
// the SVG's script is (docs/architecture.md § Rendering).
extension UIAssets {
    static let page = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pyrometer</title>
<link rel="icon" href="ui/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="ui/app.css">
<script src="ui/flame.js" defer></script>
<script src="ui/compare.js" defer></script>
<script src="ui/app.js" defer></script>
</head>
<body>
<header>
  <h1><a href="?">Pyrometer</a></h1>
  <form id="controls">
    <label>Service <select id="service"></select></label>
    <label>Sample type <select id="type"></select></label>
    <label>Range <select id="range">
      <option value="all">All time</option>
      <option value="1h">Last hour</option>
      <option value="1d">Last day</option>
      <option value="1w">Last week</option>
      <option value="custom">Custom…</option>
    </select></label>
    <span id="custom" hidden>
      <label>From <input id="from" size="20" placeholder="2026-11-16 or now-2h"></label>
      <label>To <input id="to" size="20" placeholder="2026-11-23 or now"></label>
    </span>
    <label>Label <input id="label" size="16" placeholder="key:value"></label>
    <button type="submit">Show</button>
  </form>
</header>
<main>
  <section id="services-view">
    <h2>Services</h2>
    <table id="services">
      <thead><tr><th>Service</th><th>Profiles</th><th>Sample types</th><th>Profiles per ISO week</th></tr></thead>
      <tbody></tbody>
    </table>
    <p id="services-empty" hidden>No profiles yet: push some (docs/serve.md) or add them with <code>pyrometer store add</code>.</p>
  </section>
  <section id="profile-view" hidden>
    <p id="status" role="status" aria-live="polite"></p>
    <div class="toolbar">
      <button id="reset" type="button" title="Esc">Reset zoom</button>
      <button id="compare" type="button">Compare…</button>
      <label><input id="icicle" type="checkbox"> Icicle</label>
      <label>Search <input id="search" type="search" size="24" placeholder="regular expression ( / )"></label>
      <span id="matched" aria-live="polite"></span>
      <span class="downloads">Download:
        <a id="download-svg" download>SVG</a> <a id="download-pprof" download>pprof</a>
        <a id="download-folded" download>folded</a> <a id="download-json" download>JSON</a></span>
    </div>
    <div class="panes">
      <div class="graph">
        <canvas id="flame" tabindex="0"
                aria-label="Flame graph: arrow keys pick a frame, Enter zooms to it, Escape resets the zoom"></canvas>
        <div id="tooltip" role="tooltip" hidden></div>
        <p id="details" aria-live="polite"></p>
      </div>
      <aside>
        <h2>Findings</h2>
        <ul id="findings"></ul>
        <h2>Top functions</h2>
        <table id="top">
          <thead><tr><th>Function</th><th>Self</th><th>Total</th><th>Weeks</th></tr></thead>
          <tbody></tbody>
        </table>
      </aside>
    </div>
  </section>
  <section id="diff-view" hidden>
    <h2>Diff <button id="diff-back" type="button">Back to the flame graph</button></h2>
    <div class="presets">
      <button id="preset-weeks" type="button">This week vs last week</button>
      <span id="canary" hidden>Canary vs baseline by label
        <select id="canary-key" aria-label="Label key"></select>
        <label>head <select id="canary-head"></select></label>
        <label>base <select id="canary-base"></select></label>
        <button id="preset-canary" type="button">Compare</button></span>
    </div>
    <form id="diff-controls">
      <fieldset><legend>Base</legend>
        <label>From <input id="base-from" size="20" placeholder="2026-11-16 or now-14d"></label>
        <label>To <input id="base-to" size="20" placeholder="2026-11-23 or now-7d"></label>
        <label>Label <input id="base-label" size="16" placeholder="key:value"></label></fieldset>
      <fieldset><legend>Head (empty: as the base)</legend>
        <label>From <input id="head-from" size="20" placeholder="2026-11-23 or now-7d"></label>
        <label>To <input id="head-to" size="20" placeholder="now"></label>
        <label>Label <input id="head-label" size="16" placeholder="key:value"></label></fieldset>
      <button type="submit">Compare</button>
    </form>
    <p id="diff-status" role="status" aria-live="polite"></p>
    <div id="diff-result" hidden>
      <p id="diff-legend"></p>
      <div class="toolbar">
        <label>Search <input id="diff-search" type="search" size="24" placeholder="regular expression ( / )"></label>
        <span id="diff-matched" aria-live="polite"></span>
        <span class="downloads">Download:
        <a id="diff-download-svg" download>SVG</a> <a id="diff-download-json" download>JSON</a>
        <a id="diff-download-markdown" download>Markdown</a></span></div>
      <div class="graph">
        <canvas id="diff-flame" tabindex="0"
                aria-label="Differential flame graph: arrow keys pick a frame, Enter zooms to it, Escape resets the zoom"></canvas>
        <div id="diff-tooltip" class="tooltip" role="tooltip" hidden></div>
        <p id="diff-details" class="details" aria-live="polite"></p>
      </div>
      <table id="diff-table">
        <thead><tr><th>Function</th><th>Base self</th><th>Head self</th><th>Δ</th><th>Relative</th>
          <th>p (Holm)</th><th>Finding</th><th>Weeks</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>
  <section id="trend-view" hidden>
    <h2>Trend of <code id="trend-title"></code> <button id="trend-back" type="button">Back</button></h2>
    <p id="trend-status" role="status" aria-live="polite"></p>
    <svg id="trend-chart" role="group" aria-label="Share of each week's total; Tab reaches each week's point"></svg>
    <p id="trend-details" aria-live="polite"></p>
    <table id="trend-table">
      <thead><tr><th>Week</th><th>Share</th><th>Value</th><th>Week's total</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
</main>
</body>
</html>
"""#

    static let styleSheet = #"""
body { margin: 0; font: 14px system-ui, sans-serif; color: #222; background: #fafafa; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 1em; padding: 0.5em 1em; background: #fff;
         border-bottom: 1px solid #ddd; }
header h1 { font-size: 1.2em; margin: 0; }
header h1 a { color: #b33; text-decoration: none; }
form { display: flex; flex-wrap: wrap; align-items: center; gap: 0.75em; }
main { padding: 0.5em 1em; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 0.2em 0.6em; border-bottom: 1px solid #eee; vertical-align: top; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
#services td a { margin-right: 0.4em; }
.toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 1em; margin-bottom: 0.5em; }
.downloads a { margin-left: 0.3em; }
.panes { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }
.graph { position: relative; flex: 3 1 600px; min-width: 0; }
aside { flex: 1 1 320px; min-width: 0; max-height: 80vh; overflow: auto; }
aside h2 { font-size: 1em; margin: 0.5em 0; }
#flame, #diff-flame { display: block; background: #fff; }
#flame:focus, #diff-flame:focus { outline: 2px solid #36c; outline-offset: 2px; }
#tooltip, .tooltip { position: absolute; z-index: 2; max-width: 300px; padding: 0.3em 0.5em; background: #fffff0;
           border: 1px solid #999; box-shadow: 0 1px 4px rgba(0,0,0,0.2); pointer-events: none;
           overflow-wrap: anywhere; font-size: 12px; }
#details, .details { min-height: 1.2em; font-size: 12px; overflow-wrap: anywhere; }
#status.error, #diff-status.error, #trend-status.error { color: #b00; }
.presets, #diff-controls { display: flex; flex-wrap: wrap; align-items: center; gap: 0.75em; margin-bottom: 0.5em; }
fieldset { border: 1px solid #ddd; display: flex; flex-wrap: wrap; gap: 0.5em; }
#diff-view h2, #trend-view h2 { font-size: 1.1em; overflow-wrap: anywhere; }
#diff-table { margin-top: 0.5em; }
#diff-table td.function { font-family: ui-monospace, monospace; font-size: 12px; overflow-wrap: anywhere; max-width: 40em; }
.finding-regressed { color: #b00; font-weight: bold; }
.finding-improved { color: #036; font-weight: bold; }
.finding-noise { color: #888; }
#trend-chart { display: block; width: 100%; max-width: 640px; height: auto; background: #fff; }
#trend-chart .axis { stroke: #444; }
#trend-chart .grid { stroke: #eee; }
#trend-chart .tick { font-size: 11px; fill: #444; }
#trend-chart .line { fill: none; stroke: #b33; stroke-width: 2; }
#trend-chart .point { fill: #b33; }
#trend-chart .point:focus { outline: none; stroke: #36c; stroke-width: 3; }
#top button.function { all: unset; cursor: pointer; overflow-wrap: anywhere; font-family: ui-monospace, monospace;
                       font-size: 12px; }
#top button.function:focus { outline: 2px solid #36c; }
#top tr.finding td { background: #fde8e8; }
#findings li { overflow-wrap: anywhere; }
[hidden] { display: none !important; }
"""#
}
