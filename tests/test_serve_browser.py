"""`backprop-tui serve` in a real browser: Debian's headless Chromium driven by Playwright
(pointed at the system's browser; nothing is downloaded). Each browser context is a
student of their own (cookies apart). A student's keys answer, another has a run of their
own, a third is told the class is full; a reload comes back to the same run, also in a
full class (and, in the slow tier, after q and a dropped connection); the link's token is
required; the teacher's view lists the runs live and ends one; the pause sign has a font;
"download my run" downloads the run as it is.

Skipped, with the reason, where Playwright, Chromium or textual-serve is missing
(.ci/run installs them: `apt-get install chromium`, `pip install '.[browser]'`).
"""

import re

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

from core.checkpoint import load_checkpoint

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
FLAGS = ("--max-pace", "10", "--samples", "100")


@pytest.fixture
def servers():
    """Start `backprop-tui serve` with the flags given; stopped at the end."""
    started = []

    def start(*flags: str):
        server, url = start_server(*FLAGS, *flags)
        started.append(server)
        return server, url

    yield start
    for server in started:
        stop_server(server)


@pytest.fixture
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def student(browser):
    """A new student: a browser context of their own, a page in it."""
    page = browser.new_page(viewport={"width": 1000, "height": 640})  # its own context
    page.add_init_script(BROWSER_HOOK)
    return page


def open_app(page, url: str, wait_ms: float = WAIT_MS) -> None:
    """``url`` in ``page``, once the app's panels are on screen, with the keyboard on it."""
    page.goto(url)
    for panel in ("Network", "Gradients"):
        page.wait_for_function(f"window.__screen().includes({panel!r})", timeout=wait_ms)
    page.locator(".xterm-helper-textarea").focus(timeout=wait_ms)


def press(page, key: str, then: str) -> None:
    """Press ``key`` and wait until the screen shows ``then``."""
    page.keyboard.press(key)
    page.wait_for_function(f"window.__since().includes({then!r})", timeout=WAIT_MS)


def epoch_shown(page) -> int:
    """The last epoch the page's status line showed (-1: none yet)."""
    found = re.findall(r"ep ([\d,]+)", page.evaluate("window.__screen().slice(-20000)"))
    return int(found[-1].replace(",", "")) if found else -1


def reaches(page, epoch: int) -> None:
    page.wait_for_function(
        f"[...window.__screen().slice(-20000).matchAll(/ep ([\\d,]+)/g)]"
        f".some((m) => parseInt(m[1].replace(/,/g, '')) >= {epoch})",
        timeout=WAIT_MS,
    )


def test_each_student_has_a_run_of_their_own_and_the_one_too_many_waits(servers, browser):
    process, url = servers("--max-sessions", "2", "--grace", "1")
    first = student(browser)
    open_app(first, url + "run")
    assert first.title() == "backprop-tui"
    press(first, "Space", "paused")
    press(first, "+", "lr 0.1")  # 0.03, one rung up the ladder
    loaded = "f.unicodeRange.includes('23F8') && f.status == 'loaded'"
    first.wait_for_function(f"[...document.fonts].some((f) => {loaded})", timeout=WAIT_MS)
    with first.expect_download(timeout=WAIT_MS) as download:
        first.click("text=download my run")
    assert load_checkpoint(download.value.path()).config.lr == 0.1  # the run as it is now

    second = student(browser)
    open_app(second, url + "run")
    press(second, "-", "lr 0.01")  # its own run: the first one's rate is not its
    press(second, "Space", "paused")  # it was running while the first was paused
    assert len(children(process.pid)) == 2

    third = student(browser)
    response = third.goto(url + "run")
    assert response.status == 503 and "The class is full" in third.content()
    assert "You are next in line" in third.content()

    first.close()  # its run waits a second (--grace 1) for its student, then ends
    assert wait_for(lambda: len(children(process.pid)) == 1)
    second.close()
    assert wait_for(lambda: children(process.pid) == [])


def test_a_reload_keeps_the_run_also_in_a_full_class(servers, browser):
    process, url = servers("--max-sessions", "2")
    first, second = student(browser), student(browser)
    open_app(first, url + "lesson/xor")
    first.keyboard.press("Enter")  # the lesson's paragraph read: the run starts
    open_app(second, url + "lesson/xor")
    reaches(first, 5)
    before, sessions = epoch_shown(first), sorted(children(process.pid))
    assert len(sessions) == 2  # the class is full

    first.reload()
    reaches(first, before)  # the same run, drawn whole on the new page, going on
    assert sorted(children(process.pid)) == sessions  # not a new app
    third = student(browser)
    assert third.goto(url + "lesson/xor").status == 503  # still full: no place was freed


@pytest.mark.slow
def test_after_q_or_a_dropped_connection_the_student_is_back_on_the_run(servers, browser):
    process, url = servers()
    first = student(browser)
    open_app(first, url + "run")
    reaches(first, 5)
    before, sessions = epoch_shown(first), sorted(children(process.pid))

    first.keyboard.press("q")  # leaving asks, then closes the page; the run waits
    first.wait_for_function("window.__since().includes('Leave this page?')", timeout=WAIT_MS)
    first.keyboard.press("y")
    first.wait_for_selector("text=You left this page", timeout=WAIT_MS)
    first.click("text=Back to my run")
    reaches(first, before)

    first.evaluate("window.__sockets.at(-1).close()")  # the connection drops
    first.wait_for_selector("text=reconnecting", timeout=WAIT_MS)
    first.wait_for_function("window.__sockets.length == 1", timeout=WAIT_MS)  # a new page
    reaches(first, before)  # by itself, to the same run
    assert sorted(children(process.pid)) == sessions


def test_the_link_needs_its_token_and_the_teacher_sees_every_run(servers, browser):
    process, url = servers("--token", "room-12", "--max-sessions", "3")
    page = student(browser)
    response = page.goto(url + "lesson/xor")
    assert response.status == 401 and "?token=" in page.content()
    assert page.goto(url + "lesson/xor?token=wrong").status == 403
    assert children(process.pid) == []

    page.goto(url + "?token=room-12")  # the link handed out: the lessons, a name
    page.fill("input[name=name]", "Ada")
    page.click("a[href='/lesson/xor']")  # the token and the name are kept for the lesson
    page.wait_for_function("window.__screen().includes('Network')", timeout=WAIT_MS)
    other = student(browser)
    open_app(other, url + "run?token=room-12")
    other.fill("#bp-bar input", "Bob")  # the name asked on the page of the run
    other.press("#bp-bar input", "Enter")
    other.wait_for_selector("#bp-who:text('Bob')", timeout=WAIT_MS)

    teacher = student(browser)
    teacher.goto(url + "teacher?token=room-12")  # from this machine, the class's token
    teacher.wait_for_selector("#runs tr:has-text('Ada') >> text=xor", timeout=WAIT_MS)
    row = "#runs tr:has-text('Bob')"
    teacher.wait_for_function(  # Bob's epoch, refreshed live
        "[...document.querySelectorAll('#runs tr')].some((r) => r.textContent"
        ".includes('Bob') && parseInt(r.cells[2].textContent) > 0)",
        timeout=WAIT_MS,
    )
    teacher.on("dialog", lambda dialog: dialog.accept())
    teacher.click(f"{row} button")
    other.wait_for_selector("text=Your teacher ended this run", timeout=WAIT_MS)
    teacher.wait_for_function(
        "!document.querySelector('#runs').textContent.includes('Bob')", timeout=WAIT_MS
    )
    assert wait_for(lambda: len(children(process.pid)) == 1, timeout=30)
