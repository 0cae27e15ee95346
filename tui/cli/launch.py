"""Start the app from command-line arguments; the run is autosaved to a file of its own.

The run trains in a worker process of its own (tui.worker.remote), started once the first
frame is drawn (the screen shows the run's first snapshot meanwhile); with
BACKPROP_TUI_WORKER=thread, and in a served session (its pace capped), in a thread of the
app's process, as before (slower at full speed: the screen and the run then share one
interpreter lock). The autosave is written when the run starts (which also checks that it
can be), and when it ends: after q, or at once on a hang-up (SIGHUP, a closed terminal) or
SIGTERM, always from the worker's own state once the worker has stopped (tui.cli.hangup).
"""

from __future__ import annotations

import argparse
import os
import shlex
from pathlib import Path

from core.checkpoint import CheckpointError, save_checkpoint
from core.lessons import Lesson, get_lesson
from core.run_data import describe
from core.trainer import Trainer

from ..worker.remote import RemoteSession
from ..worker.session import Session, TrainingSession
from . import autosave
from .args import AUTOSAVE, config_from_args, refuse_with_lesson, resume_changes
from .hangup import Hangup, say
from .resume import resume
from .served import SERVED_FPS, SERVED_NICE, install, served_session

QUIT_WORKER_WAIT = 5.0  # after q, how long the save waits for a running command to end


def build_trainer(args: argparse.Namespace) -> tuple[Trainer, Lesson | None]:
    """The run the arguments ask for: resumed (``args.resume``, a path), a lesson, or the
    flags."""
    if args.resume:  # with the flags a resumed run may change (refusing the others)
        return resume(args.resume, args), None
    if args.lesson:
        pacing = refuse_with_lesson(args)  # --pace, say: how fast, not what it computes
        lesson = get_lesson(args.lesson)
        return Trainer(lesson.config.replace(**pacing)), lesson
    return Trainer(config_from_args(args)), None


def latest_autosave() -> tuple[Path, int]:
    """The most recently saved autosave of an app that has ended (a running one's holds
    its start), and how many others there are (listed on stderr)."""
    saves = autosave.autosaves()
    ended = [p for p in saves if not autosave.in_use(p)]
    if not ended:
        where = " or ".join(str(f) for f in autosave.folders())
        running = f" ({len(saves)} of running apps)" if saves else ""
        raise CheckpointError(f"no autosave to continue in {where}{running}")
    others = [p for p in saves if p != ended[0]]
    if others:
        say(autosave.resume_listing(ended[0], others))
    return ended[0], len(others)


class FinalSave:
    """The save at the end of the run: the worker stops first, then its trainer is written
    (never while a command runs), by the worker process itself when there is one. Returns
    what to tell the user, and whether it worked."""

    def __init__(self, session: Session, path: Path | None, why_not: str) -> None:
        self.session = session
        self.path = path
        self.why_not = why_not  # why there is no path

    def __call__(self, wait: float) -> tuple[bool, str]:
        if self.path is None:
            self.session.stop()
            return False, f"backprop-tui: the run was not saved: {self.why_not}"
        if isinstance(self.session, RemoteSession):
            return self._by_the_worker(self.session, wait)
        self.session.stop()
        if not self.session.finished.wait(wait):
            return False, self._still_running(wait)
        trainer = self.session.trainer  # a TrainingSession's: it has stopped
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)  # removed meanwhile?
            save_checkpoint(trainer, self.path)
        except OSError as e:
            return False, f"backprop-tui: the run was not saved to {self.path}: {e}"
        return True, self._saved(trainer.epoch)

    def _by_the_worker(self, session: RemoteSession, wait: float) -> tuple[bool, str]:
        answer = session.final_save(self.path, wait)
        if answer is None:
            return False, self._still_running(wait)
        saved, error, epoch = answer
        if saved:
            return True, self._saved(epoch)
        if session.gone:
            return False, f"backprop-tui: the run was not saved: {error}. {session.advice()}"
        return False, f"backprop-tui: the run was not saved to {self.path}: {error}"

    def _still_running(self, wait: float) -> str:
        return (
            f"backprop-tui: the run was not saved: a command was still running after "
            f"{wait:g} s ({self.path} holds the run as it started)"
        )

    def _saved(self, epoch: int) -> str:
        found = self.path.parent in autosave.folders()  # where --resume alone looks
        resume = "--resume" if found else f"--resume {shlex.quote(str(self.path))}"
        return f"run saved to {self.path} (epoch {epoch:,}): backprop-tui {resume} continues it"


