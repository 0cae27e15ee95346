"""Hang-up handling (tui.cli.hangup) piece by piece: the output writer on a dead terminal,
the driver that uses it, and the signals in a process whose main thread is stuck."""

from __future__ import annotations

import errno
import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from textual.drivers._writer_thread import MAX_QUEUED_WRITES, WriterThread
from textual.drivers.linux_driver import LinuxDriver
from waiting import DEADLINE

from core.checkpoint import load_checkpoint
from core.config import Config
from core.trainer import Trainer
from tui.cli.hangup import Hangup
from tui.ui.app import BackpropApp
from tui.ui.driver import GuardedLinuxDriver
from tui.worker.session import TrainingSession

ROOT = Path(__file__).resolve().parent.parent


class DeadTerminal(io.TextIOBase):
    """A terminal whose other side has gone: every write fails (after ``good`` writes)."""

    def __init__(self, error: int = errno.EIO, good: int = 0) -> None:
        self.error, self.good, self.written = error, good, []

    def write(self, text: str) -> int:
        if self.good <= 0:
            raise OSError(self.error, os.strerror(self.error))
        self.good -= 1
        self.written.append(text)
        return len(text)

    def flush(self) -> None:
        if self.good <= 0:
            raise OSError(self.error, os.strerror(self.error))

    def fileno(self) -> int:
        return 2


def shut_down_within(writer: WriterThread, seconds: float) -> bool:
    """Many writes (more than the queue holds), then stop: as Textual's shutdown does."""

    def shutdown() -> None:
        for _ in range(5 * MAX_QUEUED_WRITES):
            writer.write("\x1b[?1000l" * 20)
        writer.stop()

    thread = threading.Thread(target=shutdown, daemon=True)
    thread.start()
    thread.join(seconds)
    return not thread.is_alive()


@pytest.mark.parametrize(("error", "good"), [(errno.EIO, 0), (errno.EPIPE, 3)])
def test_output_failing_with_eio_or_epipe_does_not_hang_the_shutdown(error, good):
    hangup = Hangup()  # not installed: no signal handlers in the test process
    told = []
    hangup.on_lost(lambda: told.append("lost"))
    terminal = DeadTerminal(error, good)
    writer = WriterThread(hangup.guard(terminal))
    writer.start()
    assert shut_down_within(writer, 5.0)
    assert hangup.lost and told == ["lost"]
    assert len(terminal.written) == good  # nothing written after the failure


async def test_the_app_with_a_hangup_handler_gets_the_guarded_driver(monkeypatch):
    monkeypatch.delenv("TEXTUAL_DRIVER", raising=False)
    session = TrainingSession(Trainer(Config(dataset="xor", hidden=(2,))), paused=True)
    assert BackpropApp(session).get_driver_class() is LinuxDriver
    hangup = Hangup()
    app = BackpropApp(session, hangup=hangup)
    assert app.get_driver_class() is GuardedLinuxDriver
    before = {s: signal.getsignal(s) for s in (signal.SIGTSTP, signal.SIGCONT)}
    try:
        driver = GuardedLinuxDriver(app)  # sets SIGTSTP / SIGCONT handlers: put back below
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)
    driver._file._stream = DeadTerminal()
    driver._file.write("\x1b[?1049h")  # the first failed write: the terminal is lost
    assert hangup.lost
    assert driver.exit_event.is_set()  # the input thread stops; disable_input writes nothing


