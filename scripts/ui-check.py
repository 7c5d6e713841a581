#!/usr/bin/env python3
"""Drive `pyrometer serve`'s web UI in headless Chromium and check that it works.

Usage: ui-check.py URL --service NAME [--zoom NAME] [--search REGEX --expect-matched PCT] [--hostile NAME ...]
       ui-check.py URL --service NAME --timing-only
       ui-check.py URL --service NAME --diff FUNCTION [--canary KEY] [--trend-weeks N] [--hostile NAME ...]

URL is the page (http://127.0.0.1:PORT/BASE/). Checks, in order:
  * the services table lists NAME; following its link shows the profile view, and the canvas draws frames
    (pixels that are not the background);
  * clicking the --zoom frame zooms to it (it spans the canvas) and puts zoom= in the URL; Back undoes it
    and a reload of the zoomed URL restores it;
  * typing --search highlights the matches (flame.matches, search-coloured pixels) and shows "Matched: PCT%";
  * the icicle toggle puts the root row at the top and icicle=1 in the URL;
  * keyboard: `/` focuses the search box, Escape resets the zoom, Tab reaches the canvas, Enter zooms;
  * every --hostile name is shown as text in the top table, never as markup: no dialog opened, no <img>
    element appeared;
  * no SEVERE entry in the browser log (script errors, failed loads, CSP violations).
With --timing-only: opens the service and prints how long the flame graph took to arrive, lay out and draw.
With --diff FUNCTION (instead of the checks above; the profiles are this week's and last week's):
  * Compare… opens the diff view (view=diff in the URL); "This week vs last week" sets from, to and head.from
    and shows FUNCTION as REGRESSED in the table, the differential flame graph drawn (red pixels, FUNCTION's
    frame with a head/base/change tooltip), `/` and a search for FUNCTION (q= in the URL, matches drawn in the
    search colour, their share of the head shown, Escape clears), and downloads linked relatively (the SVG one fetched: it escapes
    every --hostile name); a reload restores the view;
  * with --canary KEY, the canary-vs-baseline preset on label KEY (head its first value, base its second) shows
    FUNCTION as REGRESSED too;
  * FUNCTION's trend link opens the trend chart (view=trend&function= in the URL) with --trend-weeks points,
    Tab reaches a point and its details are read out; a --hostile name's trend shows the name as text;
  * every --hostile name is text in the diff table and the differential graph's tooltip, no dialog, no <img>.

Needs the `selenium` Python package, /usr/bin/chromium and /usr/bin/chromedriver. Exits 0 when everything
passes, 1 on a failure, 2 when the browser tooling is missing.
"""

import argparse
import importlib.util
import os
import sys
import time
import urllib.parse


