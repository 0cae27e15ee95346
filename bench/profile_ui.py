"""Where the app's time goes while it trains at full speed (issue 16): threads, GIL, panels.

Run: python bench/profile_ui.py MODE [--size 100x30] [--seconds 10] [--repeats 3] [--worker thread]

Modes (workload W1 of bench/ui.py in every one, the app in bench/ui.py's pseudo-terminal):
- ``threads``: the app with timing hooks in its process (below), training for S seconds.
  Per thread, from /proc/<pid>/task/<tid>/schedstat: seconds on a CPU and seconds runnable
  but waiting for one (the machine's load); the rest of the wall time the thread sleeps,
  which for the worker at full speed is waiting for the GIL. The app's epochs/s against the
  headless in-process rate measured just before (as bench/ui.py), also per CPU-second.
  Per hooked function: calls/s and the CPU time of the calling thread (time.thread_time:
  waiting for the GIL or a CPU left out) per call and per second; Textual's widget methods
  also by widget class. Terminal bytes/s by screen region (the panel a line write starts
  in) and the share rewriting a line with the very bytes it already showed; key latency
  while training (bench/ui.py's). ``--floor`` hands snapshots only to the status line and
  the controls (no panel redraws): what Textual costs with next to nothing to draw.
- ``ratio``: the app against headless in alternating blocks (``--blocks`` of ``--block``
  seconds: headless in this process while the app is paused, then the app training), the
  ratio of each block: on a loaded machine the load drifts less within a block than
  between separate runs. With the UI thread's and the worker's CPU per block.
- ``spy``: the app without hooks, sampled by py-spy at 250 Hz for S seconds; with ``--gil``
  only the thread holding the interpreter lock is sampled (shares of the lock), else every
  thread not idle. Per thread its share of the samples; for the UI thread (MainThread) the
  share of each part of the frame, and the top functions by inclusive and by own samples.
The hooks wrap methods of the app's classes from outside (nothing in tui/ is changed):
``python bench/profile_ui.py --probe OUT.json [--floor] [--switch S] -- ARGS`` runs the app
with them (``--switch``: sys.setswitchinterval) and writes what they timed to OUT.json.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import functools
import importlib.util
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))

BOXES = ("network-box", "view-box", "side-box", "grad-box", "controls-box", "status")
# (label, module, class, method) of what the probe times (class None: a function of the
# module, as the module that calls it sees it); the label says what it is
HOOKS = (
    ("worker: SnapshotMaker.make", "tui.worker.publish", "SnapshotMaker", "make"),
    ("worker:   curve (history.series)", "tui.worker.publish", "SnapshotMaker", "curve"),
    ("worker:   data_view (grid forward)", "tui.worker.publish", None, "data_view"),
    ("worker:   Trainer.report", "core.trainer", "Trainer", "report"),
    ("ui: on_snapshot_ready (show to panels)", "tui.ui.app", "BackpropApp", "on_snapshot_ready"),
    ("ui: Screen._on_timer_update (frame)", "textual.screen", "Screen", "_on_timer_update"),
    ("ui:   Screen._refresh_layout", "textual.screen", "Screen", "_refresh_layout"),
    ("ui:   Compositor.render_update", "textual._compositor", "Compositor", "render_update"),
    ("ui:   App._display (escape codes, write)", "textual.app", "App", "_display"),
    ("ui: LossPlot.render (plotext build)", "tui.ui.widgets.loss_plot", "LossPlot", "render"),
    ("ui: NetworkView.draw", "tui.ui.widgets.network_view", "NetworkView", "draw"),
    ("ui: GradientPanel.render", "tui.ui.widgets.gradient_panel", "GradientPanel", "render"),
    ("ui: DataPanel.draw", "tui.ui.widgets.data_view", "DataPanel", "draw"),
    ("ui: StatusLine.render", "tui.ui.widgets.status_line", "StatusLine", "render"),
    ("ui: Controls.render", "tui.ui.widgets.controls", "Controls", "render"),
    ("ui: Widget._render_content (render+strips)", "textual.widget", "Widget", "_render_content"),
    ("ui: Widget.render_lines (all widgets)", "textual.widget", "Widget", "render_lines"),
)


# --- inside the app's process ------------------------------------------------------------


def probe(out: str, floor: bool, argv: list[str]) -> int:
    """Run the app (tui.cli.main) with the hooks; write their records to ``out`` at the end."""
    records: dict[str, list[tuple[float, float, float, int]]] = collections.defaultdict(list)
    threads: dict[int, str] = {}
    for label, module, cls, method in HOOKS:
        owner = importlib.import_module(module)
        owner = owner if cls is None else getattr(owner, cls)
        per_class = module == "textual.widget"  # Widget's methods: by the widget's class too
        setattr(owner, method, _timed(getattr(owner, method), records, label, per_class))
    regions: dict[str, list[int]] = {}
    from tui.ui.main_screen import MainScreen

    show = MainScreen._show

    def _show(self, snap) -> None:  # the panels' regions once the screen is laid out
        if not regions.get("status", [0, 0, 0])[2]:  # laid out after a few frames
            for name in BOXES:
                r = self.query_one(f"#{name}").region
                regions[name] = [r.x, r.y, r.width, r.height]
        if floor:  # nothing to the panels: only what changes every frame
            self._follow_the_phases(snap)
            self.query_one("#controls").show(snap)
            self.query_one("#status").show(snap)
        else:
            show(self, snap)

    MainScreen._show = _show

    def names() -> None:
        while True:
            threads.update({t.native_id: t.name for t in threading.enumerate()})
            time.sleep(1.0)

    threading.Thread(target=names, name="probe-names", daemon=True).start()
    from tui.cli import main

    try:
        return main(argv)
    finally:
        Path(out).write_text(
            json.dumps({"records": records, "threads": threads, "regions": regions})
        )


def _timed(fn, records: dict, label: str, per_class: bool):
    """``fn`` that appends (start, wall s, thread CPU s, thread id) of each call to
    ``records[label]`` (and to ``records[label [class of self]]`` with ``per_class``)."""

    @functools.wraps(fn)
    def timed(self, *args, **kwargs):
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            return fn(self, *args, **kwargs)
        finally:
            now = time.perf_counter()
            row = (start, now - start, time.thread_time() - cpu, threading.get_native_id())
            records[label].append(row)
            if per_class:
                records[f"{label} [{type(self).__name__}]"].append(row)

    return timed


# --- the parent: the app in a pseudo-terminal ------------------------------------------


def _bench_ui():
    """bench/ui.py as a module (its Tty, W1, epoch_rate, traffic, headless_inprocess)."""
    spec = importlib.util.spec_from_file_location("bench_ui", os.path.join(_HERE, "ui.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ui = _bench_ui()
APP = ui.BIN  # the backprop-tui command


def thread_times(pid: int) -> dict[int, tuple[float, float]]:
    """Per thread of ``pid`` and of its child processes (the worker process): (seconds on a
    CPU, seconds runnable but waiting for one), from /proc/<pid>/task/<tid>/schedstat. A
    thread neither running nor waiting for a CPU sleeps: at full speed a worker thread
    sleeps only waiting for the GIL."""
    times = {}
    for process in (pid, *ui.children(pid)):
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{process}/task"):
                with contextlib.suppress(OSError, ValueError):
                    path = Path(f"/proc/{process}/task/{task}/schedstat")
                    on_cpu, waiting, _ = path.read_text().split()
                    times[int(task)] = (int(on_cpu) / 1e9, int(waiting) / 1e9)
    return times


def headless(seconds: float) -> tuple[float, float, float]:
    """bench/ui.py's headless in-process run: epochs per wall second, per second on a CPU,
    and the share of the wall time this thread waited for a CPU (the machine's load)."""
    me = threading.get_native_id()
    t = ui.Trainer(ui.config_from_args(ui.build_parser().parse_args(ui.W1)))
    t.run_epoch()  # warm up
    (cpu0, wait0), start, n = thread_times(os.getpid())[me], time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        t.run_epoch()
        n += 1
    wall, (cpu1, wait1) = time.perf_counter() - start, thread_times(os.getpid())[me]
    return n / wall, n / (cpu1 - cpu0), (wait1 - wait0) / wall


WORKER = "process"  # where the app trains (--worker): a process of its own, or a thread


def start_app(size: tuple[int, int], args: list[str], state: str, probed: bool = True):
    """The app in a pseudo-terminal of ``size`` (cols, rows): this script with ``args``
    (``--probe ...``), or without the probe the backprop-tui command with ``args``."""
    ui.COLS, ui.ROWS = size
    ui.BIN = sys.executable if probed else APP
    tty = ui.Tty([os.path.abspath(__file__), *args] if probed else args, state, WORKER)
    tty.wait_for(r"running +ep [1-9]", 60)
    time.sleep(2.0)  # past the first frames' burst, as bench/ui.py
    return tty


def quit_app(tty, state: str) -> None:
    """q, then bench/ui.py's close; the app's state folder (its autosave) goes too."""
    tty.key(b"q")
    try:
        tty.proc.wait(15)
    finally:
        tty.close()
        shutil.rmtree(state, ignore_errors=True)


def by_region(tty, t0: float, t1: float, regions: dict) -> dict[str, tuple[float, float]]:
    """Bytes/s of the line writes starting in each region in [t0, t1), and their share that
    rewrites a line with the bytes it already showed (as bench/ui.py's ``traffic``)."""
    last: dict[bytes, bytes] = {}
    total, same = collections.Counter(), collections.Counter()
    for t, data in tty.raw_writes(t0 - 1.0, t1):
        m = ui.MOVE.match(data)
        where = m.group(1) if m else b""
        if t >= t0:
            name = "other"
            if m:
                row, col = (int(v) - 1 for v in where.split(b";"))
                for box, (x, y, w, h) in regions.items():
                    if x <= col < x + w and y <= row < y + h:
                        name = box
            total[name] += len(data)
            same[name] += len(data) if last.get(where) == data else 0
        last[where] = data
    return {k: (total[k] / (t1 - t0), same[k] / total[k]) for k in sorted(total)}


def run_threads(size, seconds: float, floor: bool, switch: float, rng) -> dict:
    """One repeat of mode ``threads``: headless rate, then the app with the probe."""
    head, head_cpu, head_wait = headless(seconds)
    state, out = tempfile.mkdtemp(prefix="prof-ui-"), tempfile.mktemp(suffix=".json")
    args = ["--probe", out, *(["--floor"] if floor else []), "--switch", str(switch), "--", *ui.W1]
    tty = start_app(size, args, state)
    try:
        pid = tty.proc.pid
        before, t0, load = thread_times(pid), time.perf_counter(), os.getloadavg()[0]
        time.sleep(seconds)
        after, t1 = thread_times(pid), time.perf_counter()
        workers = ui.children(pid)
        rate, fps = ui.epoch_rate(tty, t0, t1)
        bps, same = ui.traffic(tty, t0, t1)
        latency, _ = ui.key_latencies(tty, rng, 0.03)  # still training, as bench/ui.py
    finally:
        quit_app(tty, state)
    probed = json.loads(Path(out).read_text())
    os.unlink(out)
    names = {int(k): v for k, v in probed["threads"].items()}
    names[pid] = "MainThread (UI)"
    builds = probed["records"].get("worker: _build_snapshot", [])
    worker_tid = next((r[3] for r in builds if t0 <= r[0] < t1), None)
    names[worker_tid] = f"{names.get(worker_tid)} (worker: trainer)"
    for child in workers:  # the worker process: its main thread trains
        for tid in after:
            if tid == child:
                worker_tid, names[tid] = tid, "worker process: main thread (trainer)"
            elif tid not in names and Path(f"/proc/{child}/task/{tid}").exists():
                names[tid] = f"worker process: thread {tid}"
    threads = {}  # name: (on a CPU, waiting for one), each a share of the window
    for tid, (cpu, wait) in after.items():
        cpu0, wait0 = before.get(tid, (0.0, 0.0))
        if cpu - cpu0 > 0:
            threads[names.get(tid, str(tid))] = (
                (cpu - cpu0) / (t1 - t0),
                (wait - wait0) / (t1 - t0),
            )
    hooks = {}
    for label, rows in probed["records"].items():
        inside = [r for r in rows if t0 <= r[0] < t1]
        if inside:
            cpus, walls = [1000 * r[2] for r in inside], [1000 * r[1] for r in inside]
            hooks[label] = dict(
                per_s=len(inside) / (t1 - t0),
                cpu_ms=statistics.median(cpus),
                wall_ms=statistics.median(walls),
                cpu_ms_per_s=sum(cpus) / (t1 - t0),
            )
    worker = threads.get(names[worker_tid], (0.0, 0.0))
    return dict(
        head=head, head_cpu=head_cpu, head_wait=head_wait, rate=rate, ratio=rate / head,
        worker_cpu=worker[0], worker_wait=worker[1], worker_gil=1 - worker[0] - worker[1],
        rate_cpu=rate / max(worker[0], 1e-9), efficiency=rate / max(worker[0], 1e-9) / head_cpu,
        fps=fps, bps=bps, same=same, threads=threads, latency=latency, hooks=hooks, load=load,
        regions=by_region(tty, t0, t1, probed["regions"]),
    )  # fmt: skip


def report_threads(runs: list[dict], size, seconds: float) -> None:
    def spread(values, fmt) -> str:
        return f"{statistics.median(values):{fmt}} [{' '.join(format(v, fmt) for v in values)}]"

    print(f"\nW1 at {size[0]}x{size[1]}, {seconds:g} s windows, {len(runs)} repeats: median [each]")
    loads = " ".join(f"{r['load']:.2f}" for r in runs)
    print(f"load average (1 min) at each window: {loads}")
    for label, key, scale, fmt in (
        ("headless in-process ep/s", "head", 1, ",.0f"),
        ("app ep/s (status-line slope)", "rate", 1, ",.0f"),
        ("app / headless %", "ratio", 100, ".1f"),
        ("headless: share of wall waiting for a CPU %", "head_wait", 100, ".1f"),
        ("headless ep per CPU-second", "head_cpu", 1, ",.0f"),
        ("worker: share of wall on a CPU %", "worker_cpu", 100, ".1f"),
        ("worker: share waiting for a CPU (load) %", "worker_wait", 100, ".1f"),
        ("worker: share asleep (the GIL) %", "worker_gil", 100, ".1f"),
        ("worker ep per CPU-second", "rate_cpu", 1, ",.0f"),
        ("  / headless ep per CPU-second %", "efficiency", 100, ".1f"),
        ("status-line writes /s", "fps", 1, ".1f"),
        ("terminal KB/s", "bps", 1e-3, ".1f"),
        ("  rewriting what is shown %", "same", 100, ".0f"),
    ):
        print(f"{label:44} {spread([r[key] * scale for r in runs], fmt)}")
    ms = sorted(v for r in runs for v in r["latency"])
    print(
        f"{'key latency while training, ms':44} median {statistics.median(ms):.0f}, "
        f"p95 {ms[round(0.95 * (len(ms) - 1))]:.0f}, max {ms[-1]:.0f} (n={len(ms)})"
    )
    print("\nper thread: s on a CPU per s of wall (1.0 = one core) | s waiting for a CPU per s")
    for name in sorted({n for r in runs for n in r["threads"]}):
        got = [r["threads"].get(name, (0.0, 0.0)) for r in runs]
        on, waiting = spread([g[0] for g in got], ".3f"), spread([g[1] for g in got], ".3f")
        print(f"  {name:42} {on} | {waiting}")
    print(f"  {'all':42} {spread([sum(v[0] for v in r['threads'].values()) for r in runs], '.3f')}")
    print("\nhooked calls: per s | median CPU ms per call | median wall ms | CPU ms per s")
    labels = [h[0] for h in HOOKS]
    labels += sorted({k for r in runs for k in r["hooks"]} - set(labels))  # by widget class
    for label in labels:
        got = [r["hooks"][label] for r in runs if label in r["hooks"]]
        if got:
            cells = [
                spread([g[k] for g in got], f)
                for k, f in (("per_s", ".1f"), ("cpu_ms", ".2f"), ("wall_ms", ".2f"))
            ]
            cells.append(spread([g["cpu_ms_per_s"] for g in got], ".0f"))
            print(f"  {label:44} {' | '.join(cells)}")
    print(
        "\nterminal bytes by region (where the line write starts): KB/s, % rewriting what is shown"
    )
    for name in sorted({n for r in runs for n in r["regions"]}):
        got = [r["regions"].get(name, (0.0, 0.0)) for r in runs]
        print(
            f"  {name:16} {spread([g[0] / 1e3 for g in got], '.2f')} KB/s   "
            f"{spread([100 * g[1] for g in got], '.0f')} %"
        )


# --- mode ratio: the app against headless, in alternating blocks -------------------------


def run_ratio(size, blocks: int, block: float, floor: bool, switch: float) -> list[dict]:
    """Blocks of ``block`` seconds: headless in this process while the app is paused, then
    the app training; the machine's load drifts less between the two than across runs."""
    state, out = tempfile.mkdtemp(prefix="prof-ratio-"), tempfile.mktemp(suffix=".json")
    args = ["--probe", out, *(["--floor"] if floor else []), "--switch", str(switch), "--", *ui.W1]
    tty = start_app(size, args, state)
    rows = []
    try:
        pid = tty.proc.pid
        for _ in range(blocks):
            tty.key(b" ")
            tty.wait_for(r"paused +ep", 10)
            head, head_cpu, head_wait = headless(block)
            tty.key(b" ")
            tty.wait_for(r"running +ep", 10)
            time.sleep(0.3)
            before, t0 = thread_times(pid), time.perf_counter()
            time.sleep(block)
            after, t1 = thread_times(pid), time.perf_counter()
            rate, _ = ui.epoch_rate(tty, t0, t1)
            cpu = {tid: after[tid][0] - before.get(tid, (0.0, 0.0))[0] for tid in after}
            main = cpu.pop(pid, 0.0)
            worker = max(cpu.values())  # the trainer: by far the busiest other thread
            rows.append(dict(head=head, rate=rate, ratio=rate / head, head_wait=head_wait,
                             ui=main / (t1 - t0), worker=worker / (t1 - t0),
                             load=os.getloadavg()[0]))  # fmt: skip
    finally:
        quit_app(tty, state)
        with contextlib.suppress(OSError):
            os.unlink(out)
    return rows


def report_ratio(rows: list[dict], size, block: float) -> None:
    print(
        f"\nW1 at {size[0]}x{size[1]}: {len(rows)} blocks of {block:g} s, headless (app paused)"
        " then the app training; each block:"
    )
    print("  headless ep/s   app ep/s   app/headless   UI thread CPU   worker CPU   load")
    for r in rows:
        print(f"  {r['head']:13,.0f} {r['rate']:10,.0f} {100 * r['ratio']:13.1f}% "
              f"{r['ui']:15.3f} {r['worker']:12.3f} {r['load']:6.2f}")  # fmt: skip
    ratios = sorted(r["ratio"] for r in rows)
    low, high = ratios[len(ratios) // 4], ratios[(3 * len(ratios)) // 4]
    print(
        f"  app/headless: median {100 * statistics.median(ratios):.1f}%, "
        f"quartiles {100 * low:.1f}-{100 * high:.1f}%"
    )


# --- mode spy: py-spy on the app ------------------------------------------------------------

FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^():]+):\d+\)$")
# what a UI-thread sample is doing: the deepest frame of the stack that matches, in order
PARTS = (
    ("LossPlot.render (plotext build)", "loss_plot.py", "LossPlot.render"),
    ("NetworkView.draw", "network_view.py", "NetworkView.draw"),
    ("GradientPanel.render", "gradient_panel.py", "GradientPanel.render"),
    ("DataPanel.draw / FitPlot.render", "data_view.py", ""),
    ("StatusLine.render", "status_line.py", "StatusLine.render"),
    ("Controls.render", "controls.py", "Controls.render"),
    ("snapshot to panels (MainScreen.show, show() checks)", "tui/ui/", ""),
    ("Textual: escape codes + write (App._display)", "app.py", "App._display"),
    ("Textual: widget to strips (Visual, styles cache)", "textual/", "Widget.render_lines"),
    ("Textual: widget to strips (Visual, styles cache)", "textual/", "Widget._render_content"),
    ("Textual: compositor (chops, layout, update)", "textual/", "Screen._on_timer_update"),
    ("Textual: compositor (chops, layout, update)", "textual/", "Screen._refresh_layout"),
    ("Textual: message pump, timers, events", "textual/", ""),
    ("asyncio loop, select (waking: needs the GIL)", "asyncio/", ""),
)


