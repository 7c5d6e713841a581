#!/usr/bin/env python3
"""Open a Pyrometer flamegraph SVG in headless Chromium and check that it works.

Usage: browser-check.py FILE.svg [--expect NAME ...] [--search REGEX] [--expect-matched PCT]
                        [--zoom NAME] [--screenshot OUT.png]

Checks, in order:
  * the document loads without SEVERE browser log entries (script errors, failed loads);
  * window.alert / confirm were never called and no dialog is open (hostile frame names stay inert);
  * there is exactly one <script> element;
  * every --expect NAME is a frame in the DOM (a <title> reading "NAME (N ..., P%)", or in a differential
    flamegraph "NAME (base N ..., P%; head N ..., P%; ±D pp)");
  * hovering a frame writes its details at the bottom;
  * clicking a frame zooms to it (its rect becomes the full width, ancestors dimmed, others hidden),
    and the zoom is kept in the URL (?x=&y=) and restored from it;
  * "Reset Zoom" restores the original layout;
  * searching (through the Search button's prompt, and through ?s=) colours the matches and shows
    "Matched: X%", X being the share of the total covered by matches, nested matches counted once;
  * Escape clears the search and Ctrl-F opens the search prompt.

Needs the `selenium` Python package, /usr/bin/chromium and /usr/bin/chromedriver (Debian packages
chromium and chromium-driver). Exits 0 when everything passes; otherwise prints the failures and exits 1
(2 when the browser tooling is missing).
"""

import argparse
import os
import re
import sys
import time
import urllib.parse

ALERT_HOOK = """
(function () {
    window.__pyrometerDialogs = [];
    var record = function (kind) {
        return function (message) { window.__pyrometerDialogs.push(kind + ": " + String(message)); };
    };
    window.alert = record("alert");
    window.confirm = record("confirm");
})();
"""


class CheckFailed(Exception):
    pass


def log(message):
    print("browser-check: " + message, flush=True)


def require(condition, message):
    if not condition:
        raise CheckFailed(message)


def wait_for(predicate, timeout, what):
    deadline = time.time() + timeout
    last_error = None
    while time.time() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as error:  # the page may still be loading
            last_error = error
        time.sleep(0.05)
    raise CheckFailed("timed out waiting for " + what + (f" (last error: {last_error})" if last_error else ""))


def make_driver(args):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        log("FAIL: the Python package 'selenium' is not installed (pip install selenium)")
        sys.exit(2)
    missing = [p for p in (args.chromium, args.chromedriver) if not os.access(p, os.X_OK)]
    if missing:
        log("FAIL: missing browser tooling: " + ", ".join(missing) +
            " (apt-get install -y chromium chromium-driver)")
        sys.exit(2)
    options = webdriver.ChromeOptions()
    options.binary_location = args.chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1400,1000", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # Leave unexpected dialogs open so they can be detected instead of silently dismissed.
    options.set_capability("unhandledPromptBehavior", "ignore")
    driver = webdriver.Chrome(service=Service(executable_path=args.chromedriver), options=options)
    driver.set_page_load_timeout(args.timeout)
    return driver


def open_page(driver, url, timeout):
    driver.get(url)
    wait_for(lambda: driver.execute_script(
        "return document.readyState === 'complete' && !!window.flamegraph && "
        "window.flamegraph.frames().length > 0"), timeout, "the flamegraph script to initialise")


def assert_no_dialogs(driver, where):
    from selenium.common.exceptions import NoAlertPresentException
    try:
        text = driver.switch_to.alert.text
    except NoAlertPresentException:
        text = None
    require(text is None, f"a dialog is open {where}: {text!r}")
    dialogs = driver.execute_script("return window.__pyrometerDialogs || null")
    require(dialogs is not None, "the alert hook was not installed (cannot verify that alert() was never called)")
    require(dialogs == [], f"alert/confirm was called {where}: {dialogs!r}")


def frame_data(driver):
    """Every frame as read straight from the DOM (independent of the embedded script)."""
    return driver.execute_script("""
        var out = [];
        var groups = document.querySelectorAll('#frames > g');
        for (var i = 0; i < groups.length; i++) {
            var g = groups[i], title = g.querySelector('title'), rect = g.querySelector('rect');
            var label = title ? title.textContent : '';
            out.push({
                index: i, label: label, name: label.slice(0, Number(g.getAttribute('data-l'))),
                x: Number(g.getAttribute('data-x')), v: Number(g.getAttribute('data-v')),
                y: Number(rect.getAttribute('y')), width: Number(rect.getAttribute('width')),
                fill: rect.getAttribute('fill'), cls: g.getAttribute('class') || ''
            });
        }
        return out;
    """)


