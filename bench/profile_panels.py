"""What one redraw of each panel costs, and what a snapshot costs to build and to pickle.

Run: python bench/profile_panels.py [--sizes 100x30,160x44] [--calls 60] [--epochs 300]

Workload W1 of bench/ui.py, trained ``--epochs`` epochs in-process first (a realistic
snapshot: curves as long as they get, since they are bucketed). No worker thread runs:
every number is the UI thread alone, timed with time.perf_counter, median over ``--calls``.
1. Per panel, in an app run by Pilot at each size (the wide layout from 140x36 on):
   - build: the panel's own code (LossPlot.render with its plotext build, NetworkView.draw,
     GradientPanel.render, DataPanel.draw, StatusLine.render, Controls.render);
   - repaint: what a frame does when only that panel has a new snapshot: its ``show`` (the
     checks, refresh), the compositor's update (the panel's lines, through Textual's styles
     cache and strips) and the escape codes for the terminal (``render_segments``), with
     their length in bytes (256 colours, as in bench/ui.py's terminal).
   Two snapshots (epochs N and N + 1) alternate, so every call draws anew.
2. The snapshot (after each of ``--snapshot-epochs``: the history's cost grows until its
   ring and buckets are full): ``TrainingSession._build_snapshot`` per call (running, as
   while training; with the data view wanted, as on a wide screen, whose grid is reused between its
   recomputations, and that recomputation, ``views.data_view``), and its pickle (protocol 5):
   bytes, dumps and loads time, the cost a process boundary would add per snapshot.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pickle
import statistics
import sys
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))

# the colours bench/ui.py's terminal gets (TERM=xterm-256color, no COLORTERM), read on import
os.environ.setdefault("TEXTUAL_COLOR_SYSTEM", "256")

from core.trainer import Trainer  # noqa: E402
from tui.cli.args import build_parser, config_from_args  # noqa: E402
from tui.worker.clock import ManualClock  # noqa: E402
from tui.worker.publish import DATA_VIEW_SECONDS  # noqa: E402
from tui.worker.session import TrainingSession  # noqa: E402
from tui.worker.views import data_points, data_view  # noqa: E402

W1 = (
    "--dataset spiral --samples 500 --val-fraction 0 --hidden 8,8 --activation tanh "
    "--output-activation linear --loss mse --lr 0.03 --batch-size 10"
).split()


def median_ms(fn, calls: int) -> float:
    """Median wall ms of ``fn()`` over ``calls`` calls (after one warm-up)."""
    fn()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def session_at(epochs: int, data: bool) -> tuple[TrainingSession, list]:
    """A running session after ``epochs`` epochs of W1, and snapshots at epochs N and N + 1."""
    trainer = Trainer(config_from_args(build_parser().parse_args(W1)))
    for _ in range(epochs):
        trainer.run_epoch()
    clock = ManualClock()
    session = TrainingSession(trainer, clock=clock)
    session.wanted = {"data"} if data else set()
    snaps = [session.build_snapshot()]
    trainer.run_epoch()
    clock.advance(DATA_VIEW_SECONDS)  # the grid anew for the second one too
    snaps.append(session.build_snapshot())
    return session, snaps


async def panels_at(size: tuple[int, int], epochs: int, calls: int) -> None:
    from tui.ui.app import BackpropApp
    from tui.ui.main_screen import WIDE_HEIGHT, WIDE_WIDTH
    from tui.ui.widgets.controls import Controls
    from tui.ui.widgets.data_view import DataPanel
    from tui.ui.widgets.gradient_panel import GradientPanel
    from tui.ui.widgets.loss_plot import LossPlot
    from tui.ui.widgets.network_view import NetworkView
    from tui.ui.widgets.status_line import StatusLine

    wide = size[0] >= WIDE_WIDTH and size[1] >= WIDE_HEIGHT
    session, snaps = session_at(epochs, wide)
    app = BackpropApp(session, run_worker=False)
    async with app.run_test(size=size) as pilot:
        app.show(snaps[0])
        await pilot.pause(0.3)
        screen = app.screen
        assert screen.has_class("wide") == wide
        console = app.console
        where = f"{size[0]}x{size[1]}{' (wide)' if wide else ''}"
        print(
            f"\n{where}: colour system {console.color_system}, snapshot at epoch "
            f"{snaps[0].epoch}; ms, median of {calls}"
        )
        print(
            f"  {'panel':14} {'size':>7} {'build':>7} {'repaint':>8}  of which: show, "
            "compositor, escape codes; bytes"
        )
        network = screen.query_one(NetworkView)
        side = screen.query_one("#side-data", DataPanel)
        rows = [
            ("LossPlot", screen.query_one(LossPlot), screen.views, lambda w: w.render()),
            ("NetworkView", network, network, lambda w: w.draw(*w.size, w.rich_style)),
            ("GradientPanel", screen.query_one(GradientPanel), None, lambda w: w.render()),
            ("StatusLine", screen.query_one(StatusLine), None, lambda w: w.render()),
            ("Controls", screen.query_one(Controls), None, lambda w: w.render()),
        ]
        if wide:
            rows.append(("DataPanel", side, side, lambda w: w.draw(*w.size, w.rich_style)))
        for name, widget, shower, build in rows:
            shower = shower or widget
            parts, sizes, flip = [], [], [0]

            def repaint(widget=widget, shower=shower, flip=flip, parts=parts, sizes=sizes) -> None:
                flip[0] ^= 1
                t0 = time.perf_counter()
                shower.show(snaps[flip[0]])
                if isinstance(widget, Controls):  # values unchanged while training: forced
                    widget.refresh()
                t1 = time.perf_counter()
                screen._compositor.update_widgets({widget})
                update = screen._compositor.render_update(screen_stack=app._background_screens)
                t2 = time.perf_counter()
                text = update.render_segments(console) if update is not None else ""
                t3 = time.perf_counter()
                parts.append((t1 - t0, t2 - t1, t3 - t2))
                sizes.append(len(text.encode()))
                screen._dirty_widgets.clear()

            build_ms = median_ms(lambda widget=widget, build=build: build(widget), calls)
            repaint_ms = median_ms(repaint, calls)
            each = " ".join(f"{1000 * statistics.median(p):.2f}" for p in zip(*parts, strict=True))
            w, h = widget.size
            print(f"  {name:14} {f'{w}x{h}':>7} {build_ms:7.2f} {repaint_ms:8.2f}  {each}; "
                  f"{statistics.median(sizes):,.0f} B")  # fmt: skip
        await pilot.pause(0.1)


def snapshot_costs(epochs: int, calls: int) -> None:
    print(f"\nsnapshot at epoch {epochs}, running; ms median of {calls}; pickle protocol 5")
    for label, data in (("no data view (100x30)", False), ("data view wanted (wide)", True)):
        session, snaps = session_at(epochs, data)  # its clock stands: the grid is reused,
        build = median_ms(session.build_snapshot, calls)  # as between two grids
        blob = pickle.dumps(snaps[-1], protocol=5)
        dumps = median_ms(lambda s=snaps[-1]: pickle.dumps(s, protocol=5), calls)
        loads = median_ms(lambda b=blob: pickle.loads(b), calls)
        print(f"  {label:26} build {build:6.3f}   pickle {len(blob):8,} B   dumps {dumps:6.3f}"
              f"   loads {loads:6.3f}")  # fmt: skip
        if data:
            points = data_points(session.trainer)
            grid = median_ms(lambda t=session.trainer, p=points: data_view(t, p), calls)
            print(f"  {'  its grid, views.data_view':26} {grid:6.3f} (every 0.5 s while training)")
    snap = snaps[-1]
    fields = {}
    for name in snap.__dataclass_fields__:
        fields[name] = len(pickle.dumps(getattr(snap, name), protocol=5))
    big = sorted(fields.items(), key=lambda kv: -kv[1])[:8]
    print("  largest fields pickled alone: " + ", ".join(f"{k} {v:,} B" for k, v in big))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100x30,160x44")
    ap.add_argument("--calls", type=int, default=60)
    ap.add_argument("--epochs", type=int, default=300)
    ap.add_argument("--snapshot-epochs", default="300,5000", help="runs as long as these")
    opts = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}")
    for size in opts.sizes.split(","):
        cols, rows = (int(v) for v in size.split("x"))
        asyncio.run(panels_at((cols, rows), opts.epochs, opts.calls))
    for epochs in opts.snapshot_epochs.split(","):
        snapshot_costs(int(epochs), 4 * opts.calls)
    print(f"load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
