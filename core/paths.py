"""A path a person typed, checked before it is used: what is there, said in words.

Every typed path (the app's prompts and data field, ``--data``, ``--save``, ``--history``
...) goes through ``to_read`` or ``to_write``, so that what the file system refuses to
look at (a name too long, ``~nosuchuser``, a loop of symbolic links) is a ValueError
naming the path, never an OSError or RuntimeError from deep inside, and an output never
replaces what is not a regular file (a named pipe, a device such as /dev/null). Messages
quote at most SHOWN characters of a path.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

NAME_MAX = 255  # bytes in one name of a path (Linux, macOS and most file systems)
SHOWN = 100  # characters of a path quoted whole in a message (a longer one: its ends)

FILE, FOLDER = "a file", "a folder"  # what ``kind`` says of the two usual things
_SAID = {  # what the file system's refusals mean, for a person
    errno.ENAMETOOLONG: "the name is too long for the file system",
    errno.ELOOP: "a loop of symbolic links",
    errno.EACCES: "permission denied",
    errno.ENOTDIR: "a part of the path before the name is not a folder",
}


def shown(path: str | Path) -> str:
    """The path as a message quotes it, on one line: whole up to SHOWN characters, else
    its start, its end and how long it is; a character that does not print (a newline)
    as its escape."""
    text = str(path)
    cut = text
    if len(text) > SHOWN:
        cut = f"{text[: SHOWN // 2]}…{text[-SHOWN // 4 :]} ({len(text):,} characters)"
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in cut)


def refusal(path: str | Path, e: OSError) -> str:
    """'PATH: a loop of symbolic links': the file system's refusal, said for a person."""
    return f"{shown(path)}: {_SAID.get(e.errno, e.strerror or str(e))}"


def expand(text: str) -> Path:
    """The path ``text`` names: stripped, ``~`` and ``~user`` expanded. ValueError for an
    empty text, a NUL character, an unknown user, a name longer than NAME_MAX bytes."""
    text = text.strip()
    if not text:
        raise ValueError("give a file's path, not an empty text")
    if "\0" in text:
        raise ValueError("a path cannot hold a NUL character")
    path = Path(text)
    if text.startswith("~"):
        try:
            path = path.expanduser()
        except RuntimeError:  # pathlib: no such user, or no home folder
            user = path.parts[0][1:]
            who = f"there is no user {user!r}" if user else "there is no home folder"
            raise ValueError(f"{shown(text)}: {who} (~ names a home folder)") from None
    for name in path.parts:
        try:
            size = len(os.fsencode(name))
        except UnicodeError:
            raise ValueError(f"{shown(text)}: not a name this system can store") from None
        if size > NAME_MAX:
            raise ValueError(f"{shown(text)}: a name of {size:,} bytes (at most {NAME_MAX})")
    return path


def kind(path: Path) -> str | None:
    """What is at ``path`` (symbolic links followed): FILE, FOLDER, "a named pipe", "a
    device", "a socket"; None when nothing is. ValueError when the file system refuses to
    look (a loop of links, no permission, a name too long)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    except OSError as e:
        raise ValueError(refusal(path, e)) from None
    if stat.S_ISREG(mode):
        return FILE
    if stat.S_ISDIR(mode):
        return FOLDER
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a socket" if stat.S_ISSOCK(mode) else "a special file"


def not_regular(path: Path, what: str) -> str:
    """'PATH is a named pipe, not a regular file' (``what``: what ``kind`` said)."""
    return f"{shown(path)} is {what}, not a regular file"


def to_read(text: str, noun: str = "file") -> Path:
    """An existing regular file's path (``text`` as typed); ValueError saying what is there
    instead: 'no such NOUN', a folder, a named pipe, a device ..."""
    path = expand(text)
    what = kind(path)
    if what is None:
        raise ValueError(f"no such {noun}: {shown(path)}")
    if what != FILE:
        raise ValueError(not_regular(path, what))
    return path


def to_write(text: str) -> Path:
    """A path a file can be written to: nothing there yet or a regular file that may be
    written (never a named pipe or a device: writing would replace or feed it), in a
    folder that exists and can be written (tried with a temporary file); ValueError saying
    why not."""
    path = expand(text)
    what = kind(path)
    if what == FOLDER or text.rstrip().endswith(os.sep):
        raise ValueError(f"{shown(path)} is a folder: give a file's name")
    if what not in (None, FILE):
        raise ValueError(f"{not_regular(path, what)}: nothing is written there; give a file's name")
    if what == FILE and not os.access(path, os.W_OK):
        raise ValueError(f"{shown(path)} is read-only: give another name, or make it writable")
    folder = path.parent
    if kind(folder) is None:
        raise ValueError(f"there is no folder {shown(folder)}")
    if kind(folder) != FOLDER:
        raise ValueError(f"{shown(folder)} is not a folder")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as e:
        raise ValueError(f"{shown(folder)} cannot be written ({e.strerror or e})") from None
    return path
