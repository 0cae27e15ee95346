"""What the app costs: training speed, terminal bytes and key latency of backprop-tui.

Run: python bench/ui.py [--seconds S] [--repeats R] [--size COLSxROWS]. Workload W1 (spiral,
500 samples, 2-8-8-1 tanh, mse, batch 10). Each repeat measures; the medians are printed:
1. Headless epochs/s in-process, the number the app is compared with: a Trainer from the same
   flags (tui.cli) timed on ``run_epoch()`` for S seconds. Cross-check: ``backprop-tui train
   --quiet`` in a subprocess, T(--epochs N) - T(--epochs 1) for N - 1 epochs (no start-up).
2. The app at its default refresh in a 100x30 pseudo-terminal (--size 160x44: the wide
   layout, with the data view's panel and each neuron's map in the network) (TERM=xterm-256color,
   XDG_STATE_HOME a temp dir); a thread drains and timestamps the output. It is cut into line
   writes at the cursor moves Textual starts each line with, each stamped with the arrival of
   its last byte. Epochs/s: the least-squares slope of the status line's "ep N" against
   arrival time over S seconds. The status line shows a snapshot about one refresh old; the
   lag is the same all through the window, so the slope cancels it (two end points would each
   carry its jitter; the autosave at "q" is exact but only gives the end). The autosave checks
   the parsing instead: once paused, the status line's epoch must be the epoch saved on quit.
3. Bytes/s over S seconds training, then paused (space, 1 s, S seconds), and the share of
   them that rewrite a line with exactly the bytes it already showed.
4. Key latency: + / - alternately (lr 0.03 <-> 0.1) at random gaps of 0.2-0.5 s, from the write
   until a line write shows the new lr in the status line: "│ lr 0.1" (the controls panel pads
   "lr     0.1", the loss plot says "(lr 0.1)"); training, then paused, then running at the
   slowest pace (phases, one every 0.5 s: a key must not wait for the current one to end).
Targets (the issue): app >= 90% of headless; p95 < 100 ms; < 50 KB/s training; < 2 KB/s paused.
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

    def __init__(self, args: list[str], state_dir: str) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        env = dict(os.environ, TERM="xterm-256color", XDG_STATE_HOME=state_dir)
        self.proc = subprocess.Popen(
            [BIN, *args], stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self.chunks: list[tuple[float, bytes]] = []
        threading.Thread(target=self._drain, daemon=True).start()

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
        return [(t, ANSI.sub("", b.decode("utf-8", "replace"))) for t, b in self.raw_writes(t0, t1)]

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


def app_run(seconds: float, rng: random.Random) -> dict:
    state, tty, out = tempfile.mkdtemp(prefix="bench-ui-"), None, {}
    try:
        tty = Tty(W1, state)
        tty.wait_for(r"running +ep [1-9]", 60)
        time.sleep(2.0)  # past the first frames' burst
        t0 = time.perf_counter()
        time.sleep(seconds)
        out["rate"], out["fps"] = epoch_rate(tty, t0, time.perf_counter())
        out["train_bps"], out["train_same"] = traffic(tty, t0, time.perf_counter())
        out["lat_train"], lr = key_latencies(tty, rng, 0.03)
        tty.key(b" ")
        tty.wait_for(r"paused +ep", 5)
        time.sleep(1.0)
        t0 = time.perf_counter()
        time.sleep(seconds)
        out["paused_bps"], out["paused_same"] = traffic(tty, t0, time.perf_counter())
        out["lat_paused"], lr = key_latencies(tty, rng, lr)
        shown = [m for _, text in tty.writes(t0) if (m := STATUS.search(text))][-1]
        for _ in range(9):  # down the pace ladder to phases: a phase every 0.5 s
            tty.key(b"<")
        tty.key(b" ")
        tty.wait_for(r"running +phases", 5)
        out["lat_slow"], _ = key_latencies(tty, rng, lr)  # a key must not wait for the phase
        tty.key(b" ")
        tty.wait_for(r"paused +ep", 5)
        tty.key(b"q")
        tty.proc.wait(15)
        (autosave,) = (Path(state) / "backprop-tui").glob("autosave-*.npz")  # the run's own
        saved = load_checkpoint(autosave).epoch
        if shown.group(1) != "paused" or int(shown.group(2).replace(",", "")) != saved:
            print(f"  warning: the status line says {shown.group(0)!r}, the autosave {saved}")
        return out
    finally:
        if tty is not None:
            tty.close()
        shutil.rmtree(state, ignore_errors=True)


def main() -> int:
    global COLS, ROWS  # --size
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=8.0, help="per measurement")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1, help="for the random key gaps")
    ap.add_argument("--size", default=f"{COLS}x{ROWS}", help="the terminal, COLSxROWS")
    opts = ap.parse_args()
    COLS, ROWS = (int(v) for v in opts.size.lower().split("x"))
    rng, runs = random.Random(opts.seed), []
    for r in range(opts.repeats):
        head = headless_inprocess(opts.seconds)
        sub = headless_subprocess(max(2, round(head * opts.seconds)))
        app = app_run(opts.seconds, rng)
        runs.append(dict(head=head, sub=sub, ratio=app["rate"] / head, **app))
        print(f"repeat {r + 1}: headless {head:,.0f} ep/s, app {app['rate']:,.0f} ep/s", flush=True)

    def med(key: str, scale: float = 1.0) -> float:
        return statistics.median(run[key] for run in runs) * scale

    print(f"\nW1 at {COLS}x{ROWS}, {opts.seconds:g} s each: median [{opts.repeats} repeats]")
    for label, key, scale, unit, fmt in (
        ("headless, in-process run_epoch", "head", 1, "ep/s", ",.0f"),
        ("headless, `train --quiet` subprocess", "sub", 1, "ep/s", ",.0f"),
        ("app at its default refresh", "rate", 1, "ep/s", ",.0f"),
        ("app / headless in-process", "ratio", 100, "%", ".1f"),
        ("status-line writes, training", "fps", 1, "/s", ".1f"),
        ("terminal bytes, training", "train_bps", 1e-3, "KB/s", ".1f"),
        ("  of which rewrite what is shown", "train_same", 100, "%", ".0f"),
        ("terminal bytes, paused", "paused_bps", 1e-3, "KB/s", ".2f"),
        ("  of which rewrite what is shown", "paused_same", 100, "%", ".0f"),
    ):
        each = " ".join(format(run[key] * scale, fmt) for run in runs)
        print(f"{label:38} {med(key, scale):>8{fmt}} {unit:5} [{each}]")
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
    for name, ok, value in (
        ("app >= 90% of headless epochs/s", med("ratio") >= 0.9, f"{med('ratio', 100):.1f}%"),
        ("key latency p95 < 100 ms, training", p95["lat_train"] < 100, f"{p95['lat_train']:.0f}"),
        ("key latency p95 < 100 ms, paused", p95["lat_paused"] < 100, f"{p95['lat_paused']:.0f}"),
        (
            "key latency p95 < 100 ms, at the phases pace",
            p95["lat_slow"] < 100,
            f"{p95['lat_slow']:.0f}",
        ),
        (
            f"< 50 KB/s training at {COLS}x{ROWS}",
            med("train_bps") < 50e3,
            f"{med('train_bps', 1e-3):.1f}",
        ),
        (
            f"< 2 KB/s paused at {COLS}x{ROWS}",
            med("paused_bps") < 2e3,
            f"{med('paused_bps', 1e-3):.2f}",
        ),
    ):
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
