"""The app's side of a served session: the process ``backprop-tui serve`` starts for each
browser. Its folder, the teacher's data folder and the pace cap come as hidden flags
(``--served-folder`` and the rest, see ``serve.session_argv``); here they become the
sandbox every typed path goes through (tui.sandbox), where the autosave goes, what the app
says at start and the session's pace cap. Nothing here imports Textual or textual-serve.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from core.config import Config

from .. import sandbox
from ..sandbox import Sandbox
from .autosave import Folder

# What a class of 10 on a 2-core machine can share (measured, issue 15: 10 sessions and
# their tabs in Chromium on 2 cores; key latency p95 1856 ms at 100 epochs a second and 10
# frames a second, 829 ms at 30 and 10, 172-326 ms at 30 and 4, 66-116 ms at 30 and 2,
# with the training thread at nice +10 in the last two). The default run costs 17%
# of a core at 100 epochs a second; a frame of its screen about 17 ms.
SERVED_FPS = 2.0  # frames a second at a fast pace (a key's answer, and every epoch of a
# watchable pace, are drawn as they come)
SERVED_NICE = 10  # the training thread's niceness: the screen and keys come first

NO_AUTOSAVE = "served sessions keep no autosave (serve --sessions-dir DIR keeps them)"


@dataclass(frozen=True)
class Served:
    """A served session: its sandbox, whether its folder outlives it, its pace cap."""

    sandbox: Sandbox
    keep: bool
    max_rate: float | None

    @property
    def autosave_folder(self) -> Folder:
        """The run's autosave goes to the session's folder when the teacher keeps them."""
        return Folder(self.sandbox.folder) if self.keep else Folder(None, NO_AUTOSAVE)

    @property
    def checkpoint_path(self) -> str:
        """What the save and open dialogs offer first: a file in the session's folder."""
        return str(self.sandbox.folder / "backprop-run.npz")

    def notice(self) -> str:
        """Said when the app starts: where files go, and the pace cap."""
        kept = "kept on the server" if self.keep else "removed when this page closes"
        lines = [self.sandbox.where(kept)]
        if self.max_rate is not None:
            lines.append(f"Training runs at most {self.max_rate:g} epochs a second here.")
        return "\n".join(lines)


def served_session(args: argparse.Namespace) -> Served | None:
    """The served session the hidden flags describe (None: a terminal, no limits)."""
    folder = getattr(args, "served_folder", None)
    if folder is None:
        return None
    data = args.served_data
    return Served(Sandbox.of(folder, data), bool(args.served_keep), args.served_max_pace)


def install(served: Served, config: Config) -> Served:
    """Limit this process's typed paths to the session's files; the data files the run
    was started with (the teacher's flags) stay readable. Returns the session with them."""
    offered = [Path(p) for p in (config.data, config.val_data) if p is not None]
    box = Sandbox.of(served.sandbox.folder, served.sandbox.data, offered)
    sandbox.install(box)
    return Served(box, served.keep, served.max_rate)