def load_browser_check():
    """scripts/browser-check.py, whose browser set-up and checking helpers this script shares."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "browser-check.py")
    spec = importlib.util.spec_from_file_location("browser_check", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


shared = load_browser_check()
CheckFailed, require, wait_for = shared.CheckFailed, shared.require, shared.wait_for


def log(message):
    print("ui-check: " + message, flush=True)


def make_driver(args):
    driver = shared.make_driver(args)
    # Records alert() and confirm() instead of opening them, for shared.assert_no_dialogs.
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": shared.ALERT_HOOK})
    return driver


def js(driver, script, *arguments):
    return driver.execute_script(script, *arguments)


def wait_ready(driver, timeout):
    """The page has started and, in the profile view, the flame graph has arrived and been drawn."""
    wait_for(lambda: js(driver, "return document.body.dataset.ready === '1'"), timeout, "the page to start")
    wait_for(lambda: js(driver, """
        const view = document.getElementById('profile-view');
        const status = document.getElementById('status');
        return view.hidden || (!/^Loading/.test(status.textContent)
                               && (window.pyrometerUI.timings.renderMs !== undefined || status.className === 'error'));
    """), timeout, "the flame graph to load")


def query(driver):
    return urllib.parse.parse_qs(urllib.parse.urlparse(driver.current_url).query)


def drawn(driver, name):
    """The first drawn frame called `name`: {i, left, y, w}, or None."""
    return js(driver, """
        const f = window.pyrometerUI.flame;
        return f.drawn.find((d) => f.nameOf(d.i) === arguments[0]) || null;
    """, name)


def painted_pixels(driver, color=None, canvas="flame"):
    """How many pixels of the canvas are not white and not transparent (or are exactly `color`, r,g,b)."""
    return js(driver, """
        const c = document.getElementById(arguments[1]);
        if (!c.width || !c.height) return 0;
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, want = arguments[0];
        let count = 0;
        for (let i = 0; i < px.length; i += 4) {
            if (want ? px[i] === want[0] && px[i + 1] === want[1] && px[i + 2] === want[2]
                     : px[i + 3] > 0 && !(px[i] === 255 && px[i + 1] === 255 && px[i + 2] === 255)) count++;
        }
        return count;
    """, color, canvas)


def pointer_at(driver, frame):
    """An action chain with the pointer over `frame` (Selenium's offsets are from the canvas's centre)."""
    from selenium.webdriver.common.action_chains import ActionChains
    canvas = driver.find_element("id", "flame")
    width, height = canvas.size["width"], canvas.size["height"]
    x = frame["left"] + min(frame["w"] / 2, 20) - width / 2
    y = frame["y"] + 8 - height / 2
    return ActionChains(driver).move_to_element_with_offset(canvas, int(x), int(y))


def click_frame(driver, frame):
    pointer_at(driver, frame).click().perform()


def hover(driver, frame):
    pointer_at(driver, frame).perform()


def open_service(driver, args):
    from selenium.webdriver.common.by import By
    driver.get(args.url)
    wait_ready(driver, args.timeout)
    started = time.time()
    links = [a for a in driver.find_elements(By.CSS_SELECTOR, "#services tbody td:first-child a") if a.text == args.service]
    require(links, f"the services table does not list {args.service!r}")
    links[0].click()
    wait_ready(driver, args.timeout)
    elapsed = time.time() - started
    require(query(driver).get("service") == [args.service], f"service not in the URL: {driver.current_url}")
    return elapsed


def check_interactions(driver, args):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    images = js(driver, "return document.querySelectorAll('img').length")
    open_service(driver, args)
    require(painted_pixels(driver) > 1000, "the canvas is blank after loading the service")
    controls = js(driver, "return ['search', 'from', 'to', 'label', 'range'].map((id) => document.getElementById(id).value)")
    require(controls == ["", "", "", "", "all"], f"the controls do not show the service's plain view: {controls}")
    log(f"service {args.service!r} drawn: {js(driver, 'return window.pyrometerUI.flame.drawn.length')} frames, "
        f"status {driver.find_element('id', 'status').text!r}")

    # Click to zoom; Back; reload.
    frame = drawn(driver, args.zoom)
    require(frame, f"no drawn frame {args.zoom!r}")
    width = js(driver, "return document.getElementById('flame').clientWidth")
    require(frame["w"] < width - 1, f"{args.zoom!r} already spans the canvas")
    hover(driver, frame)
    tip = js(driver, "const t = document.getElementById('tooltip'); return t.hidden ? [] : [...t.children].map((c) => c.textContent)")
    require(len(tip) == 3 and tip[0] == args.zoom and tip[1].startswith("total ") and tip[2].startswith("self ")
            and all(line.endswith("%)") for line in tip[1:]), f"the tooltip of {args.zoom!r} reads {tip!r}")
    log(f"tooltip ok: {' | '.join(tip)}")
    click_frame(driver, frame)
    wait_for(lambda: "zoom" in query(driver), 5, "zoom= in the URL after a click")
    zoomed = drawn(driver, args.zoom)
    require(zoomed and abs(zoomed["w"] - width) < 1, f"after the click {args.zoom!r} spans {zoomed}, not {width}px")
    zoom_url = driver.current_url
    log(f"click zoom ok: {zoom_url}")
    driver.back()
    wait_for(lambda: "zoom" not in query(driver) and drawn(driver, args.zoom)["w"] < width - 1, 5, "Back to unzoom")
    driver.get(zoom_url)
    wait_ready(driver, args.timeout)
    restored = drawn(driver, args.zoom)
    require(restored and abs(restored["w"] - width) < 1, "reloading the zoomed URL did not restore the zoom")
    log("back and reload restore the view ok")

    # Keyboard: Escape resets, / focuses search, Tab reaches the canvas, Enter zooms.
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    wait_for(lambda: "zoom" not in query(driver), 5, "Escape to reset the zoom")
    ActionChains(driver).send_keys("/").perform()
    require(js(driver, "return document.activeElement.id") == "search", "'/' did not focus the search box")
    search = driver.find_element("id", "search")
    search.send_keys(Keys.ESCAPE)
    for _ in range(30):
        if js(driver, "return document.activeElement.id") == "flame":
            break
        ActionChains(driver).send_keys(Keys.TAB).perform()
    require(js(driver, "return document.activeElement.id") == "flame", "Tab never reached the canvas")
    ActionChains(driver).send_keys(Keys.ARROW_UP).send_keys(Keys.ENTER).perform()
    wait_for(lambda: "zoom" in query(driver), 5, "Enter on a picked frame to zoom")
    log(f"keyboard ok: '/' focuses search, Escape resets, Tab + arrow + Enter zoomed to {query(driver)['zoom'][0]!r}")
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)

    # Search.
    if args.search:
        search.clear()
        search.send_keys(args.search)
        wait_for(lambda: query(driver).get("q") == [args.search], 5, "q= in the URL")
        matched = driver.find_element("id", "matched").text
        require(matched == f"Matched: {args.expect_matched:.2f}%", f"search shows {matched!r}, expected "
                f"'Matched: {args.expect_matched:.2f}%'")
        require(painted_pixels(driver, [230, 0, 230]) > 100, "no frame is drawn in the search colour")
        log(f"search {args.search!r} ok: {matched}")
        search.send_keys(Keys.ESCAPE)
        wait_for(lambda: "q" not in query(driver), 5, "Escape in the search box to clear it")

    # Icicle.
    driver.find_element("id", "icicle").click()
    wait_for(lambda: query(driver).get("icicle") == ["1"], 5, "icicle=1 in the URL")
    require(drawn(driver, "all")["y"] == 0, "the icicle graph does not start with the root at the top")
    log("icicle ok")

    # Hostile names: text in the table and the tooltip, never markup.
    names = js(driver, "return [...document.querySelectorAll('#top button.function')].map((b) => b.textContent)")
    for name in args.hostile:
        require(name in names, f"hostile name {name!r} is not shown as text in the top table ({names[:10]})")
        frame = drawn(driver, name)
        require(frame, f"hostile name {name!r} is not drawn")
        hover(driver, frame)
        tip = js(driver, "const t = document.getElementById('tooltip'); return t.hidden ? null : t.firstChild.textContent")
        require(tip == name, f"hovering {name!r} shows {tip!r}")
    require(js(driver, "return document.querySelectorAll('img').length") == images, "an <img> element appeared")
    shared.assert_no_dialogs(driver, "after showing hostile names")
    log(f"hostile names stay text ok ({len(args.hostile)})")


def wait_diff(driver, timeout):
    """The diff view has its answer (or an error)."""
    wait_for(lambda: js(driver, """
        const status = document.getElementById('diff-status');
        return document.body.dataset.ready === '1' && !/^Comparing/.test(status.textContent)
               && (!document.getElementById('diff-result').hidden || status.className === 'error');
    """), timeout, "the diff to load")
    require(js(driver, "return document.getElementById('diff-status').className") != "error",
            f"the diff failed: {driver.find_element('id', 'diff-status').text!r}")


def diff_rows(driver):
    """The diff table as {function: finding}."""
    return js(driver, """
        const rows = {};
        for (const row of document.querySelectorAll('#diff-table tbody tr')) rows[row.cells[0].textContent] = row.cells[6].textContent;
        return rows;
    """)


def diff_frame(driver, name):
    return js(driver, """
        const f = window.pyrometerUI.compare().flame;
        return f.drawn.find((d) => f.nameOf(d.i) === arguments[0]) || null;
    """, name)


def red_pixels(driver):
    """Pixels of the differential graph in a clear red (grew), as the SVG's fills are."""
    return js(driver, """
        const c = document.getElementById('diff-flame');
        if (!c.width || !c.height) return 0;
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let count = 0;
        for (let i = 0; i < px.length; i += 4) if (px[i] === 255 && px[i + 1] < 200 && px[i + 1] === px[i + 2]) count++;
        return count;
    """)


