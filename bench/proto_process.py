"""A prototype of design (a) for issue 16: the TrainingSession in a child process.

Run: python bench/proto_process.py [--blocks 8] [--block 3] [--repeats 3] [--ui-ms 0,30]

Not the app: the real TrainingSession (workload W1 of bench/ui.py) runs in a child started
with multiprocessing (spawn: the app has threads, fork is unsafe with them); a thread in the
child turns what arrives on a pipe into session commands (``request_snapshot`` 10 times a
second, as the app's frame timer; ``step_lr`` for a key), and ``on_publish`` sends each
snapshot back, pickled, on a second pipe. The parent plays the UI: a thread receives and
unpickles the snapshots; its main thread sends the frame requests and a key every 0.2-0.5 s
and, with ``--ui-ms N``, burns N ms of CPU per 0.1 s frame while holding the GIL (a UI that
draws). Measured per run, in alternating blocks (headless in this process while the child is
paused, then the child training while this process plays the UI):
- per block, the child's epochs/s (the slope of the snapshots' epoch over their arrival)
  against the headless in-process epochs/s of the block before;
- a key's latency: from the write on the pipe until a snapshot has arrived with it applied
  (``Snapshot.applied``), unpickled;
- per snapshot: the child's pickle + send (its thread CPU), bytes, the parent's receive +
  unpickle; snapshots per second;
- start-up: from ``Process.start()`` until the first snapshot is in the parent;
- a bare round trip (a few bytes there and back) with the child idle, and with it training;
- calibration: the session's own loop (``tick`` with snapshots at 10/s) in this process
  with no UI, against ``run_epoch``: what the loop and the snapshots cost by themselves.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import pickle
import random
import statistics
import sys
import threading
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))

from core.trainer import Trainer  # noqa: E402
from tui.cli.args import build_parser, config_from_args  # noqa: E402

W1 = (
    "--dataset spiral --samples 500 --val-fraction 0 --hidden 8,8 --activation tanh "
    "--output-activation linear --loss mse --lr 0.03 --batch-size 10"
).split()


def trainer() -> Trainer:
    return Trainer(config_from_args(build_parser().parse_args(W1)))


def headless(seconds: float) -> float:
    t = trainer()
    t.run_epoch()
    start, n = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        t.run_epoch()
        n += 1
    return n / (time.perf_counter() - start)


def session_alone(seconds: float) -> tuple[float, float]:
    """The TrainingSession's own loop in this thread, no UI, a snapshot asked for 10 times a
    second (the app's frame timer): epochs per wall second and per second of this thread's
    CPU. The ceiling for any design that keeps the session's loop."""
    from tui.worker.session import TrainingSession

    session = TrainingSession(trainer())
    session.tick()
    start, cpu, epoch0, asked = time.perf_counter(), time.thread_time(), session.trainer.epoch, 0
    while (now := time.perf_counter()) - start < seconds:
        if now - start >= asked * 0.1:
            session.request_snapshot()
            asked += 1
        session.tick()
    epochs = session.trainer.epoch - epoch0
    return epochs / (time.perf_counter() - start), epochs / (time.thread_time() - cpu)


def headless_cpu(seconds: float) -> tuple[float, float]:
    """``headless`` with the rate per second of this thread's CPU too."""
    cpu = time.thread_time()
    rate = headless(seconds)
    return rate, rate * seconds / (time.thread_time() - cpu)


# --- the child ---------------------------------------------------------------------------


def child(commands, snapshots, own_session: bool) -> None:
    """The session in this process: commands in on one pipe, pickled snapshots out. With
    ``own_session`` it leaves the parent's session: Linux's autogroup scheduling then gives
    it a CPU share of its own on a loaded machine instead of a part of the parent's."""
    from tui.worker.session import TrainingSession

    if own_session:
        os.setsid()
    session = TrainingSession(trainer())
    costs: list[float] = []

    def publish() -> None:
        cpu = time.thread_time()
        snapshots.send_bytes(pickle.dumps(session.latest, protocol=5))
        costs.append(time.thread_time() - cpu)

    def read() -> None:
        up = False
        while True:
            what = commands.recv()
            if what == "snap":
                session.request_snapshot()
            elif what == "lr":  # 0.03 <-> 0.1, as bench/ui.py's keys
                up = not up
                session.step_lr(up=up)
            elif what in ("pause", "run"):
                session.set_running(what == "run")
            elif what == "stop":
                session.stop()
                return

    session.on_publish = publish
    publish()  # the first frame's snapshot
    threading.Thread(target=read, daemon=True).start()
    session.run()
    snapshots.send_bytes(pickle.dumps(("costs", costs)))


def echo(pipe, train: bool) -> None:
    """Send back what arrives; with ``train`` a thread trains meanwhile (the GIL is shared)."""
    if train:
        t = trainer()
        threading.Thread(target=lambda: [t.run_epoch() for _ in iter(int, 1)], daemon=True).start()
    while (what := pipe.recv()) != "stop":
        pipe.send(what)


# --- the parent: the UI's side -------------------------------------------------------------


def burn(ms: float) -> None:
    """Hold the GIL for ``ms`` ms of pure Python (what drawing a frame does)."""
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end:
        pass


def one_run(blocks: int, block: float, ui_ms: float, rng: random.Random, own: bool) -> dict:
    """The child against headless in alternating blocks: headless in this process while the
    child is paused, then the child training while this process plays the UI."""
    ctx = mp.get_context("spawn")
    cmd_recv, cmd_send = ctx.Pipe(duplex=False)
    snap_recv, snap_send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=child, args=(cmd_recv, snap_send, own), daemon=True)
    got: list[tuple] = []  # arrival, unpickle s, bytes, applied, epoch, status
    end: dict = {}
    started = time.perf_counter()
    proc.start()

    def receive() -> None:
        while True:
            blob = snap_recv.recv_bytes()
            t = time.perf_counter()
            snap = pickle.loads(blob)
            if isinstance(snap, tuple):
                end["costs"] = snap[1]
                return
            got.append(
                (t, time.perf_counter() - t, len(blob), snap.applied, snap.epoch, snap.status)
            )

    def until(status: str) -> None:
        while not got or got[-1][5] != status:
            cmd_send.send("snap")
            time.sleep(0.01)

    reader = threading.Thread(target=receive, daemon=True)
    reader.start()
    while not got:
        time.sleep(0.001)
    startup = got[0][0] - started
    sent, keys, ratios, windows = 0, [], [], []  # commands sent: a command's number
    for _ in range(blocks):
        cmd_send.send("pause")
        sent += 1
        until("paused")
        head = headless(block)
        cmd_send.send("run")
        sent += 1
        until("running")
        t0 = frame = time.perf_counter()
        next_key = t0 + rng.uniform(0.2, 0.5)
        while (now := time.perf_counter()) < t0 + block:
            if now >= next_key:
                cmd_send.send("lr")
                sent += 1
                keys.append((time.perf_counter(), sent))
                next_key = now + rng.uniform(0.2, 0.5)
            cmd_send.send("snap")
            burn(ui_ms)
            frame += 0.1
            time.sleep(max(0.0, frame - time.perf_counter()))
        t1 = time.perf_counter()
        inside = [g for g in got if t0 <= g[0] < t1 and g[5] == "running"]
        rate = statistics.linear_regression([g[0] for g in inside], [g[4] for g in inside]).slope
        ratios.append(rate / head)
        windows.append((t0, t1, len(inside)))
    time.sleep(0.3)
    cmd_send.send("stop")
    reader.join(10)
    proc.join(10)
    inside = [g for g in got if any(t0 <= g[0] < t1 for t0, t1, _ in windows)]
    latency = []
    for t_key, number in keys:
        shown = [g[0] for g in got if g[3] >= number and g[0] >= t_key]
        latency.append(1000 * (shown[0] - t_key) if shown else float("inf"))
    return dict(
        ratios=ratios, startup=startup, latency=latency,
        per_s=sum(n for _, _, n in windows) / sum(t1 - t0 for t0, t1, _ in windows),
        bytes=statistics.median(g[2] for g in inside),
        loads=1000 * statistics.median(g[1] for g in inside),
        dumps=1000 * statistics.median(end.get("costs", [float("nan")])),
    )  # fmt: skip


