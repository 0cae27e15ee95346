"""A served session's state, for the teacher's view of ``backprop-tui serve``.

The app of each session writes a small JSON file in its session folder, at most every
EVERY seconds and only when something changed (tui.ui.served_driver runs the thread);
the server reads it when the teacher's view asks. Written atomically (a temporary file
renamed), so a reader never sees half of one. Both sides of the format are here.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import threading
from pathlib import Path

STATUS_FILE = ".status.json"  # in the session's folder
STATUS_ENV = "BACKPROP_TUI_SERVED_STATUS"  # the file's path, set by the server
GRACE_ENV = "BACKPROP_TUI_SERVED_GRACE"  # seconds a run waits for its student's page
EVERY = 0.5  # seconds between two looks at the app


def describe(app) -> dict:
    """What the teacher sees of this app: its lesson, epoch, loss and pace (the app's
    latest snapshot, a read-only copy, is safe to read from another thread)."""
    snap = app.snapshot
    loss = snap.train_loss if math.isfinite(snap.train_loss) else snap.last_loss
    lesson = app.lesson.name if app.lesson is not None else ""
    return {
        "lesson": lesson,
        "data": snap.dataset_name,
        "epoch": snap.epoch,
        "loss": loss if math.isfinite(loss) else None,
        "state": snap.status,  # running, paused or diverged
        "pace": snap.pace.label,
        "epochs_per_second": round(snap.epochs_per_second, 1),
    }


def write(path: Path, status: dict) -> None:
    """Replace ``path`` with ``status`` as JSON, at once."""
    fd, tmp = tempfile.mkstemp(prefix=".status.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(status, f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read(path: Path) -> dict:
    """The last status written ({} if none yet, or unreadable)."""
    try:
        status = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return status if isinstance(status, dict) else {}


class Reporter:
    """A daemon thread that writes ``describe(app)`` to ``path`` when it changes."""

    def __init__(self, app, path: Path, every: float = EVERY) -> None:
        self.app, self.path, self.every = app, path, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="served-status", daemon=True)

    def start(self) -> Reporter:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        last = None
        while not self._stop.wait(self.every):
            try:
                status = describe(self.app)
                if status != last:
                    write(self.path, status)
                    last = status
            except Exception:  # a missing folder, a snapshot not there yet: try again later
                continue