def covered_percent(frames, pattern, total):
    regex = re.compile(pattern)
    spans = sorted(((f["x"], f["x"] + f["v"]) for f in frames if regex.search(f["name"])),
                   key=lambda s: (s[0], -s[1]))
    covered, reach = 0, float("-inf")
    for start, end in spans:
        if start >= reach:
            covered += end - start
            reach = end
        elif end > reach:
            covered += end - reach
            reach = end
    return 100.0 * covered / total if total > 0 else 0.0


def element(driver, css):
    from selenium.webdriver.common.by import By
    return driver.find_element(By.CSS_SELECTOR, css)


def frame_rect(driver, index):
    from selenium.webdriver.common.by import By
    return driver.find_elements(By.CSS_SELECTOR, "#frames > g")[index].find_element(By.TAG_NAME, "rect")


def run_checks(driver, args):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    path = os.path.abspath(args.svg)
    require(os.path.isfile(path), f"no such file: {path}")
    url = "file://" + urllib.parse.quote(path)
    try:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": ALERT_HOOK})
    except Exception as error:
        raise CheckFailed(f"cannot install the alert hook: {error}")

    open_page(driver, url, args.timeout)
    assert_no_dialogs(driver, "while loading")
    scripts = driver.execute_script("return document.getElementsByTagName('script').length")
    require(scripts == 1, f"expected exactly one <script> element, found {scripts}")

    frames_el = element(driver, "#frames")
    total = float(frames_el.get_attribute("data-total"))
    full_width = float(frames_el.get_attribute("data-width"))
    frames = frame_data(driver)
    require(frames, "no frames in the document")
    log(f"loaded {len(frames)} frames, total {total:g}")

    names = {f["name"] for f in frames}
    for name in args.expect:
        require(name in names, f"expected frame {name!r} is not in the DOM")
        match = next(f for f in frames if f["name"] == name)
        plain = r" \([0-9,]+ .*, (?:[0-9]+\.[0-9]{2}|100)%\)"
        # A differential flamegraph's tooltip: both sides and the change.
        differential = r" \(base [0-9,]+ .*, [0-9]+\.[0-9]{2}%; head [0-9,]+ .*, [0-9]+\.[0-9]{2}%; [+-]?[0-9]+\.[0-9]{2} pp.*\)"
        require(re.fullmatch(re.escape(name) + "(?:" + plain + "|" + differential + ")", match["label"], re.S),
                f"tooltip of {name!r} does not read 'name (N count, P%)' or 'name (base N count, P%; head N count, "
                f"P%; ±D pp)': {match['label']!r}")
    log("expected frames present: " + ", ".join(repr(n) for n in args.expect))

    # Pick the frame to zoom into: --zoom, else the first expected non-root frame narrower than the graph.
    candidates = [args.zoom] if args.zoom else [n for n in args.expect if n != "all"]
    target = None
    for name in candidates:
        target = next((f for f in frames if f["name"] == name and f["width"] < full_width - 1), None)
        if target:
            break
    if target is None:
        target = max((f for f in frames if f["width"] < full_width - 1), key=lambda f: f["width"], default=None)
    require(target is not None, "no frame narrower than the full width to zoom into")

    # Hover shows the details line.
    ActionChains(driver).move_to_element(frame_rect(driver, target["index"])).perform()
    details = element(driver, "#details").text
    name_type = frames_el.get_attribute("data-name-type") or ""
    require(details.strip() == (name_type + " " + target["label"]).strip(),
            f"hover details {details!r} != {(name_type + ' ' + target['label'])!r}")
    log("hover details ok")

    # Click to zoom.
    frame_rect(driver, target["index"]).click()
    zoomed = frame_data(driver)
    new_width = zoomed[target["index"]]["width"]
    require(abs(new_width - full_width) < 0.6,
            f"after clicking {target['name']!r} its width is {new_width}, expected the full width {full_width}")
    require(element(driver, "#unzoom").get_attribute("class") in ("", None),
            "the Reset Zoom control is not shown after zooming")
    root = next(f for f in zoomed if f["x"] == 0 and f["v"] == total)
    require("parent" in root["cls"].split(), f"the root is not dimmed as an ancestor (class {root['cls']!r})")
    for f in zoomed:
        inside = f["x"] >= target["x"] and f["x"] + f["v"] <= target["x"] + target["v"]
        if not inside and "parent" not in f["cls"].split():
            require("hide" in f["cls"].split(), f"frame {f['name']!r} outside the zoomed frame is still shown")
    log(f"zoom into {target['name']!r} ok")

    query = urllib.parse.parse_qs(urllib.parse.urlparse(driver.current_url).query)
    require("x" in query and "y" in query, f"zoom state not kept in the URL: {driver.current_url}")
    open_page(driver, driver.current_url, args.timeout)
    restored = frame_data(driver)
    require(abs(restored[target["index"]]["width"] - full_width) < 0.6,
            "zoom state in the URL was not restored on reload")
    assert_no_dialogs(driver, "after reload")
    log("zoom state kept in the URL ok")

    # Reset zoom.
    element(driver, "#unzoom").click()
    reset = frame_data(driver)
    for before, after in zip(frames, reset):
        require(abs(before["width"] - after["width"]) < 0.02 and after["cls"] == "",
                f"Reset Zoom did not restore {after['name']!r} (width {after['width']} vs {before['width']}, "
                f"class {after['cls']!r})")
    require("x" not in urllib.parse.parse_qs(urllib.parse.urlparse(driver.current_url).query),
            "zoom state still in the URL after Reset Zoom")
    log("reset zoom ok")

    # Search through the prompt.
    pattern = args.search
    if pattern is None:
        first = next((n for n in args.expect if n != "all"), target["name"])
        word = re.match(r"[A-Za-z0-9_]+", first)
        pattern = word.group(0) if word else re.escape(first[:1])
    expected = covered_percent(frames, pattern, total)
    if args.expect_matched is not None:
        require(abs(expected - args.expect_matched) < 0.006,
                f"the DOM gives {expected:.2f}% for {pattern!r}, but --expect-matched is {args.expect_matched}")
    search_color = element(driver, "#frames").get_attribute("data-search-color")  # re-read: the page reloaded

    def check_matched(where):
        text = element(driver, "#matched").text
        require(text == f"Matched: {expected:.2f}%", f"{where}: matched text {text!r}, expected "
                f"'Matched: {expected:.2f}%' for {pattern!r}")
        regex = re.compile(pattern)
        for f in frame_data(driver):
            hit = bool(regex.search(f["name"]))
            require((f["fill"] == search_color) == hit,
                    f"{where}: frame {f['name']!r} fill {f['fill']!r} (match: {hit})")

    element(driver, "#search").click()
    prompt = wait_for(lambda: driver.switch_to.alert, 5, "the search prompt")
    prompt.send_keys(pattern)
    prompt.accept()
    check_matched("search prompt")
    log(f"search {pattern!r} ok: {element(driver, '#matched').text}")

    # Escape clears the search.
    ActionChains(driver).send_keys(Keys.ESCAPE).perform()
    require(element(driver, "#matched").text.strip() == "", "Escape did not clear the search")
    require(all(f["fill"] != search_color for f in frame_data(driver)), "Escape left frames highlighted")
    log("escape clears the search ok")

    # ?s= in the URL.
    open_page(driver, url + "?s=" + urllib.parse.quote(pattern, safe=""), args.timeout)
    check_matched("?s= parameter")
    assert_no_dialogs(driver, "after ?s= search")
    log("?s= search ok")

    # Ctrl-F opens the prompt.
    ActionChains(driver).key_down(Keys.CONTROL).send_keys("f").key_up(Keys.CONTROL).perform()
    prompt = wait_for(lambda: driver.switch_to.alert, 5, "Ctrl-F to open the search prompt")
    prompt.dismiss()
    log("ctrl-F opens the search prompt ok")

    assert_no_dialogs(driver, "at the end")

    if args.screenshot:
        size = driver.execute_script(
            "var r = document.documentElement.getBoundingClientRect(); return [r.width, r.height];")
        driver.set_window_size(int(size[0]) + 20, int(size[1]) + 140)
        open_page(driver, url, args.timeout)
        driver.save_screenshot(args.screenshot)
        log(f"screenshot written to {args.screenshot}")