def round_trips(train: bool, n: int = 200) -> list[float]:
    ctx = mp.get_context("spawn")
    here, there = ctx.Pipe()
    proc = ctx.Process(target=echo, args=(there, train), daemon=True)
    proc.start()
    here.send("hi")
    here.recv()
    time.sleep(0.5)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        here.send("lr")
        here.recv()
        times.append(1000 * (time.perf_counter() - start))
        time.sleep(0.005)
    here.send("stop")
    proc.join(5)
    return times


def calibrate(opts) -> None:
    """Bare pipe round trips, and the session's loop alone against run_epoch."""
    for label, train in (("child idle", False), ("child training", True)):
        ms = sorted(t for _ in range(opts.repeats) for t in round_trips(train))
        print(
            f"bare Pipe round trip, {label:15}: median {statistics.median(ms):.3f} ms, "
            f"p95 {ms[round(0.95 * (len(ms) - 1))]:.3f} ms, max {ms[-1]:.3f} ms"
        )
    pairs = []
    for i in range(2 * opts.repeats):  # alternating which goes first
        if i % 2:
            alone = session_alone(opts.seconds)
            pairs.append((headless_cpu(opts.seconds), alone))
        else:
            pairs.append((headless_cpu(opts.seconds), session_alone(opts.seconds)))
    print("\nthe session's loop alone (tick, snapshots at 10/s) against run_epoch, this thread:")
    for label, j in (("per wall second", 0), ("per CPU second", 1)):
        each = " ".join(f"{s[j] / h[j]:.3f}" for h, s in pairs)
        heads = " ".join(f"{h[j]:,.0f}" for h, _ in pairs)
        print(f"  {label:16} session / run_epoch [{each}]   run_epoch ep/s [{heads}]")


