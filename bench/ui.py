"""What the app costs: training speed, terminal bytes and key latency of backprop-tui.

Run: python bench/ui.py [--seconds S] [--repeats R] [--size 100x30] [--worker process|thread].
Workload W1 (spiral, 500 samples, 2-8-8-1 tanh, mse, batch 10). Each repeat measures, and the
medians over repeats are printed (the ratio of every repeat is checked):
1. Headless epochs/s in-process, the number the app is compared with: a Trainer from the same
   flags (tui.cli) timed on ``run_epoch()`` for S/2 seconds before the app starts and S/2
   seconds once it is paused (their mean: the machine's load drifts). Cross-check:
   ``backprop-tui train --quiet`` in a subprocess, T(--epochs N) - T(--epochs 1) for N - 1
   epochs (no start-up).
2. The app at its default refresh in a COLSxROWS pseudo-terminal (TERM=xterm-256color,
   XDG_STATE_HOME a temp dir; 160x44 gets the wide layout: the data view's panel and each
   neuron's map in the network); the training worker runs in a
   process of its own unless ``--worker thread`` (BACKPROP_TUI_WORKER). The first frame: from
   the start until the panels' titles are written. CPU: per second of the window, of the app's
   process and of its worker process (/proc/PID/stat; the whole tree, paused too). A thread
   drains and timestamps the output. It is cut into line
   writes at the cursor moves Textual starts each line with, each stamped with the arrival of
   its last byte. Epochs/s: the least-squares slope of the status line's "ep N" against
   arrival time over S seconds. The status line shows a snapshot about one refresh old; the
   lag is the same all through the window, so the slope cancels it (two end points would each
   carry its jitter; the autosave at "q" is exact but only gives the end). The autosave checks
   the parsing instead: once paused, the status line's epoch must be the epoch saved on quit;
   and the worker's own rate (the status line's "N ep/s", measured where it trains) is printed
   beside the slope.
3. Bytes/s over S seconds training, then paused (space, 1 s, S seconds), and the share of
   them that rewrite a line with exactly the bytes it already showed.
4. Key latency: + / - alternately (lr 0.03 <-> 0.1) at random gaps of 0.2-0.5 s, from the write
   until a line write shows the new lr in the status line: "│ lr 0.1" (the controls panel pads
   "lr     0.1", the loss plot says "(lr 0.1)"); training, then paused, then running at the
   slowest pace (phases, one every 0.5 s: a key must not wait for the current one to end).
Targets (issue 16): app >= 95% of headless in every repeat; key latency p95 < 50 ms training
(< 100 ms paused and at the phases pace); first frame no slower than the thread design's (one
start of each per repeat, ``--worker thread`` for the other); < 20 KB/s training and < 2 KB/s
paused at 100x30; paused, the app and its worker < 2% of a core.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import random
import re
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from bisect import bisect_left
from itertools import accumulate
from pathlib import Path

# bench/ holds core.py: drop this folder from the path so that `core` is the package.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))

from rich.cells import get_character_cell_size  # noqa: E402

from core.checkpoint import load_checkpoint  # noqa: E402
from core.trainer import Trainer  # noqa: E402
from tui.cli.args import build_parser, config_from_args  # noqa: E402

W1 = (
    "--dataset spiral --samples 500 --val-fraction 0 --hidden 8,8 --activation tanh "
    "--output-activation linear --loss mse --lr 0.03 --batch-size 10"
).split()
ROWS, COLS, KEYS = 30, 100, 30  # terminal size; lr keys per latency run
BIN = str(Path(sys.executable).with_name("backprop-tui"))
BIN = BIN if os.path.exists(BIN) else shutil.which("backprop-tui") or "backprop-tui"
MOVE = re.compile(rb"\x1b\[(\d+;\d+)H")  # Textual moves the cursor before each line it writes
ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
STATUS = re.compile(r"(running|paused) +ep ([\d,]+)")
LR = re.compile(r"│ lr ([0-9.e+-]+)")
RATE = re.compile(r"│ ([\d,]+) ep/s")
FIRST_FRAME = re.compile(r"Network.*Gradients", re.S)  # the panels' titles: a whole frame
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads), 0 once it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (the app's worker process)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def headless_inprocess(seconds: float) -> float:
    t = Trainer(config_from_args(build_parser().parse_args(W1)))
    t.run_epoch()  # warm up
    start, n = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        t.run_epoch()
        n += 1
    return n / (time.perf_counter() - start)


def headless_subprocess(epochs: int) -> float:
    def wall(n: int) -> float:
        start = time.perf_counter()
        subprocess.run([BIN, "train", *W1, "--epochs", str(n), "--quiet"], check=True)
        return time.perf_counter() - start

    return (epochs - 1) / (wall(epochs) - wall(1))


class Tty:
    """backprop-tui in a pseudo-terminal; a thread drains and timestamps what it writes."""

    def __init__(self, args: list[str], state_dir: str, worker: str = "process") -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        env = dict(
            os.environ, TERM="xterm-256color", XDG_STATE_HOME=state_dir, BACKPROP_TUI_WORKER=worker
        )
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [BIN, *args], stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self.chunks: list[tuple[float, bytes]] = []
        threading.Thread(target=self._drain, daemon=True).start()

    def first_frame(self, timeout: float = 60.0) -> float:
        """Seconds from the start until a whole first frame has been written."""
        end = time.perf_counter() + timeout
        while time.perf_counter() < end and self.proc.poll() is None:
            chunks = list(self.chunks)
            text = ANSI.sub("", b"".join(b for _, b in chunks).decode("utf-8", "replace"))
            if FIRST_FRAME.search(text):
                return chunks[-1][0] - self.started
            time.sleep(0.005)
        raise RuntimeError("no first frame")

    def cpu(self) -> tuple[float, float]:
        """CPU seconds so far of the app's process and of its worker process (0 without)."""
        return cpu_seconds(self.proc.pid), sum(map(cpu_seconds, children(self.proc.pid)))

    def _drain(self) -> None:
        with contextlib.suppress(OSError):  # EIO once the app has gone
            while data := os.read(self.master, 65536):
                self.chunks.append((time.perf_counter(), data))

    def key(self, key: bytes) -> float:
        sent = time.perf_counter()
        os.write(self.master, key)
        return sent

    def raw_writes(self, t0: float, t1: float = float("inf")) -> list[tuple[float, bytes]]:
        """(arrival of its last byte, bytes) of each line write that ended in [t0, t1)."""
        chunks = [c for c in list(self.chunks) if t0 <= c[0] < t1]
        raw, ends = b"".join(b for _, b in chunks), list(accumulate(len(b) for _, b in chunks))
        cuts = [m.start() for m in MOVE.finditer(raw)] + [len(raw)]
        pairs = zip([0, *cuts[:-1]], cuts, strict=True)
        return [(chunks[bisect_left(ends, b)][0], raw[a:b]) for a, b in pairs if b > a]

    def writes(self, t0: float, t1: float = float("inf")) -> list[tuple[float, str]]:
        """(arrival, text) of each line write that ended in [t0, t1): the text of the whole
        screen row it wrote to, as the row then reads. The screen is replayed from the start:
        the app repaints only the cells that changed, so a write may hold only a few."""
        screen: dict[int, list[str]] = {}
        out = []
        for t, data in self.raw_writes(float("-inf"), t1):
            m = MOVE.match(data)
            text = ANSI.sub("", data.decode("utf-8", "replace"))
            if m:
                row, col = (int(v) - 1 for v in m.group(1).split(b";"))
                line = screen.setdefault(row, [" "] * COLS)
                for ch in text:
                    for cell in [ch, ""][: max(1, get_character_cell_size(ch))]:  # wide: two
                        if col < len(line):
                            line[col] = cell
                        col += 1
                text = "".join(line)
            if t >= t0:
                out.append((t, text))
        return out

    def wait_for(self, pattern: str, timeout: float) -> None:
        start = time.perf_counter()
        while not any(re.search(pattern, text) for _, text in self.writes(start)):
            if time.perf_counter() > start + timeout or self.proc.poll() is not None:
                raise RuntimeError(f"no {pattern!r} on the screen")
            time.sleep(0.2)

    def close(self) -> None:
        """SIGTERM (the app saves and exits), then SIGKILL; by pid, only our process."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        os.close(self.master)


def traffic(tty: Tty, t0: float, t1: float) -> tuple[float, float]:
    """Bytes/s in [t0, t1), and the share rewriting a line with the very bytes it showed."""
    last: dict[bytes, bytes] = {}
    total = same = 0
    for t, data in tty.raw_writes(t0 - 1.0, t1):  # the second before: what the screen showed
        m = MOVE.match(data)
        where = m.group(1) if m else b""
        if t >= t0:
            total += len(data)
            same += len(data) if last.get(where) == data else 0
        last[where] = data
    return total / (t1 - t0), same / max(total, 1)


def epoch_rate(tty: Tty, t0: float, t1: float) -> tuple[float, float]:
    """Slope of the status line's epoch over arrival time, and status writes per second."""
    points = [
        (t, int(m.group(2).replace(",", "")))
        for t, text in tty.writes(t0, t1)
        if (m := STATUS.search(text)) and m.group(1) == "running"
    ]
    return statistics.linear_regression(*zip(*points, strict=True)).slope, len(points) / (t1 - t0)


