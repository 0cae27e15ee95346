"""A served session's files: no path typed in the browser reaches outside its own folder
(and the teacher's data folder, read only): ``..``, absolute paths and symbolic links are
refused with a message that names the folder, in the sandbox and where the app parses
paths (save, open, a CSV file in the controls)."""

import pytest

from tui import sandbox
from tui.sandbox import Sandbox
from tui.ui.fields import path_to_read, path_to_write, read_source

ESCAPES = ["../../etc/passwd", "/etc/passwd", "../outside.npz", "sub/../../outside.npz"]


@pytest.fixture
def rooms(tmp_path):
    """(session folder, teacher's data folder, a file outside both)."""
    own, data = tmp_path / "session", tmp_path / "data"
    own.mkdir()
    data.mkdir()
    (data / "iris.csv").write_text("a,b\n1,2\n")
    (own / "mine.npz").write_bytes(b"x")
    outside = tmp_path / "outside.npz"
    outside.write_bytes(b"secret")
    return own, data, outside


@pytest.fixture
def served(rooms):
    own, data, _ = rooms
    sandbox.install(Sandbox.of(own, data))
    yield Sandbox.of(own, data)
    sandbox.install(None)


@pytest.mark.parametrize("text", ESCAPES)
def test_nothing_is_written_outside_the_session_folder(rooms, text):
    own, data, _ = rooms
    with pytest.raises(ValueError, match="outside this session's files.*saved in"):
        Sandbox.of(own, data).to_write(text)


def test_a_tilde_is_not_the_home_folder(rooms):
    own, data, _ = rooms
    with pytest.raises(ValueError, match=f"folder {own / '~'} does not exist"):
        Sandbox.of(own, data).to_write("~/x.npz")


@pytest.mark.parametrize("text", ESCAPES)
def test_nothing_is_read_outside_the_two_folders(rooms, text):
    own, data, _ = rooms
    with pytest.raises(ValueError, match="outside this session's files"):
        Sandbox.of(own, data).to_read(text)


def test_the_outside_file_by_its_absolute_path_is_refused(rooms):
    own, data, outside = rooms
    box = Sandbox.of(own, data)
    for method in (box.to_read, box.to_write):
        with pytest.raises(ValueError, match=str(own)):  # the message names the folder
            method(str(outside))


def test_a_symlink_in_the_folder_that_leads_out_is_refused(rooms):
    own, data, outside = rooms
    (own / "link.npz").symlink_to(outside)
    (own / "up").symlink_to(outside.parent)
    box = Sandbox.of(own, data)
    for text in ("link.npz", "up/outside.npz", str(own / "link.npz")):
        with pytest.raises(ValueError, match="outside"):
            box.to_read(text)
        with pytest.raises(ValueError, match="outside"):
            box.to_write(text)


def test_the_data_folder_is_read_only(rooms):
    own, data, _ = rooms
    box = Sandbox.of(own, data)
    assert box.to_read("iris.csv") == data / "iris.csv"  # a plain name: found there
    assert box.to_read(str(data / "iris.csv")) == data / "iris.csv"
    with pytest.raises(ValueError, match="outside"):
        box.to_write(str(data / "iris.csv"))


def test_names_are_taken_in_the_session_folder(rooms):
    own, data, _ = rooms
    box = Sandbox.of(own, data)
    assert box.to_write("run.npz") == own / "run.npz"
    assert box.to_write(str(own / "run.npz")) == own / "run.npz"
    assert box.to_read("mine.npz") == own / "mine.npz"
    with pytest.raises(ValueError, match="no such file: gone.npz"):
        box.to_read("gone.npz")
    with pytest.raises(ValueError, match="is a folder"):
        box.to_write(".")
    with pytest.raises(ValueError, match="does not exist"):
        box.to_write("sub/run.npz")
    with pytest.raises(ValueError, match="give a file name"):
        box.to_write("  ")
    with pytest.raises(ValueError, match="NUL"):
        box.to_read("a\0b")


def test_a_file_the_teacher_offered_is_readable_by_path_or_name(rooms):
    own, _, outside = rooms
    box = Sandbox.of(own, None, offered=[outside])
    assert box.to_read(str(outside)) == outside
    assert box.to_read("outside.npz") == outside
    with pytest.raises(ValueError, match="outside"):
        box.to_write(str(outside))
    with pytest.raises(ValueError, match="outside"):
        box.to_read(str(outside.parent / "other.npz"))


def test_the_app_paths_go_through_the_installed_sandbox(served, rooms):
    own, data, outside = rooms
    for text in [*ESCAPES, str(outside)]:
        for parse in (path_to_read, path_to_write):
            with pytest.raises(ValueError, match="outside"):
                parse(text)
    with pytest.raises(ValueError, match="outside"):
        read_source("../../etc/passwd")
    assert path_to_write("run.npz") == str(own / "run.npz")
    assert path_to_read("mine.npz") == str(own / "mine.npz")
    assert read_source("iris.csv")["data"] == str(data / "iris.csv")
    assert read_source("spiral")["dataset"] == "spiral"  # the built-in sets as before


def test_without_a_sandbox_paths_are_the_users_own(tmp_path, rooms):
    _, _, outside = rooms
    assert sandbox.active() is None
    assert path_to_read(str(outside)) == str(outside)
    assert path_to_write(str(tmp_path / "new.npz")) == str(tmp_path / "new.npz")


def test_the_notice_says_where_files_go(rooms):
    own, data, _ = rooms
    text = Sandbox.of(own, data).where()
    assert str(own) in text and str(data) in text


@pytest.mark.parametrize("where", ["served", "terminal"])
def test_names_the_file_system_refuses_are_a_message_not_a_crash(rooms, where, request):
    """A 300-character name (ENAMETOOLONG) and a loop of symbolic links, typed in the save
    and open prompts: each a ValueError the prompt shows, in a served session or not."""
    own, _, _ = rooms
    if where == "served":
        request.getfixturevalue("served")
    (own / "loop").symlink_to(own / "loop")
    for parse in (path_to_read, path_to_write):
        for name in ("a" * 300, str(own / "loop" / "x.npz")):
            with pytest.raises(ValueError):
                parse(name)
