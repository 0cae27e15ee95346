"""Start the app from command-line arguments, and save the run when it ends."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from core.checkpoint import save_checkpoint
from core.lessons import Lesson, get_lesson
from core.trainer import Trainer

from ..worker.session import TrainingSession
from .args import AUTOSAVE, config_from_args, resume


def autosave_path() -> Path:
    """$XDG_STATE_HOME/backprop-tui/autosave.npz (~/.local/state/... by default)."""
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "backprop-tui" / "autosave.npz"


def build_trainer(args: argparse.Namespace) -> tuple[Trainer, Lesson | None]:
    """The run the arguments ask for: resumed, a lesson, or from the flags."""
    if args.resume is not None:
        return resume(autosave_path() if args.resume is AUTOSAVE else args.resume, args), None
    if args.lesson:
        lesson = get_lesson(args.lesson)
        return Trainer(lesson.config), lesson
    return Trainer(config_from_args(args)), None


def run_app(args: argparse.Namespace) -> int:
    """Run the app; afterwards autosave the run (also after SIGHUP/SIGTERM)."""
    from ..ui.app import BackpropApp  # Textual is imported only for the app

    trainer, lesson = build_trainer(args)
    session = TrainingSession(trainer, paused=args.paused)
    app = BackpropApp(session, lesson=lesson)
    app.run()
    session.stop()
    session.finished.wait(timeout=2.0)  # the worker ends within one slice of training
    code = app.return_code if app.return_code is not None else 1
    path = autosave_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        save_checkpoint(session.trainer, path)
        print(
            f"run saved to {path} (epoch {session.trainer.epoch}): "
            "backprop-tui --resume continues it",
            file=sys.stderr,
        )
    except OSError as e:
        print(f"backprop-tui: could not autosave to {path}: {e}", file=sys.stderr)
    return code
