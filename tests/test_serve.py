"""`backprop-tui serve`: the command's checks and the links it prints, and the server's care
of a class (lessons, students' runs that outlive their pages, places, the token, the
teacher's view, processes and folders), driven over HTTP and websockets on 127.0.0.1
with a stand-in app (tests/fake_served_app.py). The real app is in
tests/test_served_app.py, in a real browser tests/test_serve_browser.py."""

import asyncio
import json
import logging
import re
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tui.cli import serve as serve_module
from tui.cli.main import SERVE_FIRST, main

pytest.importorskip(
    "textual_serve", reason="textual-serve is not installed: pip install '.[serve]'"
)
aiohttp = pytest.importorskip("aiohttp")
from aiohttp.test_utils import TestClient, TestServer  # noqa: E402

from tui.cli.class_access import Access  # noqa: E402
from tui.cli.class_folders import CLASS_PREFIX  # noqa: E402
from tui.cli.classroom import Classroom  # noqa: E402
from tui.cli.served_status import STATUS_FILE  # noqa: E402
from tui.cli.session_process import MAX_COLUMNS, MAX_ROWS  # noqa: E402

FAKE = str(Path(__file__).with_name("fake_served_app.py"))
LESSONS = [("xor", "XOR needs a hidden layer"), ("features", "Features or depth")]


# --- the command ---------------------------------------------------------------------


class Recorder:
    """Stands in for the server: what serve would have started."""

    made: list = []

    def __init__(self, argv, **options) -> None:
        Recorder.made.append((argv, options))

    def serve(self) -> None:
        pass


@pytest.fixture
def recorder(monkeypatch):
    import tui.cli.classroom as classroom

    Recorder.made = []
    monkeypatch.setattr(classroom, "Classroom", Recorder)
    monkeypatch.setattr(serve_module, "network_addresses", lambda: ["192.168.1.20", "10.0.0.5"])
    return Recorder


def test_serve_gives_the_apps_flags_to_every_session(recorder, capsys):
    assert main(["serve", "--port", "8123", "--lesson", "xor", "--paused", "--pace", "5"]) == 0
    [(argv, options)] = recorder.made
    assert argv[1:] == ["-m", "tui.cli", "--lesson", "xor", "--paused", "--pace", "5"]
    assert options["host"] == "127.0.0.1" and options["port"] == 8123
    assert options["max_sessions"] == 10 and options["max_pace"] == 30
    assert options["grace"] == 120 and options["default_lesson"] == "xor"
    lesson = options["lesson_argv"]("features")  # another lesson: the flags that still hold
    assert lesson[1:] == ["-m", "tui.cli", "--lesson", "features", "--paused", "--pace", "5"]
    assert ("features", "Features or depth: the circle from x1² and x2²") in options["lessons"]
    assert capsys.readouterr().err == ""


def test_on_this_machine_alone_the_class_needs_no_token(recorder):
    assert main(["serve", "--port", "8123"]) == 0
    [(_, options)] = recorder.made
    assert options["access"].token is None
    assert options["links"] == ["http://127.0.0.1:8123/"]


def test_on_every_network_one_link_per_address_with_a_random_token(recorder, capsys):
    assert main(["serve", "--host", "0.0.0.0", "--port", "8000"]) == 0
    [(_, options)] = recorder.made
    token = options["access"].token
    assert re.fullmatch(r"[A-Za-z0-9_-]{16}", token)
    assert options["links"] == [
        f"http://192.168.1.20:8000/?token={token}",
        f"http://10.0.0.5:8000/?token={token}",
    ]
    teacher = options["access"].teacher
    assert teacher != token and options["teacher_link"].endswith(f"/teacher?token={teacher}")
    assert "0.0.0.0" not in options["teacher_link"]
    assert capsys.readouterr().err == ""
    main(["serve", "--host", "0.0.0.0"])
    assert recorder.made[1][1]["access"].token != token  # a new one at each start


def test_a_token_given_is_the_classs(recorder):
    assert main(["serve", "--host", "192.0.2.7", "--token", "room-12"]) == 0
    [(_, options)] = recorder.made
    assert options["links"] == ["http://192.0.2.7:8000/?token=room-12"]


