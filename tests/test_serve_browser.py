"""`backprop-tui serve` in a real browser: Debian's headless Chromium driven by Playwright
(pointed at the system's browser; nothing is downloaded). The page loads, the panels
appear, space pauses, + changes the learning rate, a second tab has a run of its own, a
third is told the class is full, and closing the tabs ends their processes.

Skipped, with the reason, where Playwright, Chromium or textual-serve is missing
(.ci/run installs them: `apt-get install chromium`, `pip install '.[browser]'`).
"""

import pytest
from servehelpers import (
    BROWSER_HOOK,
    CHROMIUM_FLAGS,
    children,
    chromium_path,
    start_server,
    stop_server,
    wait_for,
)

pytest.importorskip(
    "textual_serve", reason="textual-serve is not installed: pip install '.[serve]'"
)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed: pip install '.[browser]'"
)
CHROMIUM = chromium_path()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no system Chromium (apt-get install chromium, or set $CHROMIUM)"
)
WAIT_MS = 20_000  # generous: the machine may be busy with the rest of the suite


@pytest.fixture
def server():
    server, url = start_server("--max-sessions", "2", "--max-pace", "10", "--samples", "100")
    yield server, url
    stop_server(server)


@pytest.fixture
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def open_session(browser, url, wait_ms: float = WAIT_MS):
    """A new tab on the app, once its panels are on screen, with the keyboard on it."""
    page = browser.new_page(viewport={"width": 1000, "height": 640})
    page.add_init_script(BROWSER_HOOK)
    page.goto(url)
    for panel in ("Network", "Gradients", "Controls"):
        page.wait_for_function(f"window.__screen().includes({panel!r})", timeout=wait_ms)
    page.locator(".xterm-helper-textarea").focus()
    return page


def press(page, key: str, then: str) -> None:
    """Press ``key`` and wait until the screen shows ``then``."""
    page.keyboard.press(key)
    page.wait_for_function(f"window.__since().includes({then!r})", timeout=WAIT_MS)


def test_the_app_in_a_browser_one_run_per_tab(server, browser):
    process, url = server
    first = open_session(browser, url)
    assert first.title() == "backprop-tui"
    press(first, "Space", "paused")
    press(first, "+", "lr 0.1")  # 0.03, one rung up the ladder

    second = open_session(browser, url)
    press(second, "-", "lr 0.01")  # its own run: the first one's rate is not its
    press(second, "Space", "paused")  # it was running while the first was paused
    sessions = children(process.pid)
    assert len(sessions) == 2

    third = browser.new_page()
    response = third.goto(url)
    assert response.status == 503 and "The class is full" in third.content()

    first.close()
    assert wait_for(lambda: len(children(process.pid)) == 1)
    second.close()
    assert wait_for(lambda: children(process.pid) == [])
