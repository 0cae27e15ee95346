"""Typed paths meet the file system through core.paths: whatever the text, a ValueError that
says what is there (or why the file system will not look), never an OSError or a
RuntimeError; and nothing but a regular file is ever written over."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import paths
from core.checkpoint import save_checkpoint
from core.config import Config
from core.trainer import Trainer
from tui.ui.fields import path_to_read, path_to_write, read_source


def specials(folder: Path) -> dict[str, Path]:
    """A named pipe, a socket, a loop of symbolic links, a folder, and (as root) a device
    node like /dev/null: ``mknod NAME c 1 3``."""
    made = {"pipe": folder / "pipe.npz", "folder": folder / "dir.csv"}
    os.mkfifo(made["pipe"])
    made["folder"].mkdir()
    (folder / "loop1").symlink_to("loop2")
    (folder / "loop2").symlink_to("loop1")
    made["loop"] = folder / "loop1"
    made["socket"] = folder / "s.sock"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(made["socket"]))
    sock.close()
    if os.geteuid() == 0:
        made["device"] = folder / "mynull"
        os.mknod(made["device"], stat.S_IFCHR | 0o666, os.makedev(1, 3))
    return made


SAID = {
    "pipe": "is a named pipe, not a regular file",
    "folder": "is a folder",
    "loop": "a loop of symbolic links",
    "socket": "is a socket, not a regular file",
    "device": "is a device, not a regular file",
}


def kinds(made: dict[str, Path]) -> dict[str, int]:
    return {name: os.lstat(p).st_mode for name, p in made.items()}


def test_each_special_file_is_named_for_what_it_is_and_never_written_over(tmp_path):
    made = specials(tmp_path)
    before = kinds(made)
    trainer = Trainer(Config(dataset="xor", n_samples=20, hidden=(2,)))
    for name, path in made.items():
        with pytest.raises(ValueError, match=SAID[name]):
            paths.to_read(str(path))
        with pytest.raises(ValueError, match=SAID[name]):
            paths.to_write(str(path))
        if name != "loop":  # (a loop: the rename would replace the link, not a file)
            with pytest.raises(OSError, match=SAID[name]):
                save_checkpoint(trainer, path)  # the last guard, for every save
    assert kinds(made) == before  # nothing replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["pipe.npz", "dir.csv", "loop1", "loop2", "s.sock", *(["mynull"] * ("device" in made))]
    )  # and nothing left behind (no temporary file)


def test_a_link_to_a_device_is_refused_as_the_device(tmp_path):
    link = tmp_path / "out.npz"
    link.symlink_to("/dev/null")
    with pytest.raises(ValueError, match="is a device"):
        paths.to_write(str(link))
    assert link.is_symlink()


@pytest.mark.parametrize(
    "text,said",
    [
        ("a" * 256 + ".csv", "a name of 260 bytes"),
        ("é" * 130, "a name of 260 bytes"),  # 2 bytes a letter
        ("d/" * 2100 + "x.csv", "too long for the file system"),  # a path over 4,096 bytes
        ("~nosuchuser/x.csv", "there is no user 'nosuchuser'"),
        ("", "give a file's path"),
        ("   ", "give a file's path"),
        ("a\0b", "cannot hold a NUL"),
        ("\ud800.csv", "not a name this system can store"),
        ("no/such/folder/x.csv", "no such file"),
    ],
)
def test_what_the_file_system_refuses_is_said_in_one_short_line(tmp_path, monkeypatch, text, said):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=said) as e:
        paths.to_read(text)
    message = str(e.value)
    assert "\n" not in message and len(message) < 250


def test_writing_needs_a_folder_that_is_there_and_can_be_written(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="there is no folder"):
        paths.to_write(str(tmp_path / "gone" / "x.npz"))
    with pytest.raises(ValueError, match="not a folder"):
        paths.to_write(str(tmp_path / "file" / "x.npz"))
    assert paths.to_write(f"  {tmp_path / 'new.npz'}  ") == tmp_path / "new.npz"
    assert paths.to_write(str(tmp_path / "file")) == tmp_path / "file"  # a file: replaced
    with pytest.raises(ValueError, match="is a folder"):
        paths.to_write(f"{tmp_path}/new/")  # a folder's name, not there yet
    if os.geteuid() != 0:  # (root writes anywhere)
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(ValueError, match="cannot be written"):
            paths.to_write(str(locked / "x.npz"))
        (tmp_path / "file").chmod(0o400)
        with pytest.raises(ValueError, match="is read-only"):
            paths.to_write(str(tmp_path / "file"))


def test_home_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "d.csv").write_text("a,y\n1,0\n")
    assert paths.to_read("~/d.csv") == tmp_path / "d.csv"


# every shape of typed path the app's prompts and the data field may be given
PARTS = st.sampled_from(
    ["a", "é", "~", "~nosuchuser", "..", ".", "", " ", "dir.csv", "pipe.npz", "loop1",
     "s.sock", "mynull", "x" * 300, "[/]", "\\", "*", "\n", "\0", "\ud800"]
)  # fmt: skip
SHAPES = st.lists(PARTS, min_size=1, max_size=6).map("/".join) | st.text(max_size=300)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=SHAPES, absolute=st.booleans())
def test_any_typed_path_is_a_value_error_at_worst(tmp_path_factory, text, absolute):
    folder = tmp_path_factory.mktemp("typed")
    made = specials(folder)
    before = kinds(made)
    old = os.getcwd()
    os.chdir(folder)
    try:
        typed = f"{folder}/{text}" if absolute else text
        for check in (paths.to_read, paths.to_write, read_source, path_to_read, path_to_write):
            try:
                check(typed)
            except ValueError as e:
                assert "\n" not in str(e) and len(str(e)) < 400
    finally:
        os.chdir(old)
    assert kinds(made) == before
