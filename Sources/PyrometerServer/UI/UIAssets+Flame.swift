// ui/flame.js: the canvas flame graph (layout, visible-only drawing, zoom, search, tooltips, keys).
// Kept as a Swift string so that `pyrometer-serve` is one self-contained file (no resource bundle beside it), as
// the SVG's script is (docs/architecture.md § Rendering).
extension UIAssets {
    static let flameScript = #"""
// The flame graph on a canvas. Frames arrive as parallel arrays in preorder (api/v1/flamegraph); they are laid
// out once into typed arrays, and each render walks only the frames wide enough to see, skipping a narrow frame's
// whole subtree (its descendants are narrower still). No DOM node per frame; names only ever reach the canvas
// and textContent.
"use strict";
(function () {
  const ROW = 18, MIN_WIDTH = 0.4, SEARCH_COLOR = "rgb(230,0,230)";

  function FlameGraph(canvas, tooltip, details, events) {
    this.canvas = canvas; this.tooltip = tooltip; this.details = details; this.events = events;
    this.data = null; this.zoom = 0; this.selected = -1; this.icicle = false; this.matches = null;
    this.drawn = [];
    canvas.addEventListener("mousemove", (e) => this.hover(e));
    canvas.addEventListener("mouseleave", () => { this.tooltip.hidden = true; });
    canvas.addEventListener("click", (e) => {
      const hit = this.hitTest(e);
      if (hit >= 0) { this.selected = hit; this.events.zoom(this.pathOf(hit)); }
    });
    canvas.addEventListener("keydown", (e) => this.key(e));
  }

  // Layout: each frame's start (in value units), parent, and the index past its subtree.
  FlameGraph.prototype.setData = function (json) {
    const nodes = json.nodes, n = nodes.name.length;
    const name = Int32Array.from(nodes.name), depth = Int32Array.from(nodes.depth);
    const self = Float64Array.from(nodes.self), total = Float64Array.from(nodes.total);
    const x = new Float64Array(n), parent = new Int32Array(n), end = new Int32Array(n);
    const cursor = [0, 0], open = [];
    let maxDepth = 0;
    for (let i = 0; i < n; i++) {
      const d = depth[i];
      while (open.length && depth[open[open.length - 1]] >= d) end[open.pop()] = i;
      parent[i] = open.length ? open[open.length - 1] : -1;
      x[i] = d === 0 ? 0 : cursor[d];
      cursor[d] = x[i] + total[i];
      cursor[d + 1] = x[i] + self[i];  // a frame's own samples come before its children, as in the SVG
      open.push(i);
      if (d > maxDepth) maxDepth = d;
    }
    while (open.length) end[open.pop()] = n;
    const rgb = (c) => "rgb(" + (c >> 16) + "," + ((c >> 8) & 255) + "," + (c & 255) + ")";
    const colors = (json.colors || []).map(rgb);
    this.data = { n, name, depth, self, total, x, parent, end, maxDepth, names: json.names, colors,
                  countName: json.countName || "", grand: json.total };
    // A differential graph (api/v1/diff): each frame's base value and its own fill, as the SVG colours it.
    if (nodes.base) {
      Object.assign(this.data, { base: Float64Array.from(nodes.base), fills: nodes.fill.map(rgb),
                                 significant: nodes.significant || null, baseGrand: json.baseTotal });
    }
    this.zoom = 0; this.selected = -1; this.matches = null;
  };

  FlameGraph.prototype.nameOf = function (i) {
    const k = this.data.name[i];
    return k < 0 ? "all" : this.data.names[k];
  };

  FlameGraph.prototype.pathOf = function (i) {
    const path = [];
    for (let a = i; a > 0; a = this.data.parent[a]) path.push(this.nameOf(a));
    return path.reverse();
  };

  // The frame a zoom path names (the first sibling of each name), or the deepest one found.
  FlameGraph.prototype.find = function (path) {
    const d = this.data;
    let node = 0;
    for (const step of path) {
      let child = node + 1, found = -1;
      while (child < d.end[node]) {
        if (this.nameOf(child) === step) { found = child; break; }
        child = d.end[child];
      }
      if (found < 0) break;
      node = found;
    }
    return node;
  };

  FlameGraph.prototype.setZoom = function (path) {
    if (!this.data) return;
    this.zoom = this.find(path || []);
    if (this.selected < 0 || !this.within(this.selected)) this.selected = -1;
  };

  FlameGraph.prototype.within = function (i) {
    return i >= this.zoom && i < this.data.end[this.zoom];
  };

  // Frames whose name matches `pattern` (a regular expression; text that is not one is matched literally), and
  // the share of the total they cover, a match inside a match counted once.
  FlameGraph.prototype.setSearch = function (pattern) {
    if (!this.data || !pattern) { this.matches = null; return null; }
    let regex;
    try { regex = new RegExp(pattern); } catch (e) { regex = new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")); }
    const d = this.data, byName = new Uint8Array(d.names.length);
    d.names.forEach((name, k) => { byName[k] = regex.test(name) ? 1 : 0; });
    const matches = new Uint8Array(d.n);
    let covered = 0;
    for (let i = 0; i < d.n; i++) if (d.name[i] >= 0 && byName[d.name[i]]) matches[i] = 1;
    for (let i = 0; i < d.n;) {
      if (matches[i]) { covered += d.total[i]; i = d.end[i]; } else i++;
    }
    this.matches = matches;
    return d.grand > 0 ? (100 * covered) / d.grand : 0;
  };

  FlameGraph.prototype.render = function () {
    const canvas = this.canvas, ctx = canvas.getContext("2d"), d = this.data;
    const started = performance.now();
    this.drawn = [];
    if (!d || d.n === 0) { canvas.height = 0; return 0; }
    const z = this.zoom, width = canvas.parentElement.clientWidth || 800;
    let deepest = d.depth[z];
    for (let i = z; i < d.end[z]; i++) if (d.depth[i] > deepest) deepest = d.depth[i];
    const rows = deepest + 1, ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * ratio); canvas.height = rows * ROW * ratio;
    canvas.style.width = width + "px"; canvas.style.height = rows * ROW + "px";
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.font = "11px ui-monospace, Menlo, Consolas, monospace";
    ctx.textBaseline = "middle";
    const charWidth = ctx.measureText("m").width || 7;
    const scale = width / d.total[z], zx = d.x[z];
    const top = (depth) => (this.icicle ? depth : rows - 1 - depth) * ROW;
    const draw = (i, left, w, dimmed) => {
      const y = top(d.depth[i]);
      ctx.globalAlpha = dimmed ? 0.5 : 1;
      ctx.fillStyle = this.matches && this.matches[i] ? SEARCH_COLOR
        : d.fills ? d.fills[i] : (d.name[i] < 0 ? "rgb(230,230,230)" : d.colors[d.name[i]]);
      ctx.fillRect(left, y, Math.max(w - 1, 0.5), ROW - 1);
      const chars = Math.floor((w - 6) / charWidth);
      if (chars >= 3) {
        const name = this.nameOf(i);
        ctx.fillStyle = "#000";
        ctx.fillText(name.length > chars ? name.slice(0, chars - 2) + ".." : name, left + 3, y + ROW / 2);
      }
      if (i === this.selected) { ctx.strokeStyle = "#000"; ctx.lineWidth = 2; ctx.strokeRect(left + 1, y + 1, w - 3, ROW - 3); }
      this.drawn.push({ i, left, y, w });
    };
    for (let a = d.parent[z]; a >= 0; a = d.parent[a]) draw(a, 0, width, true);
    for (let i = z; i < d.end[z];) {
      const w = d.total[i] * scale;
      if (w < MIN_WIDTH) { i = d.end[i]; continue; }
      draw(i, (d.x[i] - zx) * scale, w, false);
      i++;
    }
    ctx.globalAlpha = 1;
    return performance.now() - started;
  };

  FlameGraph.prototype.hitTest = function (event) {
    const box = this.canvas.getBoundingClientRect(), px = event.clientX - box.left, py = event.clientY - box.top;
    const hit = this.drawn.find((f) => py >= f.y && py < f.y + ROW && px >= f.left && px < f.left + f.w);
    return hit ? hit.i : -1;
  };

  FlameGraph.prototype.describe = function (i) {
    const d = this.data, percent = (v) => (d.grand > 0 ? ((100 * v) / d.grand).toFixed(2) : "0.00") + "%";
    const count = (v) => v.toLocaleString("en-US") + " " + d.countName;
    if (d.base) {
      const share = (v, of) => (of > 0 ? (100 * v) / of : 0);
      const delta = share(d.total[i], d.grand) - share(d.base[i], d.baseGrand);
      return [this.nameOf(i), "head " + count(d.total[i]) + " (" + share(d.total[i], d.grand).toFixed(2) + "%)",
              "base " + count(d.base[i]) + " (" + share(d.base[i], d.baseGrand).toFixed(2) + "%)",
              (delta >= 0 ? "+" : "") + delta.toFixed(2) + " pp"
                + (d.significant ? (d.significant[i] ? ", significant" : ", not significant") : "")];
    }
    return [this.nameOf(i), "total " + count(d.total[i]) + " (" + percent(d.total[i]) + ")",
            "self " + count(d.self[i]) + " (" + percent(d.self[i]) + ")"];
  };

  FlameGraph.prototype.hover = function (event) {
    const i = this.hitTest(event);
    if (i < 0) { this.tooltip.hidden = true; return; }
    const lines = this.describe(i);
    this.tooltip.replaceChildren(...lines.map((text, k) => {
      const line = document.createElement(k === 0 ? "strong" : "div");
      line.textContent = text;
      return line;
    }));
    const box = this.canvas.parentElement.getBoundingClientRect();
    this.tooltip.style.left = Math.min(event.clientX - box.left + 12, box.width - 320) + "px";
    this.tooltip.style.top = event.clientY - box.top + 16 + "px";
    this.tooltip.hidden = false;
    this.details.textContent = lines.join(", ");
  };

  // Keyboard: arrows pick a frame (left/right among its row, up/down to a caller or callee), Enter zooms to it.
  FlameGraph.prototype.key = function (event) {
    const d = this.data;
    if (!d || d.n === 0) return;
    let next = -1;
    const current = this.selected >= 0 ? this.selected : this.zoom;
    const towardsLeaf = this.icicle ? "ArrowDown" : "ArrowUp", towardsRoot = this.icicle ? "ArrowUp" : "ArrowDown";
    const row = this.drawn.filter((f) => d.depth[f.i] === d.depth[current]).sort((a, b) => a.left - b.left);
    const at = row.findIndex((f) => f.i === current);
    if (event.key === "Enter") {
      this.events.zoom(this.pathOf(current));
      event.preventDefault();
      return;
    } else if (event.key === "ArrowLeft" && at > 0) next = row[at - 1].i;
    else if (event.key === "ArrowRight" && at >= 0 && at + 1 < row.length) next = row[at + 1].i;
    else if (event.key === towardsRoot && d.parent[current] >= 0) next = d.parent[current];
    else if (event.key === towardsLeaf) {
      const child = this.drawn.find((f) => d.parent[f.i] === current);
      if (child) next = child.i;
    } else return;
    event.preventDefault();
    if (next >= 0) {
      this.selected = next;
      this.render();
      this.details.textContent = this.describe(next).join(", ");
    }
  };

  window.PyrometerFlame = FlameGraph;
})();
"""#
}