def shown_rate(tty: Tty, t0: float, t1: float) -> float:
    """The median of the rates the status line shows ("N ep/s"): the worker's own measure."""
    rates = [
        float(m.group(1).replace(",", ""))
        for _, text in tty.writes(t0, t1)
        if (m := RATE.search(text))
    ]
    return statistics.median(rates) if rates else float("nan")


def key_latencies(tty: Tty, rng: random.Random, lr: float) -> tuple[list[float], float]:
    """Alternate + and - (0.03 <-> 0.1); ms until the status line shows each new lr."""
    sent = []
    for i in range(KEYS):
        lr = 0.1 if lr < 0.05 else 0.03
        sent.append((tty.key(b"+" if lr == 0.1 else b"-"), lr))
        time.sleep(rng.uniform(0.2, 0.5) if i < KEYS - 1 else 1.0)
    writes, latencies = tty.writes(sent[0][0]), []
    for i, (t_key, want) in enumerate(sent):
        until = sent[i + 2][0] if i + 2 < len(sent) else float("inf")  # then it shows again
        shown = [
            t
            for t, text in writes
            if t_key <= t < until and (m := LR.search(text)) and float(m.group(1)) == want
        ]
        latencies.append(1000 * (shown[0] - t_key) if shown else float("inf"))
    return latencies, lr


