"""`backprop-tui serve`: the command's checks, and the server's care of its sessions (a
limit, a folder and flags for each, processes that end with their page), driven over
HTTP and websockets with a stand-in app (tests/fake_served_app.py). The real app in a
real browser is tests/test_serve_browser.py."""

import asyncio
import json
import sys
import time
from pathlib import Path

import pytest

from tui.cli import serve as serve_module
from tui.cli.main import main

pytest.importorskip(
    "textual_serve", reason="textual-serve is not installed: pip install '.[serve]'"
)
aiohttp = pytest.importorskip("aiohttp")
from aiohttp.test_utils import TestClient, TestServer  # noqa: E402

from tui.cli.classroom import Classroom  # noqa: E402

FAKE = str(Path(__file__).with_name("fake_served_app.py"))


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
    return Recorder


def test_serve_gives_the_apps_flags_to_every_session(recorder, capsys):
    assert main(["serve", "--port", "8123", "--lesson", "xor", "--paused"]) == 0
    [(argv, options)] = recorder.made
    assert argv[1:] == ["-m", "tui.cli", "--lesson", "xor", "--paused"]
    assert options["host"] == "127.0.0.1" and options["port"] == 8123
    assert options["max_sessions"] == 10 and options["max_pace"] == 30
    assert capsys.readouterr().err == ""  # loopback: nothing to warn about


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.7", "::", "classroom.example"])
def test_another_address_is_said_to_be_open_to_anyone_in_one_line(recorder, capsys, host):
    assert main(["serve", "--host", host]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert "anyone who can reach" in err[0] and "no login" in err[0] and host in err[0]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_addresses_get_no_warning(recorder, capsys, host):
    assert main(["serve", "--host", host]) == 0
    assert capsys.readouterr().err == ""


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


def test_without_textual_serve_serve_says_how_to_install_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "textual_serve", None)  # import fails
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    monkeypatch.delitem(sys.modules, "tui.cli.classroom", raising=False)
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'backprop-tui[serve]'" in err and "'.[serve]'" in err


def test_the_open_address_check():
    assert not serve_module.open_to_others("127.0.0.1")
    assert serve_module.open_to_others("0.0.0.0")


# --- the server ----------------------------------------------------------------------


async def served(tmp_path, **options):
    """A running Classroom over the stand-in app, and a client for it."""
    options = {"max_sessions": 2, "grace": 1.0, **options}
    stubborn = options.pop("stubborn", False)
    argv = [sys.executable, FAKE, *(["--stubborn"] if stubborn else [])]
    room = Classroom(argv, **options)
    client = TestClient(TestServer(await room._make_app(), host="127.0.0.1"))
    await client.start_server()
    return room, client


async def hello(ws) -> dict:
    """The stand-in's first words: its command line and process id."""
    while True:
        message = await asyncio.wait_for(ws.receive(), 10)
        assert message.type == aiohttp.WSMsgType.BINARY, message
        if message.data.startswith(b"{"):
            return json.loads(message.data)


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


async def test_the_page_names_the_app_and_fetches_nothing_elsewhere(tmp_path):
    room, client = await served(tmp_path)
    try:
        page = await (await client.get("/")).text()
        assert "<title>backprop-tui</title>" in page
        assert "googleapis" not in page
        host = f"{client.host}:{client.port}"
        assert f'data-session-websocket-url="ws://{host}/ws"' in page  # as the visitor came
    finally:
        await client.close()


async def test_each_session_gets_its_own_process_and_folder_removed_at_its_end(tmp_path):
    room, client = await served(tmp_path, max_pace=30.0)
    try:
        one, two = await client.ws_connect("/ws"), await client.ws_connect("/ws")
        first, second = await hello(one), await hello(two)
        assert first["pid"] != second["pid"]
        folders = [Path(flag(h["argv"], "--served-folder")) for h in (first, second)]
        assert folders[0] != folders[1] and all(f.is_dir() for f in folders)
        assert flag(first["argv"], "--served-max-pace") == "30"
        assert "--served-keep" not in first["argv"]
        await one.send_json(["stdin", " "])
        assert (await one.receive()).data == b"key: "  # keys reach their own process
        await one.close()
        assert await wait_until(lambda: not alive(first["pid"]))
        assert await wait_until(lambda: not folders[0].exists())
        assert alive(second["pid"]) and folders[1].is_dir()  # the other run goes on
        await two.close()
        assert await wait_until(lambda: not alive(second["pid"]) and not room.sessions)
    finally:
        await client.close()


async def test_a_visitor_beyond_the_limit_is_told_the_class_is_full(tmp_path):
    room, client = await served(tmp_path, max_sessions=1)
    try:
        one = await client.ws_connect("/ws")
        first = await hello(one)
        response = await client.get("/")
        assert response.status == 503 and "The class is full" in await response.text()
        late = await client.ws_connect("/ws")  # raced past the page
        message = await asyncio.wait_for(late.receive(), 10)
        assert b"The class is full" in message.data
        assert (await asyncio.wait_for(late.receive(), 10)).type == aiohttp.WSMsgType.CLOSE
        assert len(room.sessions) == 1
        await one.close()
        assert await wait_until(lambda: not alive(first["pid"]) and not room.sessions)
        assert (await client.get("/")).status == 200  # a place is free again
    finally:
        await client.close()


async def test_an_app_that_does_not_quit_is_killed_after_the_grace(tmp_path):
    room, client = await served(tmp_path, stubborn=True, grace=0.5)
    try:
        ws = await client.ws_connect("/ws")
        pid = (await hello(ws))["pid"]
        await ws.close()
        assert await wait_until(lambda: not alive(pid))
        assert await wait_until(lambda: not room.sessions)
    finally:
        await client.close()


async def test_stopping_the_server_ends_every_session(tmp_path):
    room, client = await served(tmp_path, stubborn=True, grace=0.5)
    ws = await client.ws_connect("/ws")
    pid = (await hello(ws))["pid"]
    await client.close()  # the server shuts down with a page still open
    assert await wait_until(lambda: not alive(pid))


async def test_a_kept_session_folder_stays_and_the_data_folder_is_passed(tmp_path):
    kept, data = tmp_path / "kept", tmp_path / "data"
    kept.mkdir()
    data.mkdir()
    room, client = await served(tmp_path, sessions_dir=kept, data_dir=data, max_pace=None)
    try:
        ws = await client.ws_connect("/ws")
        first = await hello(ws)
        folder = Path(flag(first["argv"], "--served-folder"))
        assert folder.parent == kept and "--served-keep" in first["argv"]
        assert flag(first["argv"], "--served-data") == str(data)
        assert "--served-max-pace" not in first["argv"]
        await ws.close()
        assert await wait_until(lambda: not alive(first["pid"]) and not room.sessions)
        assert folder.is_dir()
    finally:
        await client.close()
