/// The fixed style sheet and script embedded in every flamegraph. They contain nothing derived from the profile or
/// the options: the script reads its settings from attributes of `<g id="frames">` and each frame's data from its
/// `data-x` (start), `data-v` (value), `data-l` (name length in UTF-16 units: the `<title>` is the name followed
/// by the counts) and, for a full name with a short label, `data-s` (the label drawn) attributes and its `<title>`.
///
/// Neither may contain the CDATA terminator; a unit test checks this.
enum FlamegraphAssets {
    static let css: StaticString = """

#frames > g { cursor:pointer; }
#frames > g:hover > rect { stroke:black; stroke-width:0.5; }
#frames text { pointer-events:none; }
#unzoom { cursor:pointer; }
#search { cursor:pointer; opacity:0.1; }
#search:hover, #search.show { opacity:1; }
.hide { display:none; }
.parent { opacity:0.5; }

"""

    static let script: StaticString = #"""

"use strict";
(function () {
    var framesEl, details, unzoomBtn, searchBtn, matchedTxt;
    var frames = [];
    var byElement = new Map();
    var total = 0, xpad = 10, fullWidth = 0, glyph = 7, inverted = false;
    var searchColor = "rgb(230,0,230)", nameType = "";
    var zoomed = null, searchTerm = null;

    function num(el, attr, fallback) {
        var v = parseFloat(el.getAttribute(attr));
        return isFinite(v) ? v : fallback;
    }

    function init() {
        framesEl = document.getElementById("frames");
        if (!framesEl) return;
        details = document.getElementById("details");
        unzoomBtn = document.getElementById("unzoom");
        searchBtn = document.getElementById("search");
        matchedTxt = document.getElementById("matched");
        total = num(framesEl, "data-total", 0);
        xpad = num(framesEl, "data-xpad", 10);
        fullWidth = num(framesEl, "data-width", 0);
        glyph = num(framesEl, "data-font-size", 12) * num(framesEl, "data-font-width", 0.59);
        inverted = framesEl.getAttribute("data-inverted") === "1";
        searchColor = framesEl.getAttribute("data-search-color") || searchColor;
        nameType = framesEl.getAttribute("data-name-type") || "";

        var groups = framesEl.children;
        for (var i = 0; i < groups.length; i++) {
            var g = groups[i];
            var title = g.children[0], rect = g.children[1], text = g.children[2];
            if (!title || !rect || !text) continue;
            var label = title.textContent;
            var f = {
                g: g, rect: rect, text: text, label: label,
                name: label.slice(0, num(g, "data-l", label.length)),
                short: g.getAttribute("data-s"),
                chars: null,
                x: num(g, "data-x", 0), v: num(g, "data-v", 0), y: num(rect, "y", 0),
                fill: rect.getAttribute("fill")
            };
            frames.push(f);
            byElement.set(g, f);
        }

        framesEl.addEventListener("click", function (e) {
            var f = frameOf(e.target);
            if (!f) return;
            zoom(f);
            saveState();
        });
        framesEl.addEventListener("mouseover", function (e) {
            var f = frameOf(e.target);
            if (f) details.textContent = nameType + " " + f.label;
        });
        framesEl.addEventListener("mouseout", function (e) {
            if (frameOf(e.target)) details.textContent = " ";
        });
        unzoomBtn.addEventListener("click", function () {
            unzoom();
            saveState();
        });
        searchBtn.addEventListener("click", function () {
            if (searchTerm !== null) {
                clearSearch();
                saveState();
            } else {
                promptSearch();
            }
        });
        window.addEventListener("keydown", function (e) {
            var isF = e.key === "f" || e.key === "F" || e.keyCode === 70;
            if (e.key === "F3" || e.keyCode === 114 || ((e.ctrlKey || e.metaKey) && isF)) {
                e.preventDefault();
                promptSearch();
            } else if (e.key === "Escape" || e.keyCode === 27) {
                if (searchTerm !== null) {
                    clearSearch();
                    saveState();
                }
            }
        });
        restoreState();
    }

    function frameOf(el) {
        while (el && el !== framesEl) {
            if (el.parentNode === framesEl) return byElement.get(el) || null;
            el = el.parentNode;
        }
        return null;
    }

    // Label for a frame `width` pixels wide: the whole name, its start and "..", or nothing.
    function fit(f, width) {
        var n = Math.floor(width / glyph);
        if (!(n >= 3)) return "";
        var shown = f.short || f.name;
        if (f.chars === null) f.chars = Array.from(shown);
        if (f.chars.length < n) return shown;
        return f.chars.slice(0, n - 2).join("") + "..";
    }

    function place(f, x, width) {
        f.rect.setAttribute("x", x.toFixed(2));
        f.rect.setAttribute("width", width.toFixed(2));
        f.text.setAttribute("x", (x + 3).toFixed(2));
        var label = fit(f, width);
        if (f.text.textContent !== label) f.text.textContent = label;
    }

    function setClass(f, cls) {
        if (cls) f.g.setAttribute("class", cls);
        else f.g.removeAttribute("class");
    }

    function zoom(target) {
        zoomed = target;
        unzoomBtn.classList.remove("hide");
        var start = target.x, end = target.x + target.v;
        var k = fullWidth / target.v;
        for (var i = 0; i < frames.length; i++) {
            var f = frames[i];
            var fEnd = f.x + f.v;
            var nearerRoot = inverted ? f.y < target.y : f.y > target.y;
            if (nearerRoot) {
                if (f.x <= start && fEnd >= end) {
                    setClass(f, "parent");
                    place(f, xpad, fullWidth);
                } else {
                    setClass(f, "hide");
                }
            } else if (f.x >= start && fEnd <= end) {
                setClass(f, null);
                place(f, xpad + (f.x - start) * k, f.v * k);
            } else {
                setClass(f, "hide");
            }
        }
    }

    function unzoom() {
        zoomed = null;
        unzoomBtn.classList.add("hide");
        var k = total > 0 ? fullWidth / total : 0;
        for (var i = 0; i < frames.length; i++) {
            var f = frames[i];
            setClass(f, null);
            place(f, xpad + f.x * k, f.v * k);
        }
    }

    function search(term) {
        var re;
        try {
            re = new RegExp(term);
        } catch (err) {
            matchedTxt.textContent = "Invalid search pattern";
            return;
        }
        searchTerm = term;
        var hits = [];
        for (var i = 0; i < frames.length; i++) {
            var f = frames[i];
            if (re.test(f.name) || (f.short !== null && re.test(f.short))) {
                f.rect.setAttribute("fill", searchColor);
                hits.push(f);
            } else {
                f.rect.setAttribute("fill", f.fill);
            }
        }
        // Union of the matched spans, so nested matches are not counted twice.
        hits.sort(function (a, b) { return a.x - b.x || b.v - a.v; });
        var covered = 0, reach = -Infinity;
        for (var j = 0; j < hits.length; j++) {
            var h = hits[j], hEnd = h.x + h.v;
            if (h.x >= reach) {
                covered += h.v;
                reach = hEnd;
            } else if (hEnd > reach) {
                covered += hEnd - reach;
                reach = hEnd;
            }
        }
        var pct = total > 0 ? 100 * covered / total : 0;
        matchedTxt.textContent = "Matched: " + pct.toFixed(2) + "%";
        searchBtn.classList.add("show");
        searchBtn.textContent = "Reset Search";
    }

    function clearSearch() {
        searchTerm = null;
        for (var i = 0; i < frames.length; i++) frames[i].rect.setAttribute("fill", frames[i].fill);
        matchedTxt.textContent = " ";
        searchBtn.classList.remove("show");
        searchBtn.textContent = "Search";
    }

    function promptSearch() {
        var term = window.prompt("Enter a search term (regexp allowed, eg: ^ext4_)",
                                 searchTerm !== null ? searchTerm : "");
        if (term === null) return;
        if (term === "") clearSearch();
        else search(term);
        saveState();
    }

    function restoreState() {
        var params = new URLSearchParams(window.location.search);
        if (params.has("x") && params.has("y")) {
            var x = Number(params.get("x")), y = Number(params.get("y"));
            for (var i = 0; i < frames.length; i++) {
                if (frames[i].x === x && frames[i].y === y) {
                    zoom(frames[i]);
                    break;
                }
            }
        }
        var s = params.get("s");
        if (s) search(s);
    }

    function saveState() {
        try {
            var params = new URLSearchParams(window.location.search);
            if (zoomed) {
                params.set("x", String(zoomed.x));
                params.set("y", String(zoomed.y));
            } else {
                params.delete("x");
                params.delete("y");
            }
            if (searchTerm !== null) params.set("s", searchTerm);
            else params.delete("s");
            var query = params.toString();
            window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : "") +
                                        window.location.hash);
        } catch (err) {
            // Some viewers (e.g. file: URLs in a few browsers) refuse; the state is then simply not kept.
        }
    }

    // Test and automation hooks.
    window.flamegraph = {
        zoom: function (f) { zoom(f); saveState(); },
        unzoom: function () { unzoom(); saveState(); },
        search: function (term) { search(term); saveState(); },
        clearSearch: function () { clearSearch(); saveState(); },
        frames: function () { return frames; }
    };

    window.addEventListener("load", init);
})();

"""#
}
