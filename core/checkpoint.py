"""Checkpoints: a whole training run in one .npz file, without pickle.

The file holds the weights, the optimiser's state, the config, both histories, the
shuffling RNG's state, the position in the current epoch and the data itself (so a resumed
run sees exactly the same numbers). Loading and continuing gives bit for bit what not
stopping would have given. Writes are atomic: a temporary file in the same folder,
flushed to disk, then renamed over the old one, so an interrupted save leaves the old
file as it was; the next save removes the temporary files that killed saves left.
"""

from __future__ import annotations

import glob
import json
import os
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

try:
    import fcntl
except ImportError:  # not on POSIX: no locks; litter is then told by its age alone
    fcntl = None

from .config import Config, ConfigError
from .datasets import Dataset, Standardizer
from .history import History
from .trainer import Trainer

FORMAT = "backprop-tui checkpoint"
VERSION = 1
# the metadata's counts (whole numbers >= 0) and numbers, checked on load
COUNTS = ("epoch", "steps", "batch_pos", "init_round", "best_epoch", "seen", "correct")
NUMBERS = ("lr", "loss_sum", "last_loss", "best_loss")
LITTER_SECONDS = 1.0  # a temporary file younger than this may be a save that is starting
UNLOCKED_LITTER_SECONDS = 3600.0  # the same without locks (not on POSIX)


class CheckpointError(ValueError):
    """A file that is not a checkpoint this version can read."""


def _dataset_arrays(prefix: str, ds: Dataset) -> dict[str, np.ndarray]:
    return {f"{prefix}/X": ds.X, f"{prefix}/Y": ds.Y}


def _dataset_meta(ds: Dataset) -> dict:
    return {
        "name": ds.name,
        "task": ds.task,
        "feature_names": list(ds.feature_names),
        "class_names": list(ds.class_names),
        "truth": ds.truth,
    }


def checkpoint_arrays(trainer: Trainer) -> dict[str, np.ndarray]:
    """Everything of a trainer as named arrays, the metadata as one JSON string."""
    t = trainer
    full_batch = t.batches.indices[0] is None
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "config": t.config.to_dict(),
        "epoch": t.epoch,
        "steps": t.steps,
        "batch_pos": t.batches.pos,
        "init_round": t.init_round,
        "lr": t.optimizer.lr,
        "optimizer_t": t.optimizer.t,
        "loss_sum": t._loss_sum,
        "correct": t._correct,
        "seen": t._seen,
        "last_loss": t.last_loss,
        "best_epoch": t._best_epoch,
        "best_loss": t._best_loss,
        "rng": t.batches.rng.bit_generator.state,
        "full_batch": full_batch,
        "lr_changes": t.lr_changes,
        "train": _dataset_meta(t.train_set),
        "val": _dataset_meta(t.val_set),
    }
    arrays = {
        "meta": np.array(json.dumps(meta)),
        "params": t.net.params,
        "best": t._best,
        "sums": t.norms.sums,
        "epoch_sums": t.norms.epoch_sums,
        **_dataset_arrays("train", t.train_set),
        **_dataset_arrays("val", t.val_set),
        **{f"optimizer/{k}": v for k, v in t.optimizer.state().items()},
        **{f"history/{k}": v for k, v in t.history.state().items()},
    }
    if not full_batch:
        arrays["batches"] = np.concatenate(t.batches.indices)
        arrays["batch_sizes"] = np.array([len(b) for b in t.batches.indices])
    if t.scaler is not None:
        arrays["scaler/mean"], arrays["scaler/std"] = t.scaler.mean, t.scaler.std
    return arrays


def save_checkpoint(trainer: Trainer, path: str | Path) -> Path:
    """Write the trainer to ``path`` atomically (temporary file, fsync, rename).

    The temporary file is locked while it is written, so a later save can tell the litter
    of a killed save (unlocked) from a save in progress and remove it.
    """
    path = Path(path)
    folder = path.parent
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