LINE = re.compile(r":\d+\)$")  # a frame's line number: functions are counted whole
ROOTS = {  # the frames every UI sample is under: not worth listing
    "<module> (backprop-tui)",
    "main (tui/cli/main.py)",
    "run_app (tui/cli/launch.py)",
    "_run_app (tui/cli/launch.py)",
    "App.run (textual/app.py)",
    "run (asyncio/runners.py)",
    "Runner.run (asyncio/runners.py)",
    "BaseEventLoop.run_until_complete (asyncio/base_events.py)",
    "BaseEventLoop.run_forever (asyncio/base_events.py)",
    "BaseEventLoop._run_once (asyncio/base_events.py)",
    "Handle._run (asyncio/events.py)",
}


def classify(stack: list[str]) -> str:
    """The part of the frame a UI-thread stack (root first) is in: the first of PARTS that
    any frame matches; else, by its deepest frame, waiting in select or Textual's pump."""
    parsed = [m.groupdict() for f in stack if (m := FRAME.match(f))]
    for part, file, func in PARTS[:-2]:
        if any(file in f["file"] and (not func or f["func"] == func) for f in parsed):
            return part
    leaf = parsed[-1]["file"] if parsed else ""
    if "selectors.py" in leaf or "asyncio/" in leaf:
        return PARTS[-1][0]
    return PARTS[-2][0] if any("textual/" in f["file"] for f in parsed) else "other"


