"""The folders of a class's runs (``backprop-tui serve``), named by student and lesson.

Without ``--sessions-dir`` they are temporary, inside one folder of the server's own in
the temporary directory (``backprop-tui-class-*``), locked while the server runs and
removed when it stops; one left by a server that was killed (its lock gone with it) is
removed when the next server starts. With ``--sessions-dir`` they are kept, each marked
with its student's id: a student who comes back another day gets their folder again.
"""

from __future__ import annotations

import fcntl
import logging
import re
import shutil
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger("backprop-tui serve")
CLASS_PREFIX = "backprop-tui-class-"  # the temporary folder of a server's sessions
OWNER = ".student"  # in each run's folder: its student's id


def slug(text: str, default: str) -> str:
    """A folder name's piece: lower-case letters, digits and dashes."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:24] or default


def sweep_stale(temp: Path) -> list[Path]:
    """Remove the temporary folders of servers that died without doing it (killed): a
    live server holds a lock on its folder's .lock file. Returns those removed."""
    removed = []
    for folder in temp.glob(CLASS_PREFIX + "*"):
        lock = folder / ".lock"
        try:
            with lock.open("a") as f:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)  # its server is gone
        except FileNotFoundError:  # a server that has just made it and not yet locked it
            if time.time() - folder.stat().st_mtime < 60:
                continue
        except OSError:  # locked: its server runs; or not ours to touch
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


class Folders:
    """Where a class's runs keep their files: ``kept`` (--sessions-dir), or temporary."""

    def __init__(self, kept: Path | None) -> None:
        self.kept = kept
        self._temporary: Path | None = None
        self._lock = None

    def open(self) -> None:
        """Make the server's temporary folder (sweeping those killed servers left)."""
        if self.kept is None and self._temporary is None:
            temp = Path(tempfile.gettempdir())
            for gone in sweep_stale(temp):
                log.info("removed %s, left by a server that was killed", gone)
            self._temporary = Path(tempfile.mkdtemp(prefix=CLASS_PREFIX))
            self._lock = (self._temporary / ".lock").open("w")
            fcntl.flock(self._lock, fcntl.LOCK_EX)

    def close(self) -> None:
        """Remove the temporary folder (every run's has gone with its run)."""
        if self._temporary is not None:
            shutil.rmtree(self._temporary, ignore_errors=True)
            self._lock.close()
            self._temporary = None

    def new(self, student: str, name: str, lesson: str, in_use: Iterable[Path]) -> Path:
        """A run's own folder, ``name-lesson`` (``-2``, ``-3`` ... when taken). A kept one
        of this student's that no run uses is theirs again."""
        self.open()
        parent = self.kept if self.kept is not None else self._temporary
        base = f"{slug(name, 'student')}-{slug(lesson, 'run')}"
        used = set(in_use)
        for n in range(1, 1000):
            folder = parent / (base if n == 1 else f"{base}-{n}")
            owner = folder / OWNER
            try:
                folder.mkdir(mode=0o700)
            except FileExistsError:
                if self.kept is not None and folder not in used and owner.is_file():
                    if owner.read_text() == student:
                        return folder
                continue
            owner.write_text(student)
            return folder
        raise OSError(f"no free folder name for {base} in {parent}")

    @property
    def temporary(self) -> bool:
        return self.kept is None
