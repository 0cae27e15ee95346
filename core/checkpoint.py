"""Checkpoints: a whole training run in one .npz file, without pickle.

The file holds the weights, the optimiser's state, the config, both histories, the
shuffling RNG's state, the position in the current epoch and the data itself (so a resumed
run sees exactly the same numbers). Loading and continuing gives bit for bit what not
stopping would have given. Loading checks before it uses: the members' names and their
array headers (shape, dtype) before any array is read, then every value
(core/state_check.py) before the trainer is built. Writes are atomic: a temporary file
in the same folder, flushed to disk, then renamed over the old one, so an interrupted save
leaves the old file as it was; the next save removes the temporary files that killed saves
left.
"""

from __future__ import annotations

import glob
import json
import lzma
import math
import os
import stat
import tempfile
import time
import zipfile
import zlib
from pathlib import Path
from typing import IO

import numpy as np

try:
    import fcntl
except ImportError:  # not on POSIX: no locks; litter is then told by its age alone
    fcntl = None

from .config import ConfigError
from .paths import FILE, kind, not_regular
from .state_check import ARRAYS, StateError
from .trainer import Trainer
from .trainer_state import state_of, trainer_from_state

FORMAT = "backprop-tui checkpoint"
VERSION = 1
LITTER_SECONDS = 1.0  # a temporary file younger than this may be a save that is starting
UNLOCKED_LITTER_SECONDS = 3600.0  # the same without locks (not on POSIX)
MEMBERS = frozenset(("meta", *ARRAYS))  # the .npy members a checkpoint may hold
# what reading a damaged zip or .npy member raises
UNREADABLE = (
    zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, lzma.LZMAError, EOFError,
    NotImplementedError, RuntimeError, ValueError, OSError,
)  # fmt: skip


class CheckpointError(ValueError):
    """A file that is not a checkpoint this version can read."""


def checkpoint_arrays(trainer: Trainer) -> dict[str, np.ndarray]:
    """Everything of a trainer as named arrays, the metadata as one JSON string."""
    state = state_of(trainer)
    meta = {"format": FORMAT, "version": VERSION, **state.pop("meta")}
    return {"meta": np.array(json.dumps(meta)), **state}