def read_raw(path: str) -> dict[str, list[tuple[list[str], int]]]:
    """py-spy's raw output: per thread name, its (stack root first, samples)."""
    threads = collections.defaultdict(list)
    for line in Path(path).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        name = frames[0].split(": ", 1)[-1] if frames[0].startswith("thread") else frames[0]
        threads[name].append((frames[1:], int(count)))
    return threads


def run_spy(size, seconds: float, gil: bool, keep: str | None) -> dict:
    state = tempfile.mkdtemp(prefix="prof-spy-")
    out = tempfile.mktemp(suffix=".txt", dir=keep, prefix=f"spy-{'gil' if gil else 'active'}-")
    head = headless(seconds)[0]
    tty = start_app(size, list(ui.W1), state, probed=False)
    try:
        t0, load = time.perf_counter(), os.getloadavg()[0]
        flags = ["--gil"] if gil else []
        subprocess.run(
            ["py-spy", "record", "--pid", str(tty.proc.pid), "--threads", "--format", "raw",
             "-r", "250", "-d", str(int(seconds)), "-o", out, "--nonblocking", *flags],
            check=True, capture_output=True,
        )  # fmt: skip
        rate, _ = ui.epoch_rate(tty, t0, time.perf_counter())
    finally:
        quit_app(tty, state)
    threads = read_raw(out)
    if keep is None:
        os.unlink(out)
    samples = {name: sum(n for _, n in stacks) for name, stacks in threads.items()}
    main = threads.get("MainThread", [])
    parts, inclusive, own = collections.Counter(), collections.Counter(), collections.Counter()
    for stack, n in main:
        if not stack:  # a sample py-spy could not unwind
            continue
        parts[classify(stack)] += n
        own[LINE.sub(")", stack[-1])] += n
        for frame in {LINE.sub(")", f) for f in stack} - ROOTS:
            inclusive[frame] += n
    return dict(
        ratio=rate / head, samples=samples, parts=parts, inclusive=inclusive, own=own,
        main=samples.get("MainThread", 0), load=load,
    )  # fmt: skip


