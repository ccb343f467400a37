"""Open reports in headless Chromium (the system's browser, driven by Selenium).

Used by the report's browser tests and by ``benchmarks/bench_report.py``. It only ever
uses an installed Chromium and ChromeDriver (Debian's ``chromium`` and ``chromium-driver``:
``/usr/bin/chromium``, ``/usr/bin/chromedriver``; other paths through the environment
variables :data:`CHROMIUM_VARIABLE` and :data:`CHROMEDRIVER_VARIABLE`), handed to Selenium
explicitly so that Selenium Manager never downloads a browser or driver.

The page's own probes (:data:`IDLE_PROBE`, :func:`plot_point`, :func:`visible_tooltips`)
read BokehJS's public objects: ``Bokeh.documents``, ``Bokeh.index`` (the view of each
model) and a plot view's frame scales, which map data to pixels.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ...errors import DependencyMissing

CHROMIUM_VARIABLE = "POWERPLAY_CHROMIUM"
CHROMEDRIVER_VARIABLE = "POWERPLAY_CHROMEDRIVER"

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMEDRIVER_CANDIDATES = ("/usr/bin/chromedriver",)

#: Flags for a headless, offline, sandbox-free (root) Chromium that phones nowhere.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)

#: JavaScript: milliseconds from navigation start to when every Bokeh root has rendered, or null.
IDLE_PROBE = """
const docs = (window.Bokeh && Bokeh.documents) || [];
if (docs.length == 0 || !docs.every(d => d.is_idle)) { return null; }
if (window.__pp_idle == null) { window.__pp_idle = performance.now(); }
return window.__pp_idle;
"""


def _first_existing(variable: str, candidates: tuple[str, ...], name: str) -> str | None:
    chosen = os.environ.get(variable)
    if chosen:
        return chosen if Path(chosen).is_file() else None
    for candidate in candidates:
        if Path(candidate).is_file():
            return candidate
    return shutil.which(name)


def find_browser() -> tuple[str, str] | None:
    """``(chromium, chromedriver)`` paths, or ``None`` when either is missing (or Selenium is)."""
    if importlib.util.find_spec("selenium") is None:
        return None
    chromium = _first_existing(CHROMIUM_VARIABLE, CHROMIUM_CANDIDATES, "chromium")
    driver = _first_existing(CHROMEDRIVER_VARIABLE, CHROMEDRIVER_CANDIDATES, "chromedriver")
    return (chromium, driver) if chromium and driver else None


def missing_browser_reason() -> str:
    """Why :func:`find_browser` found nothing, and how to install it."""
    if importlib.util.find_spec("selenium") is None:
        return "the selenium package is not installed (pip install 'powerplay[browser]')"
    return (
        "no Chromium/ChromeDriver found (apt-get install chromium chromium-driver, as scripts/setup.sh --test does; "
        f"or set {CHROMIUM_VARIABLE} and {CHROMEDRIVER_VARIABLE})"
    )


@contextlib.contextmanager
def headless_chromium(width: int = 1500, height: int = 1100) -> Iterator[Any]:
    """A Selenium WebDriver on headless Chromium (browser console logs kept), closed on exit.

    Raises
    ------
    DependencyMissing
        If Selenium, Chromium or ChromeDriver is missing.
    """
    found = find_browser()
    if found is None:
        raise DependencyMissing("opening reports in a browser", program="chromium", advice=missing_browser_reason())
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = found
    profile = tempfile.mkdtemp(prefix="powerplay-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def open_report(driver, path, timeout: float = 60.0) -> float:
    """Load a report file and wait until BokehJS has rendered it.

    Returns
    -------
    float
        Milliseconds from navigation start until every plot had rendered.

    Raises
    ------
    TimeoutError
        If the page has not rendered within ``timeout`` seconds.
    """
    driver.get(Path(path).resolve().as_uri())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        idle = driver.execute_script(IDLE_PROBE)
        if idle is not None:
            return float(idle)
        time.sleep(0.01)
    raise TimeoutError(f"{path} did not finish rendering within {timeout} s")


def console_errors(driver) -> list[str]:
    """Messages of level SEVERE (errors) in the browser console so far."""
    return [entry["message"] for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]


#: JavaScript: the page (viewport) coordinates of a data point in the plot named arguments[0].
POINT_SCRIPT = """
const [name, x, y] = arguments;
const doc = Bokeh.documents[0];
const plot = doc.get_model_by_name(name);
const view = Bokeh.index.find_one(plot);
const box = view.canvas_view.el.getBoundingClientRect();
return [box.left + view.frame.x_scale.compute(x), box.top + view.frame.y_scale.compute(y)];
"""


#: JavaScript: scroll the model named arguments[0] (a plot, table or widget) to the middle of the window.
SCROLL_SCRIPT = """
const view = Bokeh.index.find_one(Bokeh.documents[0].get_model_by_name(arguments[0]));
view.el.scrollIntoView({block: 'center', inline: 'nearest'});
"""


def scroll_to(driver, name: str) -> None:
    """Scroll the Bokeh model named ``name`` into the middle of the window."""
    driver.execute_script(SCROLL_SCRIPT, name)


def plot_point(driver, plot_name: str, x: float, y: float) -> tuple[float, float]:
    """Viewport coordinates (CSS pixels) of data point ``(x, y)`` in the Bokeh plot named ``plot_name``.

    Scrolls the plot into view first, so the point can be hovered or clicked.
    """
    scroll_to(driver, plot_name)
    sx, sy = driver.execute_script(POINT_SCRIPT, plot_name, x, y)
    return float(sx), float(sy)


#: JavaScript: the text of every visible hover tooltip (they live in shadow roots).
TOOLTIP_SCRIPT = """
const found = [];
const visit = (root) => {
  for (const el of root.querySelectorAll('*')) {
    if (el.shadowRoot) { visit(el.shadowRoot); }
    const names = typeof el.className == 'string' ? el.className : '';
    if (names.split(' ').includes('bk-tooltip-content') && el.offsetParent !== null && el.innerText.trim().length > 0) {
      found.push(el.innerText);
    }
  }
};
visit(document);
return found;
"""


#: JavaScript: the first element matching a CSS selector inside the view of the model named
#: arguments[0] (searching its shadow roots), or null.
ELEMENT_SCRIPT = """
const [name, selector] = arguments;
const view = Bokeh.index.find_one(Bokeh.documents[0].get_model_by_name(name));
const search = (root) => {
  const hit = root.querySelector(selector);
  if (hit != null) { return hit; }
  for (const el of root.querySelectorAll('*')) {
    if (el.shadowRoot) { const inner = search(el.shadowRoot); if (inner != null) { return inner; } }
  }
  return null;
};
return search(view.shadow_el ?? view.el.shadowRoot ?? view.el);
"""

#: JavaScript: how many elements match a CSS selector inside the view of the model named arguments[0].
COUNT_SCRIPT = """
const [name, selector] = arguments;
const view = Bokeh.index.find_one(Bokeh.documents[0].get_model_by_name(name));
return (view.shadow_el ?? view.el.shadowRoot ?? view.el).querySelectorAll(selector).length;
"""


def element_in(driver, name: str, selector: str):
    """The element matching ``selector`` inside the Bokeh model named ``name`` (a Selenium WebElement).

    Raises
    ------
    LookupError
        If there is none.
    """
    element = driver.execute_script(ELEMENT_SCRIPT, name, selector)
    if element is None:
        raise LookupError(f"no {selector!r} in the view of {name!r}")
    return element


def count_in(driver, name: str, selector: str) -> int:
    """How many elements match ``selector`` inside the Bokeh model named ``name``."""
    return int(driver.execute_script(COUNT_SCRIPT, name, selector))


def click_element(driver, element) -> None:
    """Click the middle of an element the way a user would (a real pointer click)."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    box = driver.execute_script(
        "const b = arguments[0].getBoundingClientRect(); return [b.left, b.top, b.width, b.height]", element
    )
    click_at(driver, box[0] + box[2] / 2, box[1] + box[3] / 2)