def app_run(seconds: float, rng: random.Random, worker: str) -> dict:
    """One start of the app: the first frame, S seconds training, the keys, S seconds
    paused (after half of them headless in this process), the keys paused and at the phases
    pace, then q and the autosave's check."""
    state, tty, out = tempfile.mkdtemp(prefix="bench-ui-"), None, {}
    try:
        tty = Tty(W1, state, worker)
        out["first_frame"] = tty.first_frame()
        tty.wait_for(r"running +ep [1-9]", 60)
        time.sleep(2.0)  # past the first frames' burst
        t0, cpu0 = time.perf_counter(), tty.cpu()
        time.sleep(seconds)
        t1, cpu1 = time.perf_counter(), tty.cpu()
        out["rate"], out["fps"] = epoch_rate(tty, t0, t1)
        out["shown_rate"] = shown_rate(tty, t0, t1)
        out["train_bps"], out["train_same"] = traffic(tty, t0, t1)
        out["cpu_app"], out["cpu_worker"] = (
            (b - a) / (t1 - t0) for a, b in zip(cpu0, cpu1, strict=True)
        )
        out["lat_train"], lr = key_latencies(tty, rng, 0.03)
        tty.key(b" ")
        tty.wait_for(r"paused +ep", 5)
        out["head_after"] = headless_inprocess(seconds / 2)  # the app paused meanwhile
        time.sleep(1.0)
        t0, cpu0 = time.perf_counter(), tty.cpu()
        time.sleep(seconds)
        t1, cpu1 = time.perf_counter(), tty.cpu()
        out["paused_bps"], out["paused_same"] = traffic(tty, t0, t1)
        out["paused_cpu"] = (sum(cpu1) - sum(cpu0)) / (t1 - t0)
        out["lat_paused"], lr = key_latencies(tty, rng, lr)
        for _ in range(9):  # down the pace ladder to phases: a phase every 0.5 s
            tty.key(b"<")
        tty.key(b" ")
        tty.wait_for(r"running +phases", 5)
        out["lat_slow"], _ = key_latencies(tty, rng, lr)  # a key must not wait for the phase
        tty.key(b" ")
        tty.wait_for(r"paused +ep", 5)
        time.sleep(0.3)  # the last frame drawn (the phases pace may have ended an epoch)
        shown = [m for _, text in tty.writes(t0) if (m := STATUS.search(text))][-1]
        worker_pids = children(tty.proc.pid)
        tty.key(b"q")
        tty.proc.wait(15)
        (autosave,) = (Path(state) / "backprop-tui").glob("autosave-*.npz")  # the run's own
        saved = load_checkpoint(autosave).epoch
        if shown.group(1) != "paused" or int(shown.group(2).replace(",", "")) != saved:
            print(f"  warning: the status line says {shown.group(0)!r}, the autosave {saved}")
        time.sleep(0.5)
        if [pid for pid in worker_pids if cpu_seconds(pid) or os.path.exists(f"/proc/{pid}")]:
            print(f"  warning: worker processes {worker_pids} are still there after q")
        return out
    finally:
        if tty is not None:
            tty.close()
        shutil.rmtree(state, ignore_errors=True)