def report_spy(runs: list[dict], size, seconds: float, gil: bool, top: int) -> None:
    what = "holding the GIL (--gil)" if gil else "not idle"
    print(f"\npy-spy, 250 Hz, {seconds:g} s, W1 at {size[0]}x{size[1]}: samples {what}")
    loads = " ".join(f"{r['load']:.2f}" for r in runs)
    ratios = " ".join(f"{100 * r['ratio']:.1f}" for r in runs)
    print(f"load average: {loads}; app/headless % while sampled: {ratios}")
    for name in sorted({n for r in runs for n in r["samples"]}):
        shares = [r["samples"].get(name, 0) / max(sum(r["samples"].values()), 1) for r in runs]
        print(f"  {name:30} {' '.join(f'{100 * s:5.1f}%' for s in shares)} of samples")
    print("\nUI thread (MainThread): share of its samples by part of the frame")
    for part in dict.fromkeys([p for p, _, _ in PARTS] + ["other"]):
        shares = [r["parts"].get(part, 0) / max(r["main"], 1) for r in runs]
        print(f"  {part:52} {' '.join(f'{100 * s:5.1f}%' for s in shares)}")
    for key, what in (
        ("inclusive", "inclusive samples"),
        ("own", "own samples (the frame running)"),
    ):
        print(f"\nUI thread: top {top} functions by {what} (% of its samples, each run)")
        total = collections.Counter()
        for r in runs:
            for frame, n in r[key].items():
                total[frame] += n / max(r["main"], 1)
        for frame, _ in total.most_common(top):
            shares = [r[key].get(frame, 0) / max(r["main"], 1) for r in runs]
            print(f"  {' '.join(f'{100 * s:5.1f}%' for s in shares)}  {frame}")


