"""The training worker in a process of its own, seen from the app: a Session (session.py).

In one process the worker thread and Textual's drawing share one interpreter lock: every
frame drawn was training not done, and a second core sat idle. Here the session runs in a
child process (child.py) and ``RemoteSession`` stands in for it on the app's side, with the
Session protocol the app is typed against: ``latest`` and ``on_publish`` (called on a
thread of this class when a snapshot has arrived), ``request_snapshot``, ``submit`` (the
command value itself is pickled to the child, which submits it to its session: numbered
as the child numbers it), ``stop``, ``finished``, ``clock``, ``begin``, ``run``. Snapshots
arrive pickled and are made read-only again (``freeze``).

- Start: ``start(trainer, first=snapshot, defer=True)`` keeps the run and shows ``first``
  until the child's own snapshot comes; ``begin()`` (the app calls it once its first frame
  is drawn, on the main thread: the kernel's parent-death signal is tied to the thread that
  started the child) starts the child and sends it the run, then the commands given
  meanwhile, in order. ``wait_ready`` waits for the child's first snapshot.
- End: ``final_save(path, wait)`` stops the child's loop and has it save the run from its
  own state; the child dies with this process however it ends (child.py).
- A child that fails (an exception, a kill) becomes a notice in a last snapshot, paused,
  that says what happened and where the run is saved; later commands repeat it.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import os
import pickle
import queue
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import replace
from multiprocessing.connection import Connection
from pathlib import Path

from core.checkpoint import save_checkpoint
from core.trainer import Trainer
from core.trainer_state import state_of

from ..snapshot import Snapshot, freeze
from .clock import SystemClock
from .commands import Command

PIPE_BYTES = 1 << 20  # the snapshots' pipe: room for many, so the child never waits on it
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)  # Linux


class RemoteSession:
    """A TrainingSession in a child process, behind the API the app uses."""

    def __init__(self) -> None:
        self.clock = SystemClock()
        self.latest: Snapshot | None = None  # the child's last snapshot (None until ready)
        self.on_publish: Callable[[], None] | None = None  # on the receiving thread
        self.finished = threading.Event()  # set once the child's loop has ended
        self.crash_save: Path | None = None
        self.gone = ""  # why the child has ended on its own ("" while it runs)
        self.pid: int | None = None  # the child's, once started
        self.proc: subprocess.Popen | None = None
        self._ready = threading.Event()
        self._numbers = itertools.count(1)
        self.submitted = 0  # the number of the last command submitted
        self._send_lock = threading.Lock()
        self._final: tuple[bool, str, int] | None = None
        self._final_done = threading.Event()
        self._states: queue.SimpleQueue[dict] = queue.SimpleQueue()
        self._crash: tuple[str, int | None] | None = None
        self._stopping = False
        self._run: tuple[Trainer, tuple] | None = None  # the run, until the child has it
        self._pending: list[tuple] = []  # commands sent before the child has started
        self._commands: Connection | None = None
        self._errors = tempfile.TemporaryFile()  # the child's stderr: said if it fails

    # --- start and end ----------------------------------------------------------------

    def start(
        self,
        trainer: Trainer,
        paused: bool = False,
        curve_points: int = 240,
        crash_save: Path | None = None,
        first: Snapshot | None = None,
        defer: bool = False,
    ) -> None:
        """The run for the child: its state, from which the child builds the very same
        trainer, and the session's options (as TrainingSession's). ``crash_save``: where
        the child saves the run if it fails. ``first``: a snapshot of this very run to
        show until the child's first arrives (taken as seq 0), so that the app need not
        wait for it. ``defer``: the child starts at ``begin`` (the app calls it once its
        first frame is drawn: the child's start-up then takes no CPU from that frame);
        else now. Commands sent meanwhile wait for it, in order."""
        self.crash_save = crash_save
        if first is not None and self.latest is None:
            self.latest = replace(first, seq=0)
        options = dict(paused=paused, curve_points=curve_points, crash_save=crash_save)
        self._run = (trainer, ("start", state_of(trainer), options))
        if not defer:
            self.begin()

    def begin(self) -> None:
        """Start the child and hand it the run (once). On the main thread: the kernel kills
        the child when the thread that started it ends."""
        with self._send_lock:
            if self.proc is not None or self._run is None or self.gone:
                return
            try:
                self._spawn()
            except OSError as e:
                self.gone = f"it cannot start: {e}"
            else:
                for message in (self._run[1], *self._pending):
                    self._send(message, locked=True)
                self._run, self._pending = None, []
        if self.gone:
            self._ended()

    def _spawn(self) -> None:
        to_child, commands = os.pipe()
        replies, from_child = os.pipe()
        try:
            fcntl.fcntl(from_child, F_SETPIPE_SZ, PIPE_BYTES)
        except OSError:
            pass  # the default size: the child may wait when this side is slow to read
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-P", "-m", "tui.worker.child"]
                + [str(to_child), str(from_child), str(os.getpid())],
                pass_fds=(to_child, from_child),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self._errors,
                start_new_session=True,  # no terminal: its signals are the app's to handle
            )
        except OSError:
            os.close(commands)
            os.close(replies)
            raise
        finally:
            os.close(to_child)  # the child's ends: its own copies are all there is now
            os.close(from_child)
        self.pid = self.proc.pid
        self._commands = Connection(commands, readable=False)
        self._replies = Connection(replies, writable=False)
        threading.Thread(target=self._receive, name="worker-replies", daemon=True).start()

    def wait_ready(self, timeout: float) -> bool:
        """Wait for the child's first snapshot; False if it ended or took too long."""
        self._ready.wait(timeout)
        return self.latest is not None and not self.gone

    def final_save(self, path: Path, wait: float) -> tuple[bool, str, int] | None:
        """Stop the child's loop and have it save the run to ``path`` from its own state:
        (saved, the error if not, epoch); None if it had not answered after ``wait`` s."""
        with self._send_lock:
            run, self._run = self._run, None  # (begin() then starts no child)
            self._stopping = self._stopping or run is not None
        if run is not None:  # the child never had the run: it is as it started, save it here
            return self._save_here(run[0], path)
        if not self.gone:
            self._stopping = True
            self._send(("final", str(path)))
        if not self._final_done.wait(wait):
            return None
        if self._final is not None:
            return self._final
        if self._crash is not None and self._crash[1] is not None:  # saved as it failed
            return True, "", self._crash[1]
        return False, f"the worker process had ended ({self.gone})", -1

    def _save_here(self, trainer: Trainer, path: Path) -> tuple[bool, str, int]:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            save_checkpoint(trainer, path)
        except OSError as e:
            return False, str(e), trainer.epoch
        return True, "", trainer.epoch

    def close(self, wait: float = 1.0) -> None:
        """End the child and wait for it: after its final save it ends by itself (given
        ``wait`` seconds); otherwise it is killed."""
        self._stopping = True
        if self.proc is None:
            return
        if self._final is not None:
            try:
                self.proc.wait(wait)
            except subprocess.TimeoutExpired:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    # --- the Session protocol ---------------------------------------------------------

    def submit(self, command: Command) -> int:
        """Send a command to the child; returns its number."""
        return self._command(("command", command))

    def request_snapshot(self) -> None:
        self._send(("snap",))

    def stop(self) -> None:
        """Stop the child's loop (it then waits for ``final_save`` or this side's end)."""
        self._stopping = True
        self._send(("stop",))

    def run(self, cancelled: Callable[[], bool] = lambda: False) -> None:
        """What the app's worker thread runs: here only a wait until the child has ended."""
        while not (cancelled() or self.finished.is_set()):
            self.clock.wait(self.finished, 0.1)

    def trainer_state(self, timeout: float = 5.0) -> dict:
        """The child's trainer as ``core.trainer_state.state_of`` gives it, taken between
        two steps (a command: it counts as one). queue.Empty after ``timeout`` seconds."""
        self._command(("state",))
        return self._states.get(timeout=timeout)

    # --- this side of the pipes -------------------------------------------------------

    def _command(self, message: tuple) -> int:
        with self._send_lock:
            number = next(self._numbers)
            self.submitted = number
            if self.gone:
                self._publish_gone(f"Training has stopped ({self.gone}). {self.advice()}")
            else:
                self._send(message, locked=True)
            return number

    def _send(self, message: tuple, locked: bool = False) -> None:
        if not locked:
            with self._send_lock:
                return self._send(message, locked=True)
        if self._commands is None:  # not started yet: sent once it has
            if message[0] != "snap":
                self._pending.append(message)
            return
        try:
            self._commands.send(message)
        except OSError:
            pass  # the child has gone: the receiving thread says so

    def _receive(self) -> None:
        """Snapshots and answers as they arrive, until the child's end (or a failure here:
        then the child, whom nobody would read, is ended, and the screen says why)."""
        try:
            self._read_replies()
        except Exception as e:
            self.gone = f"its answers could not be read: {type(e).__name__}: {e}"
            if self.proc is not None:
                self.proc.kill()
        finally:
            self._ended()

    def _read_replies(self) -> None:
        while True:
            try:
                message = pickle.loads(self._replies.recv_bytes())
            except (EOFError, OSError):
                break
            kind = message[0]
            if kind == "snapshot":
                _, snap, kept = message
                if kept:  # unchanged since the last snapshot: not sent again
                    snap = replace(snap, **{name: getattr(self.latest, name) for name in kept})
                self._publish(freeze(snap))
                self._ready.set()
            elif kind == "final":
                self._final = message[1:]
                self._final_done.set()
            elif kind == "state":
                self._states.put(message[1])
            elif kind == "crash":
                self._crash = message[1:]

    def _ended(self) -> None:
        """The child has closed its side: after a final save or a stop, as asked; else it
        failed (or could not start), and the screen says so (and keeps the run as it was,
        paused)."""
        code = None
        if self.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = self.proc.wait(2.0)
            self._replies.close()
        try:
            if self._final is None:  # ended without the final save: failed, or killed
                self.gone = self.gone or self._why(code)
                if not self._stopping or self._crash is not None:
                    self._publish_gone(self._crash_notice())
        finally:  # whatever the notice did: nobody waits for this child any more
            self.finished.set()
            self._final_done.set()
            self._ready.set()

    def _why(self, code: int | None) -> str:
        if self._crash is not None:
            return self._crash[0]
        if code is not None and code < 0:
            return f"killed by {signal.Signals(-code).name}"
        self._errors.seek(0)
        lines = self._errors.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else f"exit code {code}"

    def _crash_notice(self) -> str:
        """What happened, what the screen shows, where the run is and what to do."""
        epoch = self.latest.epoch if self.latest is not None else 0
        return (
            f"Training stopped: the worker process ended ({self.gone}). The screen shows "
            f"the run at epoch {epoch:,}, as it was. {self.advice()}{self._first_advice()}"
        )

    def advice(self) -> str:
        """Where the run of a failed child is, and what to do."""
        saved = self._crash[1] if self._crash else None
        if saved is not None:
            return (
                f"The run was saved to {self.crash_save} at epoch {saved:,}: quit (q), then "
                "backprop-tui --resume continues it."
            )
        if self.crash_save is not None:
            return (
                f"{self.crash_save} holds the run as it was last saved: quit (q), then "
                f"backprop-tui --resume {self.crash_save} continues from there."
            )
        return "It could not be saved: quit (q) and start again."

    def _first_advice(self) -> str:
        """For a child that failed before its first snapshot: the thread instead."""
        if self._ready.is_set():
            return ""
        return " BACKPROP_TUI_WORKER=thread trains in the app's own process instead."

    def _publish_gone(self, text: str) -> None:
        """A snapshot like the last, paused, with ``text`` as an error notice."""
        last = self.latest
        if last is None:
            return
        self._publish(
            replace(
                last,
                seq=last.seq + 1,
                status="paused",
                notice_id=last.notice_id + 1,
                notice=text,
                notice_error=True,
                epochs_per_second=0.0,
            )
        )

    def _publish(self, snap: Snapshot) -> None:
        self.latest = snap
        callback = self.on_publish
        if callback is not None:
            callback()
