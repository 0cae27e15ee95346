"""Hostile paths typed where a path meets the file system: the command line's --data,
--val-data, --config, --resume, --save, --history (and its ghosts' files), and the app's
data field, `o` and `s`. One line and exit code 2 before anything is trained, a message
beside the field with the run unchanged; never a traceback, never a special file (a named
pipe, a device node like /dev/null) written over."""

from __future__ import annotations

import os
import stat

import pytest
from apphelpers import dialog, make_app, wait_until
from test_paths import SAID, kinds, specials

from core.checkpoint import save_checkpoint
from core.config import Config
from core.ghosts import Ghost
from core.trainer import Trainer
from tui.cli.main import main
from tui.ui.fields import FIELDS

LONG = "a" * 300 + ".csv"
OUTPUTS = ["--save", "--history"]
INPUTS = ["--data", "--val-data", "--config", "--resume"]


def run(capsys, *args: str) -> tuple[int, list[str]]:
    try:
        code = main(["train", "--epochs", "100000", "--quiet", *args])  # minutes, if trained
    except SystemExit as e:  # argparse's refusals
        code = e.code
    return code, capsys.readouterr().err.strip().splitlines()


def given_with(flag: str, path: str, tmp_path) -> list[str]:
    """``flag path``, with what the flag needs beside it (--val-data needs --data)."""
    if flag == "--val-data":
        data = tmp_path / "train.csv"
        data.write_text("a,y\n" + "".join(f"{i},{i % 2}\n" for i in range(20)))
        return ["--data", str(data), flag, path]
    return [flag, path]


@pytest.mark.parametrize("flag", INPUTS + OUTPUTS)
@pytest.mark.parametrize("text", [LONG, "~nosuchuser/x.csv", "d/" * 2100 + "x", "loop1"])
def test_a_path_the_file_system_refuses_is_one_line(tmp_path, monkeypatch, capsys, flag, text):
    monkeypatch.chdir(tmp_path)
    specials(tmp_path)
    code, lines = run(capsys, *given_with(flag, text, tmp_path))
    assert code == 2 and len(lines) == 1, lines
    assert flag in lines[0] and len(lines[0]) < 250
    assert not any(p.suffix == ".npz" and p.is_file() for p in tmp_path.iterdir())


@pytest.mark.parametrize("flag", INPUTS + OUTPUTS)
@pytest.mark.parametrize("name", ["pipe", "folder", "socket", "device"])
def test_a_special_file_is_said_for_what_it_is(tmp_path, monkeypatch, capsys, flag, name):
    made = specials(tmp_path)
    if name not in made:
        pytest.skip("a device node needs root")
    before = kinds(made)
    code, lines = run(capsys, *given_with(flag, str(made[name]), tmp_path))
    assert code == 2 and len(lines) == 1, lines
    assert SAID[name] in lines[0]
    assert kinds(made) == before


def test_the_ghosts_files_beside_the_history_are_checked_before_training(tmp_path, capsys):
    t = Trainer(Config(dataset="xor", n_samples=40, hidden=(2,)))
    t.train(2)
    t.ghosts = [Ghost.of(t)]  # as g keeps it in the app
    save_checkpoint(t, tmp_path / "run.npz")
    os.mkfifo(tmp_path / "h.ghost1.csv")
    code, lines = run(
        capsys, "--resume", str(tmp_path / "run.npz"), "--history", str(tmp_path / "h.csv")
    )
    assert code == 2 and len(lines) == 1
    assert "h.ghost1.csv is a named pipe, not a regular file" in lines[0]
    assert not (tmp_path / "h.csv").exists()  # refused before anything was written
    assert stat.S_ISFIFO(os.lstat(tmp_path / "h.ghost1.csv").st_mode)


def test_a_history_folder_is_one_clear_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dir.csv").mkdir()
    code, lines = run(capsys, "--history", "dir.csv")
    assert code == 2
    assert lines == ["backprop-tui: --history: dir.csv is a folder: give a file's name"]


def test_serve_folders_that_the_file_system_refuses_are_one_line(capsys):
    for text in (LONG, "~nosuchuser/x"):
        with pytest.raises(SystemExit) as e:
            main(["serve", "--data-dir", text])
        assert e.value.code == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and "--data-dir" in lines[0] and len(lines[0]) < 250


# --- the app ------------------------------------------------------------------------------


async def refused_in(pilot, keys: tuple[str, ...], text: str) -> str:
    """Open the prompt ``keys`` open, give ``text``: the message beside the field (the
    dialog stays open), then Esc."""
    from tui.ui.widgets.prompt_dialog import PromptDialog

    await dialog(pilot, *keys)
    pilot.app.screen.query_one("#dialog-input").value = text
    await pilot.press("enter")
    await pilot.pause(0.05)
    assert isinstance(pilot.app.screen, PromptDialog), f"{text!r} was taken"
    error = str(pilot.app.screen.query_one("#dialog-error").render())
    await pilot.press("escape")
    assert await wait_until(pilot, lambda: not isinstance(pilot.app.screen, PromptDialog))
    return error


async def test_the_app_says_beside_the_field_what_each_hostile_path_is(tmp_path, monkeypatch):
    """The data field, o and s each with what failed there before (every shape of path
    through the same functions: test_paths.py)."""
    monkeypatch.chdir(tmp_path)
    made = specials(tmp_path)
    before = kinds(made)
    output = made.get("device", made["pipe"])
    cases = [
        (("enter",), LONG, "a name of 304 bytes"),  # the data field (the cursor is on it)
        (("enter",), "~nosuchuser/x.csv", "there is no user 'nosuchuser'"),
        (("enter",), str(made["pipe"]), SAID["pipe"]),
        (("o",), str(made["folder"]), SAID["folder"]),
        (("o",), str(made["loop"]), SAID["loop"]),
        (("o",), str(made["pipe"]), SAID["pipe"]),
        (("s",), str(output), SAID["device" if "device" in made else "pipe"]),
    ]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one("#controls").focus()
        app.query_one("#controls").cursor = [f.name for f in FIELDS].index("source")
        for keys, text, said in cases:
            assert said in await refused_in(pilot, keys, text)
        assert app.return_code is None  # alive, and the run as it was
        assert app.snapshot.dataset_name == "circle" and app.snapshot.epoch == 0
    assert kinds(made) == before