def main() -> int:
    if sys.argv[1:2] == ["--probe"]:  # inside the app's process: OUT [--floor] [--switch S] --
        rest = sys.argv[2:]
        cut = rest.index("--")
        inner = argparse.ArgumentParser()
        inner.add_argument("out")
        inner.add_argument("--floor", action="store_true")
        inner.add_argument("--switch", type=float, default=0.0)
        got = inner.parse_args(rest[:cut])
        if got.switch:
            sys.setswitchinterval(got.switch)
        return probe(got.out, got.floor, rest[cut + 1 :])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=("threads", "spy", "ratio"))
    ap.add_argument("--blocks", type=int, default=8, help="ratio: how many blocks")
    ap.add_argument("--block", type=float, default=3.0, help="ratio: seconds per block")
    ap.add_argument("--size", default="100x30", help="COLSxROWS")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--floor", action="store_true", help="threads: no snapshot to the panels")
    ap.add_argument("--switch", type=float, default=0.0, help="threads: sys.setswitchinterval")
    ap.add_argument("--gil", action="store_true", help="spy: only samples holding the GIL")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--keep", help="spy: keep py-spy's raw output in this folder")
    ap.add_argument("--worker", choices=("process", "thread"), default="process")
    opts = ap.parse_args()
    global WORKER
    WORKER = opts.worker
    size = tuple(int(v) for v in opts.size.split("x"))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    runs, rng = [], random.Random(1)
    if opts.mode == "ratio":
        rows = run_ratio(size, opts.blocks, opts.block, opts.floor, opts.switch)
        report_ratio(rows, size, opts.block)
        return 0
    for r in range(opts.repeats):
        if opts.mode == "threads":
            runs.append(run_threads(size, opts.seconds, opts.floor, opts.switch, rng))
            print(f"repeat {r + 1}: app/headless {100 * runs[-1]['ratio']:.1f}%", flush=True)
        else:
            runs.append(run_spy(size, opts.seconds, opts.gil, opts.keep))
            print(f"repeat {r + 1}: app/headless {100 * runs[-1]['ratio']:.1f}%", flush=True)
    if opts.mode == "threads":
        report_threads(runs, size, opts.seconds)
    else:
        report_spy(runs, size, opts.seconds, opts.gil, opts.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