def run_app(args: argparse.Namespace, hangup: Hangup | None = None) -> int:
    """Run the app; the run is saved at the end, also after a hang-up or SIGTERM.
    ``hangup``: installed by the command as it started (else here)."""
    if hangup is None:
        hangup = Hangup().install()
        hangup.watch(0)
    # A served session (backprop-tui serve) trains in a thread: its pace is capped, so the
    # screen hardly competes with it, and a class's sessions then take one process each.
    served = getattr(args, "served_folder", None) is not None
    thread = served or os.environ.get("BACKPROP_TUI_WORKER", "process") == "thread"
    worker = None if thread else RemoteSession()  # nothing runs until the run is given
    try:
        return _run_app(args, hangup, worker)
    finally:
        if worker is not None:
            worker.close()
        hangup.finished()


def _run_app(args: argparse.Namespace, hangup: Hangup, worker: RemoteSession | None) -> int:
    if args.resume is not None:
        resume_changes(args)  # a flag a resumed run cannot take: refused before anything else
    served = served_session(args)  # a browser's session (backprop-tui serve): its files only
    folder = served.autosave_folder if served else autosave.open_folder()
    notices = []
    if folder.warning and not served:
        say(f"backprop-tui: {folder.warning}")
        notices.append(folder.warning)
    others = 0
    if args.resume is AUTOSAVE:  # --resume alone: the most recent autosave
        args.resume, others = latest_autosave()
    trainer, lesson = build_trainer(args)
    if served:
        served = install(served, trainer.config)
        notices.append(served.notice())
    resumed = Path(args.resume) if args.resume else None
    if trainer.config.data is not None and resumed is None:  # what was read and decided
        notices.append("\n".join(describe(trainer)))
    if resumed is not None:
        listed = f" ({others} others: listed in the terminal once you quit)" if others else ""
        notices.append(f"continuing {resumed.name} at epoch {trainer.epoch:,}{listed}")
    max_rate = served.max_rate if served else None
    nice = SERVED_NICE if served else 0
    session = TrainingSession(trainer, args.paused, max_rate=max_rate, nice=nice)
    path = autosave.new_path(folder.path) if folder.path is not None else None
    final_save = FinalSave(session, path, folder.warning)
    hangup.arm(final_save)
    if path is not None:
        try:  # the run has its file from the start: a hang-up at any moment leaves one
            with hangup.saving():
                save_checkpoint(trainer, path)
        except OSError as e:
            final_save.path, final_save.why_not = None, str(e)
            notices.append(f"no autosave: {e}; save the run with s")
        else:
            pruned = autosave.prune(path.parent, spare=(path, *([resumed] if resumed else [])))
            if pruned:
                notices.append(autosave.pruned_notice(pruned))
    if hangup.triggered:  # a hang-up while it loaded: the run saved as it starts, no app
        return hangup.exit_code()
    if worker is not None:  # the worker process gets the run once the app has drawn it
        first, path = session.latest, final_save.path  # (the app's ``begin``); it saves it
        worker.start(trainer, args.paused, crash_save=path, first=first, defer=True)
        session = final_save.session = worker

    from ..ui.app import BackpropApp  # Textual is imported only for the app

    fps = SERVED_FPS if served else 10.0
    app = BackpropApp(session, fps, lesson=lesson, notices=notices, hangup=hangup)
    if served:
        app.checkpoint_path = served.checkpoint_path
    hangup.attach(app.hang_up)
    failure: Exception | None = None
    try:
        app.run()
    except Exception as e:  # Textual failing on a terminal that went away, or a bug
        failure = e
    saved, message = hangup.save(QUIT_WORKER_WAIT)
    unkept = served is not None and not served.keep  # its folder goes with it, by design
    if not unkept:
        say(message)
    if hangup.triggered:
        return hangup.exit_code()
    if failure is not None:
        raise failure
    code = app.return_code if app.return_code is not None else 1
    return code if saved or unkept or code != 0 else 1