def save_checkpoint(trainer: Trainer, path: str | Path) -> Path:
    """Write the trainer to ``path`` atomically (temporary file, fsync, rename).

    The temporary file is locked while it is written, so a later save can tell the litter
    of a killed save (unlocked) from a save in progress and remove it. OSError, before
    anything is written, if ``path`` is a named pipe, a device or a folder: the rename
    would replace it (/dev/null, when run as root).
    """
    path = Path(path)
    folder = path.parent
    try:
        what = kind(path)
    except ValueError:
        what = None  # the file system's refusal: the save below says it
    if what not in (None, FILE):
        raise OSError(f"{not_regular(path, what)}: it is not replaced by a checkpoint")
    # Mid-step is fine: the weights change only in the update phase, so the file holds the
    # state at the start of the current step, and a resumed run starts that step again.
    arrays = checkpoint_arrays(trainer)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as e:  # name the file asked for, not the temporary one
        raise OSError(e.errno, f"cannot write {path}: {e.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            if fcntl is not None:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX)
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
            if fcntl is not None:  # renamed while still locked: never seen unlocked by name
                os.replace(tmp, path)
        if fcntl is None:  # (where an open file cannot be renamed)
            os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass
    remove_litter(folder, glob.escape(path.name))
    return path


def remove_litter(folder: str | Path, names: str = "*") -> int:
    """Delete the temporary files that killed saves of ``names`` (a glob) left in ``folder``.

    Only our own pattern (``.NAME.xxxxxxxx.tmp``, as ``save_checkpoint`` makes them), and only
    unlocked ones: a save in progress holds its lock. Returns how many were deleted.
    """
    removed = 0
    for tmp in Path(folder).glob(f".{names}.{'?' * 8}.tmp"):
        try:
            fd = os.open(tmp, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue  # gone already (renamed by its save), or not ours to open
        try:
            age = LITTER_SECONDS
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            else:
                age = UNLOCKED_LITTER_SECONDS
            # a save that made its file this very moment may not hold its lock yet
            if time.time() - os.fstat(fd).st_mtime > age:
                tmp.unlink()
                removed += 1
        except OSError:
            pass  # locked: a save in progress
        finally:
            os.close(fd)
    return removed


def _header(f: IO[bytes]) -> tuple[tuple[int, ...], np.dtype]:
    """(shape, dtype) from the start of a .npy stream; ValueError if it is not one."""
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(f)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(f)
    else:
        raise ValueError(f"a .npy version {version} member")
    return shape, dtype


def _members(zf: zipfile.ZipFile, path: Path, size: int) -> dict[str, zipfile.ZipInfo]:
    """The checkpoint's members by name, checked from the zip directory and their array
    headers alone: only the names the format defines, each once, stored uncompressed (as
    ``np.savez`` writes them) within the file's ``size`` bytes, no Python objects, and no
    array larger than its member. So reading them takes no more memory than the file's size.
    """
    members: dict[str, zipfile.ZipInfo] = {}
    for info in zf.infolist():
        name = info.filename.removesuffix(".npy")
        damaged = f"{path} is damaged: {info.filename!r}"
        if name not in MEMBERS or not info.filename.endswith(".npy"):
            raise CheckpointError(f"{damaged} is no part of a checkpoint")
        if name in members:
            raise CheckpointError(f"{damaged} is there twice")
        if info.compress_type != zipfile.ZIP_STORED or info.file_size != info.compress_size:
            raise CheckpointError(f"{damaged} is compressed: a checkpoint's arrays are stored")
        if info.header_offset + info.compress_size > size:
            raise CheckpointError(f"{damaged} ends beyond the end of the file")
        with zf.open(info) as f:
            shape, dtype = _header(f)
        if dtype.hasobject:
            raise CheckpointError(f"{damaged} holds Python objects, which are never loaded")
        if math.prod(shape) * dtype.itemsize > info.file_size:
            raise CheckpointError(f"{damaged} declares an array of {shape}, more than it holds")
        members[name] = info
    return members


def _read(path: Path) -> dict[str, np.ndarray]:
    """Every member, after the headers of all of them passed ``_members``."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise CheckpointError(f"{path} is not a regular file, so not a checkpoint")
        with zipfile.ZipFile(path) as zf:
            members = _members(zf, path, info.st_size)
            arrays = {}
            for name, info in members.items():
                with zf.open(info) as f:
                    arrays[name] = np.lib.format.read_array(f, allow_pickle=False)
            return arrays
    except CheckpointError:
        raise
    except FileNotFoundError:
        raise CheckpointError(f"no such checkpoint: {path}") from None
    except UNREADABLE:
        raise CheckpointError(
            f"{path} is not a backprop-tui checkpoint or is damaged; "
            "choose another file or start a new run"
        ) from None


def _metadata(arrays: dict[str, np.ndarray], path: Path) -> dict:
    """The JSON metadata as a dict, of this format and version."""
    text = arrays.get("meta")
    if text is None or text.dtype.kind != "U" or text.ndim != 0:
        raise CheckpointError(f"{path} is not a backprop-tui checkpoint (it has no metadata)")
    try:
        meta = json.loads(str(text))
    except (ValueError, RecursionError):
        raise CheckpointError(f"{path} is damaged: its metadata is not JSON") from None
    if not isinstance(meta, dict):
        raise CheckpointError(
            f"{path} is damaged: its metadata is {_short(meta)}, not a JSON object"
        )
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a backprop-tui checkpoint")
    if meta.get("version") != VERSION:
        raise CheckpointError(
            f"{path} is a checkpoint of format version {_short(meta.get('version'))}; "
            f"this backprop-tui reads version {VERSION}"
        )
    return meta


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 20 else text[:17] + "..."


def load_checkpoint(path: str | Path) -> Trainer:
    """A Trainer exactly where the checkpoint left it. CheckpointError if it cannot be read:
    the arrays' headers are checked before any array is read, and every value before the
    trainer is built."""
    path = Path(path)
    arrays = _read(path)
    meta = _metadata(arrays, path)
    try:
        return trainer_from_state({**arrays, "meta": meta})
    except StateError as e:
        raise CheckpointError(f"{path} is damaged: {e}") from None
    except ConfigError as e:  # a run too large for this machine's budget
        raise CheckpointError(f"{path}: {e}") from None
