#!/usr/bin/env python3
"""Drive `pyrometer serve`'s web UI in headless Chromium and check that it works.

Usage: ui-check.py URL --service NAME [--zoom NAME] [--search REGEX --expect-matched PCT] [--hostile NAME ...]
       ui-check.py URL --service NAME --timing-only

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


def painted_pixels(driver, color=None):
    """How many canvas pixels are not white and not transparent (or are exactly `color`, r,g,b)."""
    return js(driver, """
        const c = document.getElementById('flame');
        if (!c.width || !c.height) return 0;
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, want = arguments[0];
        let count = 0;
        for (let i = 0; i < px.length; i += 4) {
            if (want ? px[i] === want[0] && px[i + 1] === want[1] && px[i + 2] === want[2]
                     : px[i + 3] > 0 && !(px[i] === 255 && px[i + 1] === 255 && px[i + 2] === 255)) count++;
        }
        return count;
    """, color)


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--service", required=True)
    parser.add_argument("--zoom", default="main", help="the frame to click")
    parser.add_argument("--search", help="a regular expression to search for")
    parser.add_argument("--expect-matched", type=float, default=0.0, help="the percentage the search must show")
    parser.add_argument("--hostile", action="append", default=[], help="a function name that must stay text")
    parser.add_argument("--timing-only", action="store_true")
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
