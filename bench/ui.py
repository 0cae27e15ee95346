"""What the app costs: training speed, terminal bytes and key latency of backprop-tui.

Run: python bench/ui.py [--seconds 8] [--repeats 3]

Workload W1 (spiral, 500 samples, 2-8-8-1 tanh, mse, batch 10). Each repeat measures:
1. Headless epochs/s, in-process: a Trainer from the same flags (tui.cli) timed on
   ``run_epoch()`` for S seconds. That is the number the app is compared with. As a cross-check,
   ``backprop-tui train --quiet`` in a subprocess: T(--epochs N) - T(--epochs 1) over N - 1
   epochs, which cancels import and start-up.
2. The app, ``backprop-tui`` at its default 10 fps, in a 100x30 pseudo-terminal we own
   (TERM=xterm-256color, XDG_STATE_HOME in a temp dir); a thread drains the master and
   timestamps every chunk. The byte stream is cut into screen writes at the cursor moves
   Textual starts each line with; a write is stamped with the arrival of its last byte and
   its ANSI codes are stripped. Epochs/s: the slope of a least-squares line through the
   status line's "ep N" against arrival time over S seconds of training. The status line
   shows a snapshot about one refresh old; that lag is the same all through the window, so a
   slope cancels it (two end points would carry its 0-20 ms jitter; the autosave epoch at
   "q" is exact but gives only the end). The autosave is used to check the parsing: after
   pausing, the status line's epoch must equal the epoch the app saves on quit.
3. Bytes/s to the terminal over S seconds training, and paused (space, 1 s, then S seconds).
4. Key latency: ``+`` / ``-`` alternately (lr 0.03 -> 0.1 -> 0.03 ...) at random gaps of
   0.2-0.5 s, from the write to the master until a screen write shows the new lr in the
   status line ("│ lr 0.1": one space; the controls panel pads "lr     0.1" and the loss
   plot title reads "(lr 0.1)"); while training, then paused. Median, p95 and max.
Targets (the issue): app >= 90% of headless; p95 < 100 ms; < 50 KB/s training at 100x30;
< 2 KB/s paused. Medians over repeats; the machine is shared, so ratios come from one run.
"""

from __future__ import annotations

import argparse
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
from pathlib import Path

# bench/ holds core.py: drop this folder from the path so that `core` is the package.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))

from core.checkpoint import load_checkpoint  # noqa: E402
from core.trainer import Trainer  # noqa: E402
from tui.cli import build_parser, config_from_args  # noqa: E402

W1 = (
    "--dataset spiral --samples 500 --val-fraction 0 --hidden 8,8 --activation tanh "
    "--output-activation linear --loss mse --lr 0.03 --batch-size 10"
).split()
ROWS, COLS = 30, 100
KEYS = 30  # lr keys per latency run
BIN = str(Path(sys.executable).with_name("backprop-tui"))
if not os.path.exists(BIN):
    BIN = shutil.which("backprop-tui") or "backprop-tui"

MOVE = re.compile(rb"\x1b\[\d+;\d+H")  # Textual positions the cursor before each line
ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
STATUS = re.compile(r"(running|paused) +ep ([\d,]+) step")
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
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: the app has gone
                return
            if not data:
                return
            self.chunks.append((time.perf_counter(), data))

    def key(self, key: bytes) -> float:
        sent = time.perf_counter()
        os.write(self.master, key)
        return sent

    def bytes_per_second(self, t0: float, t1: float) -> float:
        return sum(len(b) for t, b in list(self.chunks) if t0 <= t < t1) / (t1 - t0)

    def writes(self, since: float = 0.0) -> list[tuple[float, str]]:
        """(arrival of the last byte, text without ANSI codes) for each line written."""
        chunks = [c for c in list(self.chunks) if c[0] >= since]
        raw, ends, total = b"".join(b for _, b in chunks), [], 0
        for _, b in chunks:
            total += len(b)
            ends.append(total)
        cuts = [m.start() for m in MOVE.finditer(raw)] + [len(raw)]
        out = []
        for a, b in zip([0, *cuts], cuts, strict=False):
            if b > a:
                text = ANSI.sub("", raw[a:b].decode("utf-8", "replace"))
                out.append((chunks[bisect_left(ends, b)][0], text))
        return out

    def wait_for(self, pattern: re.Pattern, timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        start = time.perf_counter()
        while not any(pattern.search(text) for _, text in self.writes(start)):
            if time.perf_counter() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"no {pattern.pattern!r} on the screen")
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


def epoch_rate(tty: Tty, t0: float, t1: float) -> tuple[float, float]:
    """Slope of the status line's epoch over arrival time, and status writes per second."""
    points = [
        (t, int(m.group(2).replace(",", "")))
        for t, text in tty.writes(t0 - 1.0)
        if t0 <= t < t1 and (m := STATUS.search(text)) and m.group(1) == "running"
    ]
    slope = statistics.linear_regression(*zip(*points, strict=True)).slope
    return slope, len(points) / (t1 - t0)


