"""End to end in a real terminal (tmux): start backprop-tui, press keys, read the screen.

Skipped where tmux is missing (.ci/run installs it when it can).
"""

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from waiting import DEADLINE, wait_for

from core.checkpoint import load_checkpoint

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

EXE = str(Path(sys.executable).with_name("backprop-tui"))
# A tmux server of our own: the tests neither see nor disturb anyone else's sessions
SOCKET = f"backprop-tui-tests-{os.getpid()}"
TMUX = ["tmux", "-L", SOCKET]


class Terminal:
    """A tmux session of a given size running one command."""

    def __init__(self, tmp: Path, args: str, size=(80, 24)) -> None:
        self.name = f"bptui-{os.getpid()}-{time.monotonic_ns()}"
        self.exit_file = tmp / "exit"
        self.pid_file = tmp / "pid"
        script = tmp / "run.sh"  # the app's pid, then its exit code, in files
        script.write_text(
            f'sh -c \'echo $$ > "$0"; exec "$@"\' {self.pid_file} env XDG_STATE_HOME={tmp} '
            f"TMPDIR={tmp} TERM=xterm-256color {EXE} {args}\necho $? > {self.exit_file}\nsleep 30\n"
        )
        subprocess.run(
            [
                *TMUX,
                "new-session",
                "-d",
                "-s",
                self.name,
                "-x",
                str(size[0]),
                "-y",
                str(size[1]),
                f"sh {script}",
            ],
            check=True,
        )

    def screen(self) -> str:
        return subprocess.run(
            [*TMUX, "capture-pane", "-p", "-t", self.name], capture_output=True, text=True
        ).stdout

    def keys(self, *keys: str) -> None:
        for key in keys:
            subprocess.run([*TMUX, "send-keys", "-t", self.name, key], check=True)
            time.sleep(0.15)

    def wait_for(self, text: str, timeout: float = DEADLINE) -> str:
        """The screen once ``text`` (a regular expression) is on it."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            screen = self.screen()
            if re.search(text, screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen:\n{self.screen()}")

    def exit_code(self, timeout: float = DEADLINE) -> int:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.exit_file.exists() and self.exit_file.read_text().strip():
                return int(self.exit_file.read_text())
            time.sleep(0.1)
        raise AssertionError("the app did not exit")

    def close(self) -> None:
        subprocess.run([*TMUX, "kill-session", "-t", self.name], capture_output=True)


@pytest.fixture
def terminal(tmp_path):
    opened = []

    def open_(args: str, size=(80, 24)) -> Terminal:
        t = Terminal(tmp_path, args, size)
        opened.append(t)
        return t

    yield open_
    for t in opened:
        t.close()
    subprocess.run([*TMUX, "kill-server"], capture_output=True)
    tmux_dir = Path(os.environ.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}"
    (tmux_dir / SOCKET).unlink(missing_ok=True)


def test_keys_in_a_real_terminal_then_quit_and_resume(terminal, tmp_path):
    t = terminal("--paused --seed 1")
    screen = t.wait_for("paused")
    for panel in ("Network", "Loss", "Gradients", "Controls"):
        assert panel in screen
    t.keys("n")
    t.wait_for("step 1 ")
    t.keys("+")
    t.wait_for("lr 0.1")
    t.keys("q")
    assert t.exit_code() == 0
    (autosave,) = (tmp_path / "backprop-tui").glob("autosave-*.npz")  # this run's own file
    saved = load_checkpoint(autosave)
    assert saved.steps == 1 and saved.config.lr == 0.1
    again = terminal("--resume --paused")
    again.wait_for("step 1 ")
    again.keys("q")


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM])
def test_a_hangup_or_term_saves_the_run_and_restores_the_terminal(terminal, tmp_path, signum):
    t = terminal("")
    t.wait_for(r"running .*ep [1-9]")  # it has trained an epoch
    os.kill(int((tmp_path / "pid").read_text()), signum)
    assert t.exit_code() == 128 + signum
    (autosave,) = (tmp_path / "backprop-tui").glob("autosave-*.npz")
    saved = load_checkpoint(autosave)
    assert saved.epoch > 0
    screen = t.screen()
    assert "Traceback" not in screen and "Network" not in screen  # the alternate screen is gone


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (not gone, not a zombie waiting to be reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def test_tmux_closing_its_terminal_ends_the_app_and_keeps_the_run(terminal, tmp_path):
    """tmux kill-server: the pane's terminal goes away under the app, as on an SSH drop."""
    t = terminal("")
    t.wait_for(r"running .*ep [1-9]")  # it has trained an epoch
    pid = int((tmp_path / "pid").read_text())
    subprocess.run([*TMUX, "kill-server"], check=True)
    # (it exits within 2 s on a quiet machine: the slow tier times that; here, that it does)
    assert wait_for(lambda: not running(pid)), "the app was still there after its terminal closed"
    (autosave,) = (tmp_path / "backprop-tui").glob("autosave-*.npz")
    saved = load_checkpoint(autosave)
    assert saved.epoch > 0
    saved.train(1)


# Keys as tmux names them, weighted as people press them (q aside: it quits)
TMUX_KEYS = (
    ["Space"] * 6 + ["n"] * 4 + ["p"] * 6 + ["e", "+", "-", "+", "-"] + ["<", ">"] * 3
    + ["Escape"] * 5 + list("rdvuicbygGmsolx,.") + ["Tab", "?", "Enter", "Enter"]
    + ["Up", "Down", "Left", "Right", "[", "]", "f", "w", "a", "BSpace", "1", "0", "3"]
)  # fmt: skip


def random_keys_in_a_terminal(terminal, seed: int, args: str, size, count: int) -> None:
    """``count`` random keys, a person's gaps between them (0.05-0.4 s), into the installed
    app in tmux: it must still be there, with no traceback, and then quit as asked."""
    rng = random.Random(seed)
    t = terminal(args, size)
    t.wait_for(r"Network|Lesson")
    sent = []
    for _ in range(count):
        key = rng.choice(TMUX_KEYS)
        sent.append(key)
        subprocess.run([*TMUX, "send-keys", "-t", t.name, key], check=True)
        time.sleep(rng.uniform(0.05, 0.4))  # how fast a person types: not a wait for the app
    screen = t.screen()
    where = f"seed {seed}, {args or 'no flags'}, {size}, keys {' '.join(sent)}"
    assert "Traceback" not in screen and not t.exit_file.exists(), f"{where}:\n{screen}"
    for key in ["Escape"] * 4 + ["q"]:  # close what is open, then quit
        t.keys(key)
    assert t.exit_code() == 0, f"{where}:\n{t.screen()}"


def test_random_keys_in_a_real_terminal_never_end_the_app(terminal):
    random_keys_in_a_terminal(terminal, 1, "--pace 10", (80, 24), 40)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(12))
def test_many_random_keys_in_a_real_terminal(terminal, seed):
    rng = random.Random(1000 + seed)
    args = rng.choice(["", "--pace 10", "--pace 30", "--pace '1 step'", "--pace phases",
                       "--lesson xor", "--lesson lr-too-large", "--paused"])  # fmt: skip
    size = rng.choice([(80, 24), (120, 40), (100, 30)])
    random_keys_in_a_terminal(terminal, seed, args, size, 60)