def test_save_runs_once_whoever_asks():
    hangup = Hangup()
    calls = []

    def save(wait: float) -> str:
        calls.append(wait)
        time.sleep(0.1)
        return "saved"

    hangup.arm(save)
    results = []
    threads = [threading.Thread(target=lambda: results.append(hangup.save(1.0))) for _ in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [1.0] and results == ["saved", "saved"]


# A process whose main thread is stuck as Textual's is on a dead terminal: blocked in
# queue.put on a full queue that nothing drains. Its run is saved with save_checkpoint.
STUCK = """
import queue, sys, time
from core.checkpoint import save_checkpoint
from core.config import Config
from core.trainer import Trainer
from tui.cli.hangup import Hangup

path, seconds = sys.argv[1], float(sys.argv[2])
trainer = Trainer(Config(dataset="moons", hidden=(64, 64)))
save_checkpoint(trainer, path)  # the run as it started
trainer.train(1)
hangup = Hangup().install()

def save(wait):
    print("saving", flush=True)
    end = time.monotonic() + seconds
    while True:  # a save that takes ``seconds``
        save_checkpoint(trainer, path)
        if time.monotonic() > end:
            break
    print("saved", flush=True)
    return True

hangup.arm(save)
hangup.attach(lambda code: False)  # no app to exit
full = queue.Queue(1)
full.put(0)
print("ready", flush=True)
full.put(1)  # blocks for good
"""


@pytest.fixture
def stuck_process():
    """Starts the STUCK program (ready once its handlers are in place); whatever the test
    asserted, each one is ended at the end (a failed test leaves no process behind)."""
    started: list[subprocess.Popen] = []

    def start(tmp_path: Path, save_seconds: float) -> tuple[subprocess.Popen, Path]:
        path = tmp_path / "run.npz"
        proc = subprocess.Popen(
            [sys.executable, "-c", STUCK, str(path), str(save_seconds)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(proc)
        assert proc.stdout.readline() == "ready\n"
        return proc, path

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()


@pytest.mark.parametrize("signals", [["SIGHUP", "SIGHUP"], ["SIGTERM"]])
def test_a_signal_saves_and_exits_while_the_main_thread_is_stuck(tmp_path, signals, stuck_process):
    proc, path = stuck_process(tmp_path, save_seconds=0.0)
    for name in signals:  # a hang-up may bring two SIGHUPs (the kernel's, the shell's)
        proc.send_signal(getattr(signal, name))
    assert proc.wait(DEADLINE) == 128 + getattr(signal, signals[0])
    assert proc.stdout.read() == "saving\nsaved\n"  # once
    assert load_checkpoint(path).epoch == 1  # the run as it was, not as it started


def test_a_second_sigterm_while_saving_exits_at_once_and_the_file_stays_whole(
    tmp_path, stuck_process
):
    proc, path = stuck_process(tmp_path, save_seconds=30.0)
    proc.send_signal(signal.SIGTERM)
    assert proc.stdout.readline() == "saving\n"  # inside its save, which takes 30 s
    proc.send_signal(signal.SIGTERM)
    start = time.monotonic()
    assert proc.wait(DEADLINE) == 128 + signal.SIGTERM
    assert time.monotonic() - start < 10.0  # it did not wait for the save
    assert load_checkpoint(path).epoch in (0, 1)  # the old file or a new one, whole


def test_the_command_loads_nothing_heavy_before_its_handlers():
    """``backprop-tui`` installs its handlers first thing in ``main``: what it has imported
    by then must be light, so that a hang-up in the first second is handled."""
    code = (
        "import sys; import tui.cli\n"
        "heavy = {'numpy', 'textual', 'rich', 'core', 'plotext'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "[]", result.stderr


def test_a_save_that_never_ends_does_not_keep_the_process(tmp_path, stuck_process):
    """The hang-up's save is given until GRACE after the signal: then the process leaves
    (the file it was writing is the old one, whole), long before its save would end."""
    proc, path = stuck_process(tmp_path, save_seconds=60.0)
    proc.send_signal(signal.SIGTERM)
    start = time.monotonic()
    assert proc.wait(DEADLINE) == 128 + signal.SIGTERM
    assert time.monotonic() - start < 20.0  # (GRACE, 1.2 s, on a quiet machine); not 60
    assert proc.stdout.read() == "saving\n"  # never finished
    assert load_checkpoint(path).epoch in (0, 1)


# The terminal's end is seen (a failed write, POLLHUP) a moment before its SIGHUP is read.
LOST_THEN_SIGHUP = """
import os, signal, threading
from tui.cli.hangup import Hangup

said = threading.Event()
hangup = Hangup().install()
hangup.arm(lambda wait: said.wait())  # the finisher leaves once the main thread has said
hangup.terminal_lost()
os.kill(os.getpid(), signal.SIGHUP)
code = hangup.exit_code()  # at once, as the main thread asks after q's save
print(code, flush=True)
said.set()
hangup.finished()
raise SystemExit(code)
"""


def test_a_lost_terminal_whose_sighup_comes_just_after_exits_129_not_1():
    result = subprocess.run(
        [sys.executable, "-c", LOST_THEN_SIGHUP],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.stdout == "129\n" and result.returncode == 129, result.stderr
