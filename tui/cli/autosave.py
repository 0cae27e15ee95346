"""Where the app's runs are saved: one autosave file per run, never shared, a few kept.

Each run (each start of the app) writes its own file, ``autosave-YYYYMMDD-HHMMSS-PID.npz``,
in ``$XDG_STATE_HOME/backprop-tui`` (``~/.local/state/backprop-tui`` by default); no run
overwrites another's. The file is written when the run starts and again when it ends (q, a
signal, a closed terminal). ``--resume`` continues the most recently saved one whose app
has ended. When a run starts, the folder is pruned by value (``prune``): KEEP autosaves
stay, the KEEP_LONGEST that trained longest first, then the most recent ones that trained,
then the most recent untrained ones, so an untrained run never displaces a trained one;
never pruned are this run's own, the one it resumes and those of apps still running. The
app says on screen what it removed. When that folder cannot be written, the autosaves go
to a folder of the user's own in the temporary directory, and the app says so at start.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core import paths
from core.checkpoint import remove_litter

KEEP = 6  # autosaves kept by prune (besides this run's, the resumed one, running apps')
KEEP_LONGEST = 3  # of them, those that trained longest (most epochs, then most steps)
PATTERN = "autosave*.npz"  # also the single autosave.npz of earlier versions
_OWN_NAME = re.compile(r"autosave-\d{8}-\d{6}-(\d+)\.npz")  # see new_path


def state_folder() -> Path:
    """$XDG_STATE_HOME/backprop-tui, or ~/.local/state/backprop-tui (RuntimeError: no home)."""
    base = os.environ.get("XDG_STATE_HOME", "")
    if not os.path.isabs(base):  # unset, empty or relative: the spec says to ignore it
        home = os.environ.get("HOME") or str(Path.home())
        base = os.path.join(home, ".local", "state")
    return Path(base) / "backprop-tui"


def fallback_folder() -> Path:
    """A folder of this user's own in the temporary directory."""
    return Path(tempfile.gettempdir()) / f"backprop-tui-{os.getuid()}"


def _writable(folder: Path, private: bool = False) -> None:
    """Create ``folder`` if need be and check that a file can be written there (OSError if
    not). ``private``: the folder must be this user's alone (one in a shared /tmp)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if private:
        st = folder.lstat()
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
            raise PermissionError(f"{folder} is not a folder of this user's own")
    with tempfile.TemporaryFile(dir=folder):
        pass


@dataclass(frozen=True)
class Folder:
    """Where this run's autosave goes (None: nowhere) and what to tell the user about it."""

    path: Path | None
    warning: str = ""


def open_folder() -> Folder:
    """The autosave folder, checked by writing to it; the fallback when it cannot be used."""
    try:
        preferred = state_folder()
    except RuntimeError:
        problem = "there is no home folder (HOME is not set)"
    else:
        try:
            _writable(preferred)
            return Folder(preferred)
        except OSError as e:
            problem = f"{preferred} cannot be written ({_why(e)})"
    fallback = fallback_folder()
    try:
        _writable(fallback, private=True)
    except OSError as e:
        return Folder(
            None,
            f"no autosave: {problem}, nor {fallback} ({_why(e)}); save the run with s",
        )
    return Folder(fallback, f"{problem}: autosaves go to {fallback}")


def _why(e: BaseException) -> str:
    return e.strerror if isinstance(e, OSError) and e.strerror else str(e)


def new_path(folder: Path) -> Path:
    """This run's own file: the start time and the process id make it unique."""
    return folder / f"autosave-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.npz"


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return float("-inf")


def in_use(path: Path) -> bool:
    """Whether the app that owns this autosave (its process id is in the name) still runs:
    until it ends, its file holds the run as it started."""
    match = _OWN_NAME.fullmatch(path.name)
    if match is None:
        return False
    pid = int(match.group(1))
    if pid == os.getpid():
        return True
    if os.path.exists("/proc/self/cmdline"):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return False
        return b"backprop-tui" in command or b"tui.cli" in command
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def autosaves() -> list[Path]:
    """Every autosave, the most recently saved first (the usual folder and the fallback)."""
    found: set[Path] = set()
    for folder in folders():
        try:
            found.update(p for p in folder.glob(PATTERN) if p.is_file())
        except OSError:
            continue
    return sorted(found, key=_mtime, reverse=True)