def check_diff(driver, args):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    images = js(driver, "return document.querySelectorAll('img').length")
    open_service(driver, args)
    driver.find_element("id", "compare").click()
    wait_for(lambda: query(driver).get("view") == ["diff"], 5, "view=diff in the URL after Compare…")
    driver.find_element("id", "preset-weeks").click()
    wait_for(lambda: "head.from" in query(driver), 5, "head.from in the URL after the week preset")
    wait_diff(driver, args.timeout)
    state = query(driver)
    log(f"this week vs last week: from={state.get('from')} to={state.get('to')} head.from={state.get('head.from')}: "
        f"{driver.find_element('id', 'diff-status').text!r}")
    rows = diff_rows(driver)
    require(rows.get(args.diff) == "REGRESSED", f"{args.diff!r} is not REGRESSED in the diff table: {rows}")
    require(red_pixels(driver) > 200, "the differential flame graph has no red (grown) frame")
    frame = diff_frame(driver, args.diff)
    require(frame, f"the differential flame graph does not draw {args.diff!r}")
    canvas_id = "diff-flame"
    canvas = driver.find_element("id", canvas_id)
    x = frame["left"] + min(frame["w"] / 2, 20) - canvas.size["width"] / 2
    ActionChains(driver).move_to_element_with_offset(canvas, int(x), int(frame["y"] + 8 - canvas.size["height"] / 2)).perform()
    tip = js(driver, "const t = document.getElementById('diff-tooltip'); return t.hidden ? [] : [...t.children].map((c) => c.textContent)")
    require(len(tip) == 4 and tip[0] == args.diff and tip[1].startswith("head ") and tip[2].startswith("base ")
            and tip[3].startswith("+") and tip[3].endswith(", significant"), f"the diff tooltip of {args.diff!r} reads {tip!r}")
    log(f"{args.diff!r} REGRESSED, drawn red ({red_pixels(driver)} red pixels); tooltip: {' | '.join(tip)}")

    # Search in the diff view: `/` focuses its box, typing puts q= in the URL, the matches are drawn in the
    # search colour and their share is shown; Escape clears it.
    js(driver, "if (document.activeElement) document.activeElement.blur()")
    ActionChains(driver).send_keys("/").perform()
    require(js(driver, "return document.activeElement.id") == "diff-search", "'/' did not focus the diff's search box")
    driver.switch_to.active_element.send_keys(args.diff)
    wait_for(lambda: query(driver).get("q") == [args.diff], 5, "q= in the URL after searching the diff")
    matched = driver.find_element("id", "diff-matched").text
    require(matched.startswith("Matched: ") and matched.endswith("% of the head") and not matched.startswith("Matched: 0.00"),
            f"the diff's search shows {matched!r}")
    require(painted_pixels(driver, [230, 0, 230], canvas="diff-flame") > 100, "no diff frame is drawn in the search colour")
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait_for(lambda: "q" not in query(driver), 5, "Escape in the diff's search box to clear it")
    require(driver.find_element("id", "diff-matched").text == "", "the diff's match share stayed after Escape")
    log(f"diff search {args.diff!r} ok: {matched}")

    # Downloads: relative links; the SVG arrives and escapes hostile names.
    hrefs = js(driver, "return ['svg', 'json', 'markdown'].map((f) => document.getElementById('diff-download-' + f).getAttribute('href'))")
    require(all(h.startswith("api/v1/diff/render?") for h in hrefs), f"download links are not relative: {hrefs}")
    svg = js(driver, """return (async () => {
        const r = await fetch(arguments[0]);
        return [r.status, r.headers.get('content-type'), await r.text()];
    })();""", hrefs[0])
    require(svg[0] == 200 and svg[1] == "image/svg+xml" and "Differential Flame Graph" in svg[2], f"the SVG download: {svg[:2]}")
    for name in args.hostile:
        require(name not in svg[2], f"hostile name {name!r} is raw markup in the SVG download")
    log(f"downloads ok: {hrefs[0]} ({len(svg[2])} bytes of SVG)")

    # Hostile names: text in the table and the tooltip.
    for name in args.hostile:
        require(name in rows, f"hostile name {name!r} is not text in the diff table ({list(rows)})")
        frame = diff_frame(driver, name)
        require(frame, f"hostile name {name!r} is not drawn in the differential graph")
        x = frame["left"] + min(frame["w"] / 2, 20) - canvas.size["width"] / 2
        ActionChains(driver).move_to_element_with_offset(canvas, int(x), int(frame["y"] + 8 - canvas.size["height"] / 2)).perform()
        tip = js(driver, "const t = document.getElementById('diff-tooltip'); return t.hidden ? null : t.firstChild.textContent")
        require(tip == name, f"hovering {name!r} in the diff shows {tip!r}")

    diff_url = driver.current_url
    driver.refresh()
    wait_diff(driver, args.timeout)
    require(diff_rows(driver).get(args.diff) == "REGRESSED", "a reload of the diff URL did not restore the diff")
    log("reload restores the diff ok")

    if args.canary:
        from selenium.webdriver.support.ui import Select
        # Over all time (the preset keeps the base's range: last week would leave the canary out).
        driver.get(args.url + "?service=" + urllib.parse.quote(args.service) + "&view=diff")
        wait_for(lambda: js(driver, "return document.body.dataset.ready === '1'"), args.timeout, "the page to start")
        Select(driver.find_element("id", "canary-key")).select_by_value(args.canary)
        driver.find_element("id", "preset-canary").click()
        wait_for(lambda: "head.label" in query(driver), 5, "head.label in the URL after the canary preset")
        wait_diff(driver, args.timeout)
        state = query(driver)
        rows = diff_rows(driver)
        require(rows.get(args.diff) == "REGRESSED", f"canary preset: {args.diff!r} is not REGRESSED: {rows}")
        log(f"canary vs baseline: label={state.get('label')} head.label={state.get('head.label')}: {args.diff!r} REGRESSED")
        driver.get(diff_url)
        wait_diff(driver, args.timeout)

    # Trend of the regressed function, then of a hostile name.
    def open_trend(name):
        links = [row.find_element(By.CSS_SELECTOR, "td:last-child a")
                 for row in driver.find_elements(By.CSS_SELECTOR, "#diff-table tbody tr")
                 if js(driver, "return arguments[0].cells[0].textContent", row) == name]
        require(links, f"no trend link for {name!r}")
        links[0].click()
        wait_for(lambda: query(driver).get("view") == ["trend"] and query(driver).get("function") == [name], 5,
                 f"view=trend&function={name} in the URL")
        wait_for(lambda: js(driver, "return !/^Loading/.test(document.getElementById('trend-status').textContent)"),
                 args.timeout, "the trend to load")
        require(js(driver, "return document.getElementById('trend-title').textContent") == name,
                f"the trend's title is not {name!r}")
        return js(driver, "return document.querySelectorAll('#trend-chart circle').length")

    points = open_trend(args.diff)
    require(points == args.trend_weeks, f"the trend of {args.diff!r} has {points} points, not {args.trend_weeks}")
    ticks = js(driver, "return [...document.querySelectorAll('#trend-chart text')].map((t) => t.textContent)")
    require(any(t.endswith("%") for t in ticks) and any("-W" in t for t in ticks), f"the trend's axes read {ticks}")
    js(driver, "document.getElementById('trend-back').focus()")  # the chart's points follow the Back button
    ActionChains(driver).send_keys(Keys.TAB).perform()
    require(js(driver, "return document.activeElement.tagName") == "circle", "Tab from Back does not reach a trend point")
    details = driver.find_element("id", "trend-details").text
    require("-W" in details and "%" in details, f"a focused point's details read {details!r}")
    log(f"trend of {args.diff!r}: {points} points, axes {ticks}; Tab reads {details!r}")
    driver.find_element("id", "trend-back").click()
    wait_diff(driver, args.timeout)
    require(query(driver).get("view") == ["diff"], "Back from the trend does not return to the diff")
    for name in args.hostile:
        open_trend(name)
        driver.find_element("id", "trend-back").click()
        wait_diff(driver, args.timeout)
    require(js(driver, "return document.querySelectorAll('img').length") == images, "an <img> element appeared")
    shared.assert_no_dialogs(driver, "after the diff and trend views")
    log(f"hostile names stay text in the diff table, tooltip, SVG download and trend ok ({len(args.hostile)})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--service", required=True)
    parser.add_argument("--zoom", default="main", help="the frame to click")
    parser.add_argument("--search", help="a regular expression to search for")
    parser.add_argument("--expect-matched", type=float, default=0.0, help="the percentage the search must show")
    parser.add_argument("--hostile", action="append", default=[], help="a function name that must stay text")
    parser.add_argument("--timing-only", action="store_true")
    parser.add_argument("--diff", metavar="FUNCTION", help="check the diff and trend views: FUNCTION must be REGRESSED")
    parser.add_argument("--canary", metavar="KEY", help="with --diff: also check the canary preset on label KEY")
    parser.add_argument("--trend-weeks", type=int, default=2, help="with --diff: the points FUNCTION's trend must have")
    parser.add_argument("--screenshot", metavar="PNG", help="save the service's view here at the end")
    for program in ("chromium", "chromedriver"):  # what shared.make_driver runs
        parser.add_argument("--" + program, default="/usr/bin/" + program)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the page or a change")
    args = parser.parse_args()

    driver = make_driver(args)
    failures = []
    try:
        if args.timing_only:
            elapsed = open_service(driver, args)
            timings = js(driver, "return window.pyrometerUI.timings")
            log(f"{args.service}: {js(driver, 'return window.pyrometerUI.flame.data.n')} frames, shown in "
                f"{elapsed:.2f} s (fetch {timings['fetchMs']:.0f} ms, layout {timings['layoutMs']:.0f} ms, "
                f"draw {timings['renderMs']:.0f} ms of {js(driver, 'return window.pyrometerUI.flame.drawn.length')} "
                f"visible frames)")
            require(painted_pixels(driver) > 1000, "the canvas is blank")
            # Searching and zooming walk the frames in the page alone: time them too.
            search_ms, zoom_ms = js(driver, """
                const f = window.pyrometerUI.flame;
                let t = performance.now();
                f.setSearch('leaf_1'); f.render();
                const search = performance.now() - t;
                const deep = f.drawn.reduce((a, b) => (f.data.depth[b.i] > f.data.depth[a.i] ? b : a));
                t = performance.now();
                f.setZoom(f.pathOf(deep.i)); f.render();
                return [search, performance.now() - t];
            """)
            log(f"search 'leaf_1' over every frame and redraw: {search_ms:.0f} ms; zoom to a leaf and redraw: {zoom_ms:.0f} ms")
        elif args.diff:
            check_diff(driver, args)
        else:
            check_interactions(driver, args)
        if args.screenshot:
            driver.get(driver.current_url.split("?")[0] + "?service=" + urllib.parse.quote(args.service))
            wait_ready(driver, args.timeout)
            driver.save_screenshot(args.screenshot)
            log(f"screenshot written to {args.screenshot}")
    except CheckFailed as error:
        failures.append(str(error))
    except Exception as error:  # selenium errors, unexpected dialogs, ...
        failures.append(f"{type(error).__name__}: {error}")
    try:
        failures += ["SEVERE browser log entry: " + entry.get("message", repr(entry)) for entry in shared.severe_logs(driver)]
    except CheckFailed as error:
        failures.append(str(error))
    finally:
        driver.quit()
    for failure in failures:
        log("FAIL: " + failure)
    if not failures:
        log("all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