def severe_logs(driver):
    try:
        entries = driver.get_log("browser")
    except Exception as error:
        raise CheckFailed(f"cannot read the browser log: {error}")
    return [e for e in entries if e.get("level") == "SEVERE"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("svg", help="the flamegraph SVG file")
    parser.add_argument("--expect", action="append", default=[], metavar="NAME",
                        help="a frame name that must be in the DOM (repeatable)")
    parser.add_argument("--search", metavar="REGEX",
                        help="pattern to search for (default: the leading word of the first --expect name)")
    parser.add_argument("--expect-matched", type=float, metavar="PCT",
                        help="the percentage the search must report")
    parser.add_argument("--zoom", metavar="NAME", help="the frame to click (default: the first --expect name)")
    parser.add_argument("--screenshot", metavar="PNG", help="also save a screenshot of the whole graph")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()

    driver = make_driver(args)
    failures = []
    try:
        try:
            run_checks(driver, args)
        except CheckFailed as error:
            failures.append(str(error))
        except Exception as error:  # selenium errors, unexpected dialogs, ...
            failures.append(f"{type(error).__name__}: {error}")
        try:
            from selenium.common.exceptions import NoAlertPresentException
            try:
                driver.switch_to.alert.dismiss()
            except NoAlertPresentException:
                pass
            for entry in severe_logs(driver):
                failures.append("SEVERE browser log entry: " + entry.get("message", repr(entry)))
        except CheckFailed as error:
            failures.append(str(error))
    finally:
        driver.quit()

    if failures:
        for failure in failures:
            log("FAIL: " + failure)
        return 1
    log("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