def report(runs: list[dict], ui_ms: float, opts) -> None:
    print(
        f"\nUI burning {ui_ms:g} ms per 0.1 s frame; {len(runs)} runs of {opts.blocks} blocks "
        f"of {opts.block:g} s (load average now {os.getloadavg()[0]:.2f})"
    )
    for r in runs:
        each = " ".join(f"{100 * v:.1f}" for v in r["ratios"])
        median = 100 * statistics.median(r["ratios"])
        print(f"  child / headless % per block: median {median:.1f}  [{each}]")
    for label, key, fmt in (
        ("start-up to first snapshot in parent, s", "startup", ".3f"),
        ("snapshots received per s", "per_s", ".1f"),
        ("snapshot pickle bytes", "bytes", ",.0f"),
        ("child pickle + send, CPU ms", "dumps", ".3f"),
        ("parent unpickle, ms", "loads", ".3f"),
    ):
        each = " ".join(format(r[key], fmt) for r in runs)
        print(f"  {label:40} {statistics.median(r[key] for r in runs):>10{fmt}}  [{each}]")
    ms = sorted(v for r in runs for v in r["latency"])
    print(
        f"  key until its snapshot is in the parent: median {statistics.median(ms):.1f} ms, "
        f"p95 {ms[round(0.95 * (len(ms) - 1))]:.1f} ms, max {ms[-1]:.1f} ms (n={len(ms)})"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=8.0, help="calibration blocks")
    ap.add_argument("--blocks", type=int, default=8)
    ap.add_argument("--block", type=float, default=3.0, help="seconds")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--ui-ms", default="0,30", help="CPU ms the parent burns per 0.1 s frame")
    ap.add_argument("--own-session", action="store_true", help="the child calls os.setsid()")
    ap.add_argument("--skip-calibration", action="store_true")
    opts = ap.parse_args()
    rng = random.Random(1)
    print(f"load average {os.getloadavg()[0]:.2f}")
    if not opts.skip_calibration:
        calibrate(opts)
    for ui_ms in (float(v) for v in opts.ui_ms.split(",")):
        own = opts.own_session
        runs = [one_run(opts.blocks, opts.block, ui_ms, rng, own) for _ in range(opts.repeats)]
        report(runs, ui_ms, opts)
    print(f"\nload average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
