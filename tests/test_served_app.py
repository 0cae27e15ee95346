"""The app as a served session: its save and open dialogs keep to its folder, it says where
that is, its process ends (saving its run where it saves) when its server goes, and it
outlives its page (redrawn for the next), reporting its state for the teacher's view."""

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from apphelpers import dialog, make_app, wait_until
from servehelpers import children, packets_text, wait_for
from test_prompts import type_into_prompt

from core.checkpoint import load_checkpoint
from tui import sandbox
from tui.cli.served_status import GRACE_ENV, STATUS_ENV, STATUS_FILE, read
from tui.sandbox import Sandbox


@pytest.fixture
def session_folder(tmp_path):
    folder = tmp_path / "session"
    folder.mkdir()
    sandbox.install(Sandbox.of(folder))
    yield folder
    sandbox.install(None)


async def test_the_dialogs_refuse_paths_outside_the_session_folder(session_folder):
    app = make_app()
    app.checkpoint_path = ""
    async with app.run_test(size=(80, 24)) as pilot:
        for key, text in (("s", "../a"), ("o", "/a")):  # short: typed key by key
            error = await type_into_prompt(pilot, key, text)
            assert "outside this session's files" in error and str(session_folder) in error
        await dialog(pilot, "s")
        await pilot.press("r", "enter")  # a plain name: saved in the session folder
        assert await wait_until(pilot, lambda: (session_folder / "r").exists())
        assert app.return_code is None


def read_until(stream, words: str, timeout: float = 20.0) -> str:
    """What the app shows, as plain text, until ``words`` are on its screen."""
    seen = b""
    end = time.monotonic() + timeout
    while words not in packets_text(seen) and time.monotonic() < end:
        chunk = os.read(stream.fileno(), 65536)
        if not chunk:
            break
        seen += chunk
    return packets_text(seen)


def test_a_served_app_whose_server_is_gone_saves_and_ends(tmp_path):
    """The server's end closes the app's input: it saves to its folder and leaves (the
    web driver alone leaves it running for good). It trains in a thread (no worker process:
    a class's sessions take one process each)."""
    folder = tmp_path / "kept"
    folder.mkdir()
    env = {
        **os.environ,
        "TEXTUAL_DRIVER": "tui.ui.served_driver:ServedDriver",
        "COLUMNS": "80",
        "ROWS": "24",
    }
    argv = ["--samples", "100", "--served-folder", str(folder), "--served-keep"]
    app = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", *argv],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    try:
        shown = read_until(app.stdout, "Files you save or open")
        assert "Files you save or open" in shown  # the notice says where files go
        read_until(app.stdout, "running", 5.0)  # training: a worker process would be up
        assert children(app.pid) == []  # a served run trains in a thread: one process
        app.stdin.close()  # the server is gone
        assert app.wait(timeout=10) == 1  # as after a lost terminal
        saves = list(folder.glob("autosave-*.npz"))
        assert len(saves) == 1 and saves[0].stat().st_size > 0
        assert not list(Path.home().glob(f".local/state/backprop-tui/*-{app.pid}.npz"))
        said = app.stderr.read().decode()  # on the server's console: a hint that works
        assert f"backprop-tui --resume {saves[0]} continues it" in said
    finally:
        if app.poll() is None:
            app.kill()


def packet(kind: bytes, payload: dict | bytes) -> bytes:
    data = json.dumps(payload).encode() if isinstance(payload, dict) else payload
    return kind + len(data).to_bytes(4, "big") + data


class Served:
    """The app as `backprop-tui serve` runs it for a student: its output, read as it
    comes (a thread), and a way to send it keys and the server's messages."""

    def __init__(self, folder: Path) -> None:
        env = {
            **os.environ,
            "TEXTUAL_DRIVER": "tui.ui.served_driver:ServedDriver",
            "COLUMNS": "80",
            "ROWS": "24",
            STATUS_ENV: str(folder / STATUS_FILE),
            GRACE_ENV: "120",
        }
        argv = ["--samples", "100", "--served-folder", str(folder), "--served-max-pace", "20"]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tui.cli", *argv],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        self.raw = b""
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while chunk := os.read(self.process.stdout.fileno(), 65536):
            self.raw += chunk

    def send(self, kind: bytes, payload) -> None:
        self.process.stdin.write(packet(kind, payload))
        self.process.stdin.flush()

    def shown_since(self, mark: int) -> str:
        return packets_text(b"__GANGLION__\n" + self.raw[mark:].split(b"__GANGLION__\n")[-1])

    def wait_for(self, words: str, mark: int = 0, timeout: float = 20.0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if words in self.shown_since(mark):
                return True
            time.sleep(0.05)
        return False


def test_a_served_app_outlives_its_page_and_tells_the_teacher_how_it_goes(tmp_path):
    """What the server relies on, in the real app: a new page's ``attach`` redraws the
    whole screen; q asks, and yes sends ``leave`` (the app goes on); ``save`` writes the
    run; the status file follows the run."""
    folder = tmp_path / "ada-xor"
    folder.mkdir()
    app = Served(folder)
    try:
        assert app.wait_for("Files you save or open")
        status = folder / STATUS_FILE
        assert wait_for(lambda: (read(status).get("epoch") or 0) > 3)
        assert read(status)["state"] == "running" and read(status)["pace"] == "20 ep/s"
        assert read(status)["data"] == "circle" and read(status)["loss"] > 0

        mark = len(app.raw)
        app.send(b"M", {"type": "attach", "width": 80, "height": 24})  # a reload
        assert app.wait_for("Gradients", mark)
        for panel in ("Network", "Loss", "lr 0.03"):  # (the start notice hides Controls)
            assert panel in app.shown_since(mark)  # every panel, not only what changed

        mark = len(app.raw)
        app.send(b"D", b"q")
        assert app.wait_for("Leave this page? Your run goes on here for 2 minutes", mark)
        mark = len(app.raw)
        app.send(b"D", b"y")
        assert wait_for(lambda: b'"leave"' in app.raw[mark:])
        assert app.process.poll() is None  # q did not end it

        saved = folder / "ada-xor.npz"
        app.send(b"M", {"type": "save", "path": str(saved)})
        assert wait_for(lambda: saved.is_file())
        assert load_checkpoint(saved).epoch > 0
    finally:
        app.process.kill()
        app.process.wait()


async def test_the_start_notice_stands_above_the_status_line(session_folder):
    from textual.widgets._toast import Toast

    from tui.ui.widgets.status_line import StatusLine

    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        app.notify("Files you save or open are in this session's folder " * 4, timeout=30)
        assert await wait_until(pilot, lambda: bool(app.screen.query(Toast)))
        await pilot.pause()
        toast = app.screen.query_one(Toast).region
        assert toast.height > 3
        status = app.screen.query_one(StatusLine).region
        assert toast.bottom <= status.y  # the status line and the footer stay in view
