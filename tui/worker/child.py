"""The worker process: a TrainingSession of its own, steered by the app over two pipes.

Started by ``remote.py`` (``python -P -m tui.worker.child IN OUT PARENT``) once the app
has drawn its first frame (so that the two do not compete for a CPU then), and handed the
run at once (core.trainer_state's ``state_of``). It then loops exactly as the worker thread
would (``TrainingSession.run``) while a reader thread submits the command values that
arrive on IN to that session: the command numbers, the pause between two steps, the
snapshots are those of the thread design. Snapshots go out on OUT pickled, the
slow-changing parts (the data view's grid, the neurons' maps, the loss surface, the
confusion matrix, the ghosts) only when they are new objects.

It dies with the app: the kernel kills it when the app does (PR_SET_PDEATHSIG, Linux), and
the end of IN (the app's side closed, whatever killed it) ends it too. At the app's end it
saves the run from its own state once its loop has stopped ("final"), and says so.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import signal
import sys
import threading
import traceback
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path

from core.checkpoint import save_checkpoint
from core.trainer_state import state_of, trainer_from_state

from ..snapshot import Snapshot
from .commands import Command
from .session import TrainingSession

PR_SET_PDEATHSIG = 1  # linux/prctl.h
# Snapshot fields sent only when they are new objects: the session reuses them between
# their recomputations (the grid every DATA_VIEW_SECONDS while training)
KEPT = ("data", "surface", "results", "ghosts", "neuron_maps")
SWITCH_SECONDS = 0.001


def die_with(parent: int) -> None:
    """Be killed when the parent dies (Linux); leave at once if it has died already."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the end of the command pipe still ends this process
    if os.getppid() != parent:
        os._exit(1)


class Sender:
    """Snapshots out, pickled; the fields in KEPT only when they changed since the last."""

    def __init__(self, out: Connection) -> None:
        self.out = out
        self.lock = threading.Lock()  # the main thread sends snapshots, the reader replies
        self._sent: dict[str, object] = {}

    def send(self, message: tuple) -> None:
        with self.lock:
            self.out.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))

    def snapshot(self, snap: Snapshot) -> None:
        kept, blank = [], {}
        for name in KEPT:
            value = getattr(snap, name)
            if value is not None and _same(value, self._sent.get(name)):
                kept.append(name)
                blank[name] = () if name == "ghosts" else None
            self._sent[name] = value
        self.send(("snapshot", replace(snap, **blank) if blank else snap, tuple(kept)))


def _same(a: object, b: object) -> bool:
    """The same objects: ``a is b``, or tuples of the same objects."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))
    return a is b


class Worker:
    """The session, the reader of commands and the final save, in this process."""

    def __init__(self, commands: Connection, out: Connection) -> None:
        self.commands = commands
        self.sender = Sender(out)
        self.session: TrainingSession | None = None
        self.final: Path | None = None  # where to save when the loop has stopped
        self.final_asked = threading.Event()
        self.crash_save: Path | None = None  # where to save the run if this process fails

    def start(self) -> None:
        """Wait for the run, build the session, send the first snapshot."""
        kind, state, options = self.commands.recv()
        if kind != "start":  # the app ended before it handed over the run
            raise EOFError(kind)
        self.crash_save = options.pop("crash_save", None)
        self.session = TrainingSession(trainer_from_state(state), **options)
        self.session.on_publish = lambda: self.sender.snapshot(self.session.latest)
        self.sender.snapshot(self.session.latest)
        threading.Thread(target=self.read, name="commands", daemon=True).start()

    def read(self) -> None:
        """Each message from the app, as it arrives; the app's end ends this process."""
        session = self.session
        while True:
            try:
                message = self.commands.recv()
            except (EOFError, OSError):
                os._exit(0)  # the app has gone (a final save it asked for has been sent)
            kind = message[0]
            if kind == "command":  # the session numbers it as the app did
                session.submit(message[1])
            elif kind == "snap":
                session.request_snapshot()
            elif kind == "state":  # the trainer's state, between two steps (tests)
                session.submit(SendState(self.sender))
            elif kind == "final":
                self.final = Path(message[1])
                self.final_asked.set()
                session.stop()
            elif kind == "stop":
                session.stop()

    def run(self) -> None:
        """Train until stopped; then wait for the final save (the app's end without one
        ends this process in ``read``), save and say so."""
        self.session.run()
        self.final_asked.wait()
        self.sender.send(("final", *self.save(self.final)))

    def save(self, path: Path) -> tuple[bool, str, int]:
        """Save the run to ``path``: (saved, error if not, epoch)."""
        trainer = self.session.trainer
        try:
            path.parent.mkdir(parents=True, exist_ok=True)  # removed meanwhile?
            save_checkpoint(trainer, path)
        except OSError as e:
            return False, str(e), trainer.epoch
        return True, "", trainer.epoch

    def failed(self, error: BaseException) -> None:
        """This process fails: save the run where the app said, and tell the app why."""
        saved = None
        if self.session is not None and self.crash_save is not None:
            ok, _, epoch = self.save(self.crash_save)
            saved = epoch if ok else None
        what = "".join(traceback.format_exception_only(type(error), error)).strip()
        frames = traceback.extract_tb(error.__traceback__)
        if frames:  # where, for a bug report
            where = frames[-1]
            what += f" (in {Path(where.filename).name}:{where.lineno}, {where.name})"
        self.sender.send(("crash", what, saved))


@dataclass(frozen=True)
class SendState(Command):
    """The trainer's state to the app, between two steps (this process's own command)."""

    sender: Sender

    def apply(self, session: TrainingSession) -> None:
        self.sender.send(("state", state_of(session.trainer)))


def main(argv: list[str]) -> int:
    commands_fd, out_fd, parent = (int(v) for v in argv)
    die_with(parent)
    for sig in (signal.SIGINT, signal.SIGHUP):  # the app handles the terminal's signals
        signal.signal(sig, signal.SIG_IGN)
    # a command waits for the reader thread to get the interpreter lock from the training
    # loop: at most this long (the lock is asked for only when a message has arrived)
    sys.setswitchinterval(SWITCH_SECONDS)
    worker = Worker(Connection(commands_fd, writable=False), Connection(out_fd, readable=False))
    try:
        worker.start()
        worker.run()
    except (EOFError, BrokenPipeError):
        return 0  # the app has gone
    except BaseException as e:  # a bug: the run saved where the app said, the app told
        try:
            worker.failed(e)
        except Exception:
            pass
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