def key_latencies(tty: Tty, rng: random.Random, lr: float) -> tuple[list[float], float]:
    """Alternate + and - (0.03 <-> 0.1); ms until the status line shows each new lr."""
    sent = []
    for i in range(KEYS):
        up = lr < 0.05
        lr = 0.1 if up else 0.03
        sent.append((tty.key(b"+" if up else b"-"), lr))
        time.sleep(rng.uniform(0.2, 0.5) if i < KEYS - 1 else 1.0)
    writes, latencies = tty.writes(sent[0][0] - 1.0), []
    for i, (t_key, want) in enumerate(sent):
        until = sent[i + 2][0] if i + 2 < len(sent) else float("inf")  # then it shows again
        shown = next(
            (
                t
                for t, text in writes
                if t_key <= t < until and (m := LR.search(text)) and float(m.group(1)) == want
            ),
            None,
        )
        latencies.append(1000 * (shown - t_key) if shown is not None else float("inf"))
    return latencies, lr


def app_run(seconds: float, rng: random.Random) -> dict:
    state = tempfile.mkdtemp(prefix="bench-ui-")
    tty = Tty(W1, state)
    try:
        tty.wait_for(re.compile(r"running +ep [1-9]"), 60)
        time.sleep(2.0)  # past the first frames' burst
        t0 = time.perf_counter()
        time.sleep(seconds)
        t1 = time.perf_counter()
        rate, fps = epoch_rate(tty, t0, t1)
        train_bps = tty.bytes_per_second(t0, t1)
        lat_train, lr = key_latencies(tty, rng, 0.03)
        tty.key(b" ")
        tty.wait_for(re.compile(r"paused +ep"), 5)
        time.sleep(1.0)
        t0 = time.perf_counter()
        time.sleep(seconds)
        paused_bps = tty.bytes_per_second(t0, time.perf_counter())
        lat_paused, _ = key_latencies(tty, rng, lr)
        shown = [m for _, text in tty.writes(t0) if (m := STATUS.search(text))][-1]
        tty.key(b"q")
        tty.proc.wait(15)
        saved = load_checkpoint(Path(state) / "backprop-tui" / "autosave.npz").epoch
        if shown.group(1) != "paused" or int(shown.group(2).replace(",", "")) != saved:
            print(f"  warning: status line {shown.group(0)!r} but autosave epoch {saved}")
        return dict(rate=rate, fps=fps, train_bps=train_bps, paused_bps=paused_bps,
                    lat_train=lat_train, lat_paused=lat_paused)  # fmt: skip
    finally:
        tty.close()
        shutil.rmtree(state, ignore_errors=True)


def pctl(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=8.0, help="per measurement")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1, help="for the random key gaps")
    opts = ap.parse_args()
    rng = random.Random(opts.seed)
    runs = []
    for r in range(opts.repeats):
        head = headless_inprocess(opts.seconds)
        sub = headless_subprocess(max(2, round(head * opts.seconds)))
        app = app_run(opts.seconds, rng)
        runs.append(dict(head=head, sub=sub, ratio=app["rate"] / head, **app))
        print(f"repeat {r + 1}: headless {head:,.0f} ep/s (subprocess {sub:,.0f}), app "
              f"{app['rate']:,.0f} ep/s = {100 * app['rate'] / head:.1f}%, "
              f"{app['train_bps'] / 1e3:.1f} / {app['paused_bps'] / 1e3:.2f} KB/s",
              flush=True)  # fmt: skip

    def med(key: str) -> float:
        return statistics.median(run[key] for run in runs)

    def spread(key: str, fmt: str) -> str:
        return "[" + " ".join(format(run[key], fmt) for run in runs) + "]"

    print(f"\nW1 at {COLS}x{ROWS}, {opts.seconds:g} s per measurement, medians of "
          f"{opts.repeats} repeats [each repeat]")  # fmt: skip
    print(f"headless in-process run_epoch  {med('head'):8,.0f} ep/s {spread('head', ',.0f')}")
    print(f"headless `train --quiet` (sub) {med('sub'):8,.0f} ep/s {spread('sub', ',.0f')}")
    print(f"app, default refresh           {med('rate'):8,.0f} ep/s {spread('rate', ',.0f')}")
    print(f"app / headless in-process      {100 * med('ratio'):8.1f} %    {spread('ratio', '.3f')}")
    print(f"status-line writes while training {med('fps'):.1f}/s {spread('fps', '.1f')}")
    print(f"terminal bytes, training  {med('train_bps') / 1e3:7.1f} KB/s")
    print(f"terminal bytes, paused    {med('paused_bps') / 1e3:7.2f} KB/s")
    lat = {}
    for key in ("lat_train", "lat_paused"):
        values = [v for run in runs for v in run[key]]
        lat[key] = pctl(values, 0.95)
        missed = sum(v == float("inf") for v in values)
        print(f"key latency {key[4:]:8} median {statistics.median(values):5.0f} ms  p95 "
              f"{lat[key]:5.0f} ms  max {max(values):5.0f} ms  (n={len(values)}, "
              f"{missed} not seen)")  # fmt: skip
    checks = [
        ("app >= 90% of headless epochs/s", med("ratio") >= 0.9, f"{100 * med('ratio'):.1f}%"),
        ("key latency p95 < 100 ms (training)", lat["lat_train"] < 100, f"{lat['lat_train']:.0f}"),
        ("key latency p95 < 100 ms (paused)", lat["lat_paused"] < 100, f"{lat['lat_paused']:.0f}"),
        ("< 50 KB/s training", med("train_bps") < 50e3, f"{med('train_bps') / 1e3:.1f} KB/s"),
        ("< 2 KB/s paused", med("paused_bps") < 2e3, f"{med('paused_bps') / 1e3:.2f} KB/s"),
    ]
    print()
    for name, ok, value in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {value}")
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
