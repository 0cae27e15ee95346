"""The app as a served session: its save and open dialogs keep to its folder, it says where
that is, and its process ends (saving its run where it saves) when its server goes."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from apphelpers import dialog, make_app, wait_until
from servehelpers import children, packets_text
from test_prompts import type_into_prompt

from tui import sandbox
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
    finally:
        if app.poll() is None:
            app.kill()