def _read(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    except FileNotFoundError:
        raise CheckpointError(f"no such checkpoint: {path}") from None
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise CheckpointError(
            f"{path} is not a backprop-tui checkpoint or is damaged; "
            "choose another file or start a new run"
        ) from None


def _dataset(meta: dict, arrays: dict, prefix: str) -> Dataset:
    return Dataset(
        name=meta["name"],
        X=arrays[f"{prefix}/X"],
        Y=arrays[f"{prefix}/Y"],
        task=meta["task"],
        feature_names=tuple(meta["feature_names"]),
        class_names=tuple(meta["class_names"]),
        truth=meta["truth"],
    )


def _sub(arrays: dict, prefix: str) -> dict[str, np.ndarray]:
    return {k[len(prefix) + 1 :]: v for k, v in arrays.items() if k.startswith(prefix + "/")}


def load_checkpoint(path: str | Path) -> Trainer:
    """A Trainer exactly where the checkpoint left it. CheckpointError if it cannot be read."""
    path = Path(path)
    arrays = _read(path)
    try:
        meta = json.loads(str(arrays["meta"]))
        if meta.get("format") != FORMAT:
            raise CheckpointError(f"{path} is not a backprop-tui checkpoint")
        if meta.get("version") != VERSION:
            raise CheckpointError(
                f"{path} is a checkpoint of format version {meta.get('version')}; "
                f"this backprop-tui reads version {VERSION}"
            )
        _check_types(meta, path)
        return _restore(meta, arrays)
    except CheckpointError:
        raise
    except (KeyError, ValueError, TypeError, ConfigError, json.JSONDecodeError) as e:
        raise CheckpointError(f"{path} is damaged: {type(e).__name__}: {e}") from None


def _check_types(meta: dict, path: Path) -> None:
    """Counts must be whole numbers >= 0 and the others numbers: a file edited by hand or
    damaged inside its JSON is refused here, not when the app first draws it."""
    for key in COUNTS:
        if type(meta[key]) is not int or meta[key] < 0:
            raise CheckpointError(f"{path} is damaged: {key} = {meta[key]!r} is not a count")
    for key in NUMBERS:
        if type(meta[key]) not in (int, float):
            raise CheckpointError(f"{path} is damaged: {key} = {meta[key]!r} is not a number")


def _restore(meta: dict, arrays: dict) -> Trainer:
    config = Config.from_dict(meta["config"])
    scaler = None
    if "scaler/mean" in arrays:
        scaler = Standardizer(arrays["scaler/mean"], arrays["scaler/std"])
    data = (_dataset(meta["train"], arrays, "train"), _dataset(meta["val"], arrays, "val"), scaler)
    t = Trainer(config, data)
    t.init_round = meta["init_round"]
    if arrays["params"].shape != t.net.params.shape:
        raise CheckpointError("the weights do not fit the network the config describes")
    t.net.params[...] = arrays["params"]
    t._best[...] = arrays["best"]
    t._best_epoch, t._best_loss = meta["best_epoch"], meta["best_loss"]
    t.norms.sums[...] = arrays["sums"]
    t.norms.epoch_sums[...] = arrays["epoch_sums"]
    t.config = t.config.replace(lr=meta["lr"])
    t.optimizer.lr = meta["lr"]
    t.optimizer.load_state(_sub(arrays, "optimizer"))
    t.history = History.from_state(_sub(arrays, "history"))
    t.lr_changes = [tuple(c) for c in meta["lr_changes"]]
    t.epoch, t.steps, t.batches.pos = meta["epoch"], meta["steps"], meta["batch_pos"]
    t._loss_sum, t._correct, t._seen = meta["loss_sum"], meta["correct"], meta["seen"]
    t.last_loss = meta["last_loss"]
    t.batches.rng.bit_generator.state = meta["rng"]
    if meta["full_batch"]:
        t.batches.indices = [None]
    else:
        t.batches.indices = np.split(arrays["batches"], np.cumsum(arrays["batch_sizes"])[:-1])
    t.batches.gather()
    return t