def folders() -> list[Path]:
    """Where autosaves may be: the usual folder, then the fallback."""
    folders = [fallback_folder()]
    try:
        folders.insert(0, state_folder())
    except RuntimeError:
        pass
    return folders


def describe(path: Path) -> str:
    """'epoch 1,234, spiral, hidden 8,8, saved 2026-11-12 10:15' (reads the metadata only)."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            meta = json.loads(str(npz["meta"]))
        hidden = ",".join(str(h) for h in meta["config"]["hidden"]) or "none"
        what = f"epoch {meta['epoch']:,}, {meta['train']['name']}, hidden {hidden}"
    except Exception:  # damaged or not ours: still listed, it is the user's file
        what = "not readable"
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(_mtime(path)))
    return f"{what}, saved {when}"


def resume_listing(chosen: Path, others: list[Path]) -> str:
    """What ``--resume`` prints when there is more than one autosave."""
    lines = [f"continuing {chosen} ({describe(chosen)})", "other autosaves (--resume FILE):"]
    for p in others:
        running = "; its app is running, the file is its start" if in_use(p) else ""
        lines.append(f"  {p}  ({describe(p)}{running})")
    return "\n".join(lines)


def trained(path: Path) -> tuple[int, int] | None:
    """How long the autosave's run trained: (epochs, steps) from its metadata; None if it
    cannot be read."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            meta = json.loads(str(npz["meta"]))
        return int(meta["epoch"]), int(meta["steps"])
    except Exception:  # damaged or not ours
        return None


def worth_keeping(saves: list[Path], keep: int = KEEP) -> list[Path]:
    """The ``keep`` autosaves worth keeping, best first: the KEEP_LONGEST that trained
    longest, then the other trained ones from the most recent, then the untrained (or
    unreadable) ones from the most recent. An untrained run, which its flags recreate,
    is thus never kept in place of a trained one."""
    newest = sorted(saves, key=_mtime, reverse=True)
    value = {p: trained(p) or (0, 0) for p in newest}
    ran = [p for p in newest if value[p] > (0, 0)]
    longest = sorted(ran, key=value.__getitem__, reverse=True)[:KEEP_LONGEST]  # stable
    rest = [p for p in ran if p not in longest] + [p for p in newest if value[p] == (0, 0)]
    return (longest + rest)[:keep]


def prune(
    folder: Path, spare: tuple[Path, ...] = (), keep: int = KEEP
) -> dict[Path, tuple[int, int] | None]:
    """Delete the autosaves in ``folder`` beyond the ``keep`` worth keeping
    (``worth_keeping``), never those in ``spare`` (this run's and the one it resumed) nor
    those of running apps, nor anything but regular files; and the litter of killed saves.
    Returns the deleted ones, each with how long it trained (``trained``)."""
    remove_litter(folder, "autosave*.npz")
    spared = {os.path.realpath(p) for p in spare}
    ended = []
    for path in folder.glob(PATTERN):
        try:
            regular = paths.kind(path) == paths.FILE  # (a loop of links: ValueError)
        except ValueError:
            continue
        if regular and os.path.realpath(path) not in spared and not in_use(path):
            ended.append(path)
    kept = set(worth_keeping(ended, keep))
    gone = {}
    for path in sorted(set(ended) - kept, key=_mtime):
        value = trained(path)  # read before it goes: said on screen
        try:
            path.unlink()
        except OSError:
            continue
        gone[path] = value
    return gone


def pruned_notice(gone: dict[Path, tuple[int, int] | None]) -> str:
    """What the app says on screen about the autosaves ``prune`` deleted: each one's epoch,
    or for more than four how many had trained."""
    if len(gone) <= 4:
        runs = ", ".join("unreadable" if v is None else f"epoch {v[0]:,}" for v in gone.values())
    else:
        ran = sum(v is not None and v > (0, 0) for v in gone.values())
        runs = f"{ran} trained, {len(gone) - ran} untrained or unreadable"
    s = "s" if len(gone) > 1 else ""
    return (
        f"Removed {len(gone)} older autosave{s} ({runs}): the {KEEP} kept are the "
        f"{KEEP_LONGEST} longest runs, then the most recent"
    )