def test_with_no_network_address_serve_says_so_and_gives_this_machines_link(recorder, capsys):
    serve_module.network_addresses = lambda: []  # the fixture's monkeypatch undoes it
    assert main(["serve", "--host", "0.0.0.0"]) == 0
    assert recorder.made[0][1]["links"][0].startswith("http://127.0.0.1:8000/?token=")
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "no network address" in err[0]


def test_the_links_are_never_the_address_listened_on():
    assert serve_module.class_links("::", 80, "t", ["192.168.1.20"]) == [
        "http://192.168.1.20:80/?token=t"
    ]
    assert serve_module.class_links("::1", 8000, None, []) == ["http://[::1]:8000/"]


def test_this_machines_addresses_are_ones_others_can_use():
    for address in serve_module.network_addresses():
        assert not address.startswith(("127.", "169.254.", "0."))


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--lr", "abc"], "--lr"),
        (["--resume"], "--resume FILE"),
        (["train"], "not the train command"),
        (["--served-folder", "/"], "set by serve itself"),
        (["--data", "no-such.csv"], "no-such.csv"),
        (["--max-sessions", "0"], "--max-sessions"),
        (["--data-dir", "no-such-folder"], "not a folder"),
        (["--max-pace", "fast"], "--max-pace"),
        (["--token", "a b"], "--token"),
        (["--token", "x"], "not a token"),
        (["--grace", "-1"], "--grace"),
    ],
)
def test_a_bad_flag_stops_serve_before_it_starts(recorder, capsys, argv, said):
    try:
        code = main(["serve", *argv])
    except SystemExit as e:  # argparse's own way out
        code = e.code
    assert code == 2
    err = capsys.readouterr().err
    assert said in err and len(err.strip().splitlines()) == 1
    assert recorder.made == []


@pytest.mark.parametrize("argv", [["--port", "9", "serve"], ["--lr", "0.1", "serve", "--host"]])
def test_serve_after_flags_says_that_serve_comes_first(recorder, capsys, argv):
    assert main(argv) == 2
    assert capsys.readouterr().err.strip() == SERVE_FIRST
    assert recorder.made == []


def test_without_textual_serve_serve_says_how_to_install_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "textual_serve", None)  # import fails
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    monkeypatch.delitem(sys.modules, "tui.cli.classroom", raising=False)
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'backprop-tui[serve]'" in err and "'.[serve]'" in err


# --- the server ----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def own_temp(tmp_path, monkeypatch):
    """The server's temporary folders in this test's own."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    return temp


class Class:
    """A running Classroom over the stand-in app, and its students (each a browser of
    their own: cookies apart)."""

    def __init__(self, room: Classroom, client: TestClient) -> None:
        self.room, self.client = room, client
        self.browsers: list = []

    def student(self, name: str = ""):
        jar = aiohttp.CookieJar(unsafe=True)
        if name:
            jar.update_cookies({"backprop_name": name}, self.client.make_url("/"))
        session = aiohttp.ClientSession(cookie_jar=jar)
        self.browsers.append(session)
        return session

    def url(self, path: str):
        return self.client.make_url(path)

    async def close(self) -> None:
        for session in self.browsers:
            await session.close()
        await self.client.close()


async def served(**options) -> Class:
    options = {"max_sessions": 2, "stop_grace": 1.0, "lessons": LESSONS, **options}
    stubborn = options.pop("stubborn", False)
    argv = [sys.executable, FAKE, *(["--stubborn"] if stubborn else [])]
    room = Classroom(argv, **options)
    client = TestClient(TestServer(await room._make_app(), host="127.0.0.1"))
    await client.start_server()
    return Class(room, client)


@pytest.fixture
async def room(request):
    options = request.param if hasattr(request, "param") else {}
    c = await served(**options)
    yield c
    await c.close()


def with_options(**options):
    return pytest.mark.parametrize("room", [options], indirect=True)


async def open_run(browser, c: Class, lesson: str = "xor", query: str = ""):
    """A page of the lesson and its websocket: (websocket, run id)."""
    response = await browser.get(c.url(f"/lesson/{lesson}{query}"))
    assert response.status == 200, await response.text()
    page = await response.text()
    address = re.search(r'data-session-websocket-url="([^"]+)"', page).group(1)
    ws = await browser.ws_connect(address + "?width=100&height=30")
    return ws, address.rsplit("/", 1)[1]


async def receive(ws, kind=None, timeout=10.0):
    """The next message (of ``kind``, binary or text), skipping others."""
    while True:
        message = await asyncio.wait_for(ws.receive(), timeout)
        if kind is None or message.type == kind or message.type == aiohttp.WSMsgType.CLOSE:
            return message


async def until_text(ws, words: str):
    """Binary messages until one holds ``words`` (the stand-in's words)."""
    while True:
        message = await receive(ws)
        assert message.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT), message
        data = message.data if isinstance(message.data, str) else message.data.decode()
        if words in data:
            return data