def first_frame_only(worker: str) -> float:
    """Seconds until the first frame of one start of the app with ``worker``; then SIGTERM."""
    state, tty = tempfile.mkdtemp(prefix="bench-ui-"), None
    try:
        tty = Tty(W1, state, worker)
        return tty.first_frame()
    finally:
        if tty is not None:
            tty.close()
        shutil.rmtree(state, ignore_errors=True)


def main() -> int:
    global COLS, ROWS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=8.0, help="per measurement")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1, help="for the random key gaps")
    ap.add_argument("--size", default="100x30", help="COLSxROWS (160x44: the wide layout)")
    ap.add_argument("--worker", choices=("process", "thread"), default="process")
    opts = ap.parse_args()
    COLS, ROWS = (int(v) for v in opts.size.split("x"))
    other = "thread" if opts.worker == "process" else "process"
    rng, runs = random.Random(opts.seed), []
    print(f"load average {os.getloadavg()[0]:.2f} at the start", flush=True)
    for r in range(opts.repeats):
        before = headless_inprocess(opts.seconds / 2)
        sub = headless_subprocess(max(2, round(before * opts.seconds)))
        app = app_run(opts.seconds, rng, opts.worker)
        head = (before + app["head_after"]) / 2
        other_frame = first_frame_only(other)
        runs.append(
            dict(head=head, head_before=before, sub=sub, ratio=app["rate"] / head,
                 other_frame=other_frame, load=os.getloadavg()[0], **app)
        )  # fmt: skip
        run = runs[-1]
        print(
            f"repeat {r + 1}: headless {before:,.0f} then {app['head_after']:,.0f} ep/s, app "
            f"{app['rate']:,.0f} ep/s ({100 * run['ratio']:.1f}%), load {run['load']:.2f}",
            flush=True,
        )

    def med(key: str, scale: float = 1.0) -> float:
        return statistics.median(run[key] for run in runs) * scale

    print(
        f"\nW1 at {COLS}x{ROWS}, worker: {opts.worker}, {opts.seconds:g} s each: median "
        f"[{opts.repeats} repeats]; load average (1 min) {os.getloadavg()[0]:.2f} at the end"
    )
    for label, key, scale, unit, fmt in (
        ("headless, in-process run_epoch", "head", 1, "ep/s", ",.0f"),
        ("  before the app (the rest: app paused)", "head_before", 1, "ep/s", ",.0f"),
        ("headless, `train --quiet` subprocess", "sub", 1, "ep/s", ",.0f"),
        ("app at its default refresh", "rate", 1, "ep/s", ",.0f"),
        ("  the worker's own rate, shown", "shown_rate", 1, "ep/s", ",.0f"),
        ("app / headless in-process", "ratio", 100, "%", ".1f"),
        ("CPU training: the app's process", "cpu_app", 100, "% core", ".1f"),
        ("CPU training: its worker process", "cpu_worker", 100, "% core", ".1f"),
        ("CPU paused: app and worker", "paused_cpu", 100, "% core", ".2f"),
        (f"first frame, worker {opts.worker}", "first_frame", 1, "s", ".3f"),
        (f"first frame, worker {other}", "other_frame", 1, "s", ".3f"),
        ("status-line writes, training", "fps", 1, "/s", ".1f"),
        ("terminal bytes, training", "train_bps", 1e-3, "KB/s", ".1f"),
        ("  of which rewrite what is shown", "train_same", 100, "%", ".0f"),
        ("terminal bytes, paused", "paused_bps", 1e-3, "KB/s", ".2f"),
        ("  of which rewrite what is shown", "paused_same", 100, "%", ".0f"),
    ):
        each = " ".join(format(run[key] * scale, fmt) for run in runs)
        print(f"{label:40} {med(key, scale):>8{fmt}} {unit:6} [{each}]")
    p95 = {}
    for key in ("lat_train", "lat_paused", "lat_slow"):
        ms = [v for run in runs for v in run[key]]
        ms.sort()
        p95[key] = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
        print(
            f"key latency, {key[4:]:8} median {statistics.median(ms):4.0f} ms, p95 {p95[key]:4.0f}"
            f" ms, max {ms[-1]:4.0f} ms (n={len(ms)}, {ms.count(float('inf'))} never shown)"
        )
    print()
    worst = min(run["ratio"] for run in runs)
    process, thread = (
        (med("first_frame"), med("other_frame"))
        if opts.worker == "process"
        else (med("other_frame"), med("first_frame"))
    )
    small = (COLS, ROWS) == (100, 30)
    targets = [
        ("app >= 95% of headless in every repeat", worst >= 0.95, f"lowest {100 * worst:.1f}%"),
        ("key latency p95 < 50 ms, training", p95["lat_train"] < 50, f"{p95['lat_train']:.0f}"),
        ("key latency p95 < 100 ms, paused", p95["lat_paused"] < 100, f"{p95['lat_paused']:.0f}"),
        (
            "key latency p95 < 100 ms, at the phases pace",
            p95["lat_slow"] < 100,
            f"{p95['lat_slow']:.0f}",
        ),
        (
            "first frame (worker process) no slower than the thread's",
            process <= thread,
            f"{process:.3f} s vs {thread:.3f} s (medians)",
        ),
        ("paused: app and worker < 2% of a core", med("paused_cpu") < 0.02,
         f"{med('paused_cpu', 100):.2f}%"),
    ]  # fmt: skip
    if small:
        train, paused = med("train_bps", 1e-3), med("paused_bps", 1e-3)
        targets += [
            ("< 20 KB/s training at 100x30", train < 20, f"{train:.1f}"),
            ("< 2 KB/s paused at 100x30", paused < 2, f"{paused:.2f}"),
        ]
    for name, ok, value in targets:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
