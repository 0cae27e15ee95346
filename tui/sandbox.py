"""The files a served session may touch: its own folder, and the teacher's data, read only.

``backprop-tui serve`` gives each browser session a folder of its own. Every path typed in
the browser (save, open, a CSV file in the controls) goes through the sandbox installed in
that session's process: a relative name is taken inside the session's folder (to read,
also inside the teacher's ``--data-dir``), and any path, once resolved (``..`` and
symbolic links followed, as the file system will follow them), must lie inside one of
them. Reading also allows the single files the teacher named in the served flags
(``--data``, ``--val-data``), by their path or their name alone. Outside a served session
no sandbox is installed and paths are the user's own.

Nothing here imports Textual.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Sandbox:
    """``folder``: the session's own (read and write); ``data``: the teacher's (read only);
    ``offered``: single files the teacher named (read only). Folders are kept resolved."""

    folder: Path
    data: Path | None = None
    offered: frozenset[Path] = field(default_factory=frozenset)

    @classmethod
    def of(cls, folder: Path | str, data: Path | str | None = None, offered: Iterable = ()):
        return cls(
            Path(folder).resolve(),
            Path(data).resolve() if data is not None else None,
            frozenset(Path(p).resolve() for p in offered if p is not None),
        )

    def where(self, lasting: str = "") -> str:
        """What the app says at start: where files go (``lasting``: for how long) and what
        can be read."""
        text = f"Files you save or open are in this session's folder, {self.folder}"
        text += f" ({lasting})" if lasting else ""
        if self.data is not None:
            text += f"; data files (CSV, checkpoints) can be opened from {self.data}"
        return text + ". No other file can be read or written from this page."

    def to_write(self, text: str) -> Path:
        """The resolved path to write ``text`` to, inside the session's folder; ValueError
        saying why not (outside it, a folder, a missing subfolder)."""
        path = self._inside(text, [self.folder], "saved in")
        if path.is_dir():
            raise ValueError(f"{text.strip()} is a folder: give a file name")
        if not path.parent.is_dir():
            raise ValueError(f"folder {path.parent} does not exist in {self.folder}")
        return path

    def to_read(self, text: str) -> Path:
        """The resolved path of an existing file to read: in the session's folder, the
        teacher's data folder (a relative name is looked for in both, in that order), or
        one of the files offered; ValueError saying why not."""
        roots = [self.folder, *([self.data] if self.data is not None else [])]
        name = _plain(text)
        if not Path(name).is_absolute():
            for root in roots:  # the first folder that has it
                candidate = (root / name).resolve()
                if _within(candidate, root) and candidate.is_file():
                    return candidate
        path = _resolved(name, self.folder)
        offered = [p for p in self.offered if p == path or Path(name) == Path(p.name)]
        if offered and offered[0].is_file():  # by its path, or by its name alone
            return offered[0]
        path = self._inside(text, roots, "opened from")
        if not path.is_file():
            where = " or ".join(str(r) for r in roots)
            raise ValueError(f"no such file: {text.strip()} (looked in {where})")
        return path

    def _inside(self, text: str, roots: list[Path], verb: str) -> Path:
        path = _resolved(_plain(text), roots[0])
        if not any(_within(path, root) for root in roots):
            where = " or ".join(str(r) for r in roots)
            raise ValueError(
                f"{text.strip()} is outside this session's files: they are {verb} {where} "
                "(give a name there, like run.npz)"
            )
        return path


def _plain(text: str) -> str:
    name = text.strip()
    if not name:
        raise ValueError("give a file name")
    if "\0" in name:
        raise ValueError("a file name cannot hold a NUL character")
    return name


def _resolved(name: str, base: Path) -> Path:
    """``name`` relative to ``base`` (an absolute name stands), with ``..`` and every
    symbolic link followed: where the file system would go. ``~`` is not expanded."""
    try:
        return (base / name).resolve()
    except (OSError, RuntimeError) as e:  # a symlink loop
        raise ValueError(f"{name} cannot be resolved: {e}") from None


def _within(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)


_active: Sandbox | None = None


def install(sandbox: Sandbox | None) -> None:
    """From now on (in this process) typed paths go through ``sandbox`` (None: no limits)."""
    global _active
    _active = sandbox


def active() -> Sandbox | None:
    """The sandbox of this served session, or None (a terminal: the user's own files)."""
    return _active