async def hello(ws) -> dict:
    """The stand-in's first words: its command line, process id and size."""
    return json.loads("{" + (await until_text(ws, '"pid"')).split("{", 1)[1])


async def wait_until(predicate, timeout=10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        await asyncio.sleep(0.02)
    return predicate()


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def flag(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


async def test_the_front_page_lists_every_lesson_as_a_link(room):
    response = await room.client.get("/")
    page = await response.text()
    assert response.status == 200 and "<title>backprop-tui</title>" in page
    for name, line in LESSONS:
        assert f"<a href='/lesson/{name}'>{name}</a>: {line}" in page
    assert "name='name'" in page  # the student's name is asked
    assert "googleapis" not in page


async def test_a_lessons_page_is_the_app_fetching_nothing_elsewhere(room):
    response = await room.client.get("/lesson/xor")
    page = await response.text()
    assert response.status == 200 and "<title>backprop-tui</title>" in page
    assert "googleapis" not in page and "/fonts/pause-glyph.ttf" in page
    host = f"{room.client.host}:{room.client.port}"
    assert f'data-session-websocket-url="ws://{host}/ws/xor/' in page  # as the visitor came
    missing = await room.client.get("/lesson/no-such")
    assert missing.status == 404 and "/lesson/features" in await missing.text()
    font = await room.client.get("/fonts/pause-glyph.ttf")
    assert font.status == 200 and (await font.read())[:4] == b"\x00\x01\x00\x00"  # TrueType


async def test_each_student_gets_their_own_run_process_and_folder(room):
    ada, bob = room.student("Ada Lovelace"), room.student("Bob")
    (one, _), (two, _) = await open_run(ada, room), await open_run(bob, room, "features")
    first, second = await hello(one), await hello(two)
    assert first["pid"] != second["pid"]
    folders = [Path(flag(h["argv"], "--served-folder")) for h in (first, second)]
    assert [f.name for f in folders] == ["ada-lovelace-xor", "bob-features"]
    assert all(f.is_dir() and f.parent.name.startswith(CLASS_PREFIX) for f in folders)
    assert flag(first["argv"], "--lesson") == "xor" and "--served-keep" not in first["argv"]
    assert first["size"] == "100x30"
    await one.send_json(["stdin", " "])
    await until_text(one, "key: ")  # keys reach their own process


async def test_a_reload_comes_back_to_the_same_run(room):
    ada = room.student("Ada")
    ws, run = await open_run(ada, room)
    pid = (await hello(ws))["pid"]
    await ws.close()
    assert room.room.places.runs[run].page is None  # no page: the run waits
    again, same = await open_run(ada, room)
    assert same == run
    assert await until_text(again, "attach:100x30")  # the app is asked to draw it all
    await again.send_json(["stdin", "x"])
    await until_text(again, "key:x")
    assert alive(pid) and len(room.room.places.runs) == 1


@with_options(grace=0.5)
async def test_a_run_with_no_page_ends_after_the_grace_and_its_folder_goes(room):
    ws, run = await open_run(room.student(), room)
    first = await hello(ws)
    folder = Path(flag(first["argv"], "--served-folder"))
    await ws.close()
    assert await wait_until(lambda: not alive(first["pid"]) and not room.room.places.runs)
    assert await wait_until(lambda: not folder.exists())


async def test_a_second_tab_takes_the_run_over_and_the_first_is_told(room):
    ada = room.student()
    first, run = await open_run(ada, room)
    await hello(first)
    second, same = await open_run(ada, room)
    assert same == run
    told = await receive(first, aiohttp.WSMsgType.TEXT)
    assert "another tab" in told.data and "backprop_ended" in told.data
    assert (await receive(first)).type == aiohttp.WSMsgType.CLOSE
    await until_text(second, "attach:")


async def test_q_closes_the_page_and_the_run_waits(room):
    ws, run = await open_run(room.student(), room)
    pid = (await hello(ws))["pid"]
    await ws.send_json(["stdin", "q"])  # the stand-in leaves at once (the app asks first)
    told = await receive(ws, aiohttp.WSMsgType.TEXT)
    assert "You left this page" in told.data and "2 minutes" in told.data
    assert (await receive(ws)).type == aiohttp.WSMsgType.CLOSE
    assert alive(pid) and room.room.places.runs[run].page is None


@with_options(max_sessions=1)
async def test_a_full_class_lets_its_students_back_and_lines_up_the_others(room):
    ada, bob, cy = room.student(), room.student(), room.student()
    ws, run = await open_run(ada, room)
    await hello(ws)
    full = await bob.get(room.url("/lesson/xor"))
    text = await full.text()
    assert full.status == 503 and "The one place on this server is taken" in text
    assert "You are next in line" in text and "http-equiv='refresh'" in text
    assert "number 2 in line" in await (await cy.get(room.url("/lesson/xor"))).text()
    await ws.close()  # Ada reloads: her place waits for her
    ws, same = await open_run(ada, room)
    assert same == run
    await room.room.end_run(room.room.places.runs[run], "test")
    assert (await cy.get(room.url("/lesson/xor"))).status == 503  # Bob came first
    assert (await bob.get(room.url("/lesson/xor"))).status == 200


@with_options(max_sessions=3)
async def test_students_arriving_together_beyond_the_limit_are_told_the_class_is_full(room):
    students = [room.student() for _ in range(5)]
    pages = await asyncio.gather(*(s.get(room.url("/lesson/xor")) for s in students))
    assert sorted(p.status for p in pages) == [200, 200, 200, 503, 503]
    told = [await p.text() for p in pages if p.status == 503]
    assert any("next in line" in t for t in told) and any("number 2" in t for t in told)


@with_options(max_sessions=1)
async def test_a_websocket_without_a_place_sends_its_page_back_to_ask(room):
    ada, bob = room.student(), room.student()
    ws, _ = await open_run(ada, room)
    await hello(ws)
    late = await bob.ws_connect(room.url("/ws/xor/not-a-run"))
    told = await receive(late, aiohttp.WSMsgType.TEXT)
    assert json.loads(told.data) == ["open_url", {"url": "/lesson/xor", "new_tab": False}]
    assert len(room.room.places.runs) == 1


@with_options(access=Access("class-code", "teacher-code"))
async def test_without_the_token_nothing_opens(room):
    browser = room.student()
    for path in ("/", "/lesson/xor", "/run", "/teacher", "/teacher.json"):
        response = await browser.get(room.url(path))
        assert response.status == 401, path
        assert "ends in <code>?token=</code>" in await response.text()
    wrong = await browser.get(room.url("/lesson/xor?token=nope"))
    assert wrong.status == 403 and "not this class's" in await wrong.text()
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await browser.ws_connect(room.url("/ws/xor/x"))
    assert refused.value.status == 401
    assert room.room.places.runs == {}


@with_options(access=Access("class-code", "teacher-code"))
async def test_the_token_in_the_link_is_kept_for_the_pages_that_follow(room):
    browser = room.student()
    assert (await browser.get(room.url("/?token=class-code"))).status == 200
    ws, _ = await open_run(browser, room)  # the cookie carries it: page and websocket
    await hello(ws)
    header = {"Authorization": "token class-code"}
    async with aiohttp.ClientSession() as other:  # a script, no cookies
        assert (await other.get(room.url("/"), headers=header)).status == 200


@with_options(access=Access("class-code", "teacher-code"))
async def test_the_teachers_view_takes_the_teachers_token_or_the_class_one_here(room):
    student = room.student()
    await student.get(room.url("/?token=class-code"))
    assert (await student.get(room.url("/teacher.json"))).status == 200  # from 127.0.0.1
    other = Access("class-code", "teacher-code")

    class Remote:  # the same request, from another machine
        query, headers, remote = {"token": "class-code"}, {}, "192.168.1.30"
        cookies: dict = {}

    assert other.teacher_refusal(Remote()) == 403
    Remote.query = {"token": "teacher-code"}
    assert other.teacher_refusal(Remote()) == 0
    page = await student.get(room.url("/teacher?token=teacher-code"))
    assert page.status == 200 and "/teacher.json" in await page.text()


async def test_the_teachers_view_lists_every_run_and_ends_one(room):
    ada, bob = room.student("Ada"), room.student("Bob")
    (one, run), (two, _) = await open_run(ada, room), await open_run(bob, room, "features")
    first = await hello(one)
    await hello(two)
    folder = Path(flag(first["argv"], "--served-folder"))
    status = {"lesson": "xor", "epoch": 42, "loss": 0.25, "state": "running", "pace": "30 ep/s"}
    (folder / STATUS_FILE).write_text(json.dumps(status))  # as the app writes it
    await one.close()
    response = await room.client.get("/teacher.json")
    assert response.status == 200 and response.content_type == "application/json"
    rows = {r["student"]: r for r in await response.json()}
    assert set(rows) == {"Ada", "Bob"}
    assert rows["Ada"]["epoch"] == 42 and rows["Ada"]["loss"] == 0.25
    assert rows["Ada"]["connected"] is False and 0 < rows["Ada"]["ends_in"] <= 120
    assert rows["Bob"]["lesson"] == "features" and rows["Bob"]["epoch"] is None
    assert rows["Bob"]["connected"] is True and rows["Bob"]["idle_seconds"] >= 0
    assert (await room.client.post(f"/teacher/end/{run}")).status == 204
    assert await wait_until(lambda: not alive(first["pid"]))
    rows = await (await room.client.get("/teacher.json")).json()
    assert [r["student"] for r in rows] == ["Bob"]
    assert not two.closed  # Bob's page goes on


async def test_the_teacher_ending_a_run_tells_its_page(room):
    ws, run = await open_run(room.student(), room)
    await hello(ws)
    await room.client.post(f"/teacher/end/{run}")
    told = await receive(ws, aiohttp.WSMsgType.TEXT)
    assert "Your teacher ended this run" in told.data


async def test_a_name_given_later_reaches_the_teachers_view(room):
    ada = room.student()
    ws, _ = await open_run(ada, room)
    await hello(ws)
    assert (await ada.post(room.url("/name"), data={"name": "Ada\x07 <b>L</b>"})).status == 204
    [row] = await (await room.client.get("/teacher.json")).json()
    assert row["student"] == "Ada <b>L</b>"  # as given, control characters out
    page = await (await ada.get(room.url("/"))).text()
    assert "value='Ada &lt;b&gt;L&lt;/b&gt;'" in page  # escaped in HTML


async def test_a_student_downloads_their_run(room):
    ada = room.student("Ada")
    ws, run = await open_run(ada, room)
    pid = (await hello(ws))["pid"]
    response = await ada.get(room.url(f"/my-run/{run}"))
    assert response.status == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="ada-xor.npz"'
    assert await response.read() == b"a run of pid %d" % pid  # written by the app just now
    assert (await room.student().get(room.url(f"/my-run/{run}"))).status == 404  # not theirs


async def test_sizes_from_the_page_are_capped_and_bad_messages_cost_one_line(room, caplog):
    browser = room.student()
    page = await (await browser.get(room.url("/lesson/xor"))).text()
    address = re.search(r'data-session-websocket-url="([^"]+)"', page).group(1)
    ws = await browser.ws_connect(address + "?width=99999&height=-5")
    assert (await hello(ws))["size"] == f"{MAX_COLUMNS}x1"
    with caplog.at_level(logging.WARNING, logger="backprop-tui serve"):
        await ws.send_json(["resize", {"width": 5000, "height": 3000}])
        await until_text(ws, f"resize:{MAX_COLUMNS}x{MAX_ROWS}")
        bad = ["not json", '["resize", {"width": "x"}]', "{}", '["stdin", 5]', "[" * 10**5]
        for text in bad:
            await ws.send_str(text)
        await ws.send_str('["stdin", "\\ud800"]')  # a lone surrogate: sent as a ?
        await until_text(ws, "key:?")
        await ws.send_json(["stdin", "k"])  # the page still works
        await until_text(ws, "key:k")
        await ws.close()
        assert await wait_until(lambda: len(caplog.records) == 2)
    first, count = (r.getMessage() for r in caplog.records)
    assert "dropped (not JSON)" in first and "'not json'" in first
    assert "5 malformed messages" in count
    assert not any(r.exc_info for r in caplog.records)


@with_options(stubborn=True, stop_grace=0.5)
async def test_an_app_that_does_not_quit_is_killed_after_the_grace(room):
    ws, run = await open_run(room.student(), room)
    pid = (await hello(ws))["pid"]
    await room.room.end_run(room.room.places.runs[run], "test")
    assert not alive(pid) and room.room.places.runs == {}


async def test_stopping_the_server_ends_every_run_and_removes_its_folder():
    c = await served(stubborn=True, stop_grace=0.5)
    ws, _ = await open_run(c.student(), c)
    first = await hello(ws)
    folder = Path(flag(first["argv"], "--served-folder")).parent
    await c.close()  # the server shuts down with a page still open
    assert await wait_until(lambda: not alive(first["pid"]))
    assert not folder.exists()


async def test_a_killed_servers_folder_is_removed_at_the_next_start(own_temp):
    import fcntl

    dead, live = own_temp / f"{CLASS_PREFIX}dead", own_temp / f"{CLASS_PREFIX}live"
    for folder in (dead, live):
        (folder / "ada-xor").mkdir(parents=True)
        (folder / ".lock").touch()
    with (live / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # its server runs
        c = await served()
        await c.close()
    assert not dead.exists() and live.is_dir()


async def test_a_kept_folder_is_the_students_again_and_the_data_folder_is_passed(tmp_path):
    kept, data = tmp_path / "kept", tmp_path / "data"
    kept.mkdir()
    data.mkdir()
    c = await served(sessions_dir=kept, data_dir=data, max_pace=None, grace=0.2)
    try:
        ada = c.student("Ada")
        ws, _ = await open_run(ada, c)
        first = await hello(ws)
        folder = Path(flag(first["argv"], "--served-folder"))
        assert folder == kept / "ada-xor" and "--served-keep" in first["argv"]
        assert flag(first["argv"], "--served-data") == str(data)
        assert "--served-max-pace" not in first["argv"]
        await ws.close()
        assert await wait_until(lambda: not alive(first["pid"]) and not c.room.places.runs)
        assert folder.is_dir()
        ws, _ = await open_run(ada, c)  # another day: her folder again
        assert Path(flag((await hello(ws))["argv"], "--served-folder")) == folder
        ws, _ = await open_run(c.student("Ada"), c)  # another Ada
        assert Path(flag((await hello(ws))["argv"], "--served-folder")).name == "ada-xor-2"
    finally:
        await c.close()


async def test_the_console_gives_the_links_whole_one_a_line(capsys):
    links = [f"http://192.168.1.{n}:8000/?token={'x' * 60}" for n in (20, 21)]
    teacher = f"http://192.168.1.20:8000/teacher?token={'y' * 60}"
    c = await served(links=links, teacher_link=teacher, max_sessions=1)
    await c.close()
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == ["backprop-tui serve: students open", f"  {links[0]}", f"  {links[1]}"]
    assert out[3].endswith(teacher) and "1 run at once" in out[4]


@with_options(access=Access("class-code", "teacher-code"), default_lesson="xor")
async def test_the_teachers_run_is_the_lesson_given_and_keeps_the_token(room):
    response = await room.student().get(room.url("/run?token=class-code"))
    assert response.status == 200 and str(response.url).endswith("/lesson/xor?token=class-code")
    page = await (await room.student().get(room.url("/?token=class-code"))).text()
    assert "<b>Today:</b> <a href='/lesson/xor'>xor: XOR needs a hidden layer</a>" in page