def visible_tooltips(driver) -> list[str]:
    """Text of the hover tooltips shown now."""
    return list(driver.execute_script(TOOLTIP_SCRIPT))


def move_mouse(driver, x: float, y: float) -> None:
    """Move the mouse to viewport coordinates ``(x, y)``, arriving from a few pixels away.

    Bokeh shows a tooltip on a pointer *move* over the plot, so the pointer first lands
    next to the target and then moves onto it.
    """
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    actions = ActionBuilder(driver)
    actions.pointer_action.move_to_location(int(round(x)) - 2, int(round(y)) - 2)
    actions.pointer_action.move_to_location(int(round(x)), int(round(y)))
    actions.perform()


def click_at(driver, x: float, y: float) -> None:
    """Click at viewport coordinates ``(x, y)``."""
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    actions = ActionBuilder(driver)
    actions.pointer_action.move_to_location(int(round(x)), int(round(y)))
    actions.pointer_action.click()
    actions.perform()


__all__ = [
    "CHROMEDRIVER_VARIABLE",
    "CHROMIUM_FLAGS",
    "CHROMIUM_VARIABLE",
    "click_at",
    "click_element",
    "console_errors",
    "count_in",
    "element_in",
    "find_browser",
    "headless_chromium",
    "missing_browser_reason",
    "move_mouse",
    "open_report",
    "plot_point",
    "scroll_to",
    "visible_tooltips",
]
