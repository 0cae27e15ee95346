"""The bridge between the app and the trainer: commands in, snapshots out.

A worker thread owns the Trainer. The UI never touches it: it submits commands (pause,
step, set the learning rate...) that the worker applies between two steps, never inside
one, and it reads ``latest``, a frozen Snapshot the worker publishes when asked. At full
speed the trainer runs flat out, every epoch is recorded, and the screen takes what it can;
at a slower pace (see pace.py) the worker trains only what the clock allows and publishes
each epoch, step or phase as it happens, so a learner sees every one.
Nothing here imports Textual: the session can be driven from a test or a script, and
``tick()`` with a controlled clock runs the very loop the worker thread runs.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.checkpoint import load_checkpoint, save_checkpoint
from core.config import Config
from core.ghosts import MAX_GHOSTS, Ghost, keep
from core.health import saturation, symmetric_layers
from core.inspect import parameter_name
from core.run_data import describe
from core.trainer import Diverged, Trainer

from ..snapshot import Curve, DataView, NeuronMaps, Snapshot, Surface
from .ladder import ladder_step
from .pace import EPOCHS, FULL, FULL_SPEED, PHASES, STEPS, Pace, Pacer, capped, pace_step
from .results import DataFacts
from .surface import DescentPath, loss_surface, surface_note
from .views import (
    clamp_selection,
    data_view,
    finite_difference_of,
    inspect_selected,
    neuron_maps,
    phase_detail,
)

SLICE_SECONDS = 0.02  # the worker looks at its commands at least this often while training
DATA_VIEW_SECONDS = 0.5  # while training, the data view's grid is this old at most
IDLE_SECONDS = 0.05  # paused, the worker wakes at least this often (a command wakes it at once)

Command = Callable[[Trainer], object]


@dataclass
class Plan:
    """Runs still to compare: their configs, the epochs each runs, how many in all."""

    configs: list[Config]
    epochs: int
    runs: int


class TrainingSession:
    """Runs a Trainer in a worker thread, steered by commands, observed through snapshots.

    Args:
        trainer: the run to drive.
        paused: start paused.
        curve_points: buckets per curve in a snapshot (about two per plot column).
        pace: how fast to train (full speed by default).
        max_rate: at most this many epochs a second, whatever the pace asked (served).
        nice: the niceness of the thread that runs ``run`` (Linux sets it per thread): a
            served session's training gives way to its screen and keys on a busy machine.
        clock: seconds, monotonic; a test passes its own to control the pace.
    """

    def __init__(
        self,
        trainer: Trainer,
        paused: bool = False,
        curve_points: int = 240,
        pace: Pace = FULL_SPEED,
        clock: Callable[[], float] = time.monotonic,
        max_rate: float | None = None,
        nice: int = 0,
    ) -> None:
        self.trainer = trainer
        self.running = not paused
        self.clock = clock
        self.max_rate = max_rate
        self.nice = nice
        self.pace = pace = capped(pace, max_rate)
        self._pacer = Pacer(pace, clock())
        self.curve_points = curve_points
        self._commands: queue.SimpleQueue[tuple[int, str, Command]] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._numbers = itertools.count(1)
        self._snapshots = itertools.count(1)
        self._applied = 0
        self._stop = False
        self._message = ""
        self._notice = (0, "", False)
        self._rate = (clock(), trainer.epoch, 0.0)
        self._want_snapshot = True
        self.selected: tuple[int, int, int] | None = None  # the inspector's weight
        self.data_view_wanted = False  # set by the UI while the data view is on screen
        self.surface_wanted = False  # set by the UI while the loss surface is on screen
        self.results_wanted = False  # set by the UI while a confusion matrix is on screen
        self.maps_wanted = False  # set by the UI while a panel draws the neurons' maps
        self._maps: tuple[float, NeuronMaps | None] = (0.0, None)  # (when, the last maps)
        self.facts = DataFacts()  # the confusion matrix, R² and the like, cached (results.py)
        self.path = DescentPath()  # (m, b) as training went, for the loss surface
        self._plan: Plan | None = None  # runs still to compare (see ``compare``)
        self._surface: tuple[float, Surface | None] = (0.0, None)  # (when, the last surface)
        self._data: tuple[float, DataView | None] = (0.0, None)  # (when, the last data view)
        self._published_key: tuple | None = None
        self._before: np.ndarray | None = None  # params when the current step started
        self._finite_difference: float | None = None
        # called on the worker thread after each new snapshot (the app posts a message)
        self.on_publish: Callable[[], None] | None = None
        self.finished = threading.Event()  # set while ``run`` is not running
        self.finished.set()
        self.latest: Snapshot = self._build_snapshot()

    # --- called from the UI thread ----------------------------------------------------

    def submit(self, label: str, command: Command) -> int:
        """Queue a command for the worker; returns its number (see Snapshot.applied)."""
        number = next(self._numbers)
        self._commands.put((number, label, command))
        self._want_snapshot = True
        self._wake.set()
        return number

    def request_snapshot(self) -> None:
        """Ask the worker to publish a fresh snapshot at its next chance."""
        self._want_snapshot = True
        if not self.running:
            self._wake.set()

    def stop(self) -> None:
        """Make ``run`` return at its next check (within about SLICE_SECONDS)."""
        self._stop = True
        self._wake.set()

    def set_running(self, running: bool) -> int:
        return self.submit("run" if running else "pause", lambda t: self._set_running(running))

    def toggle(self) -> int:
        return self.submit("toggle", lambda t: self._set_running(not self.running))

    def step(self) -> int:
        """Pause and run one mini-batch (the rest of it if stepping phase by phase)."""
        return self.submit("step", lambda t: self._paused_then(t.step))

    def run_epoch(self) -> int:
        return self.submit("epoch", lambda t: self._paused_then(t.run_epoch, whole_steps=False))

    def next_phase(self) -> int:
        return self.submit("phase", lambda t: self._paused_then(t.next_phase))

    def select(self, selection: tuple[int, int, int] | None) -> int:
        """Inspect the weight W_k[i, j] given as (k, i, j), or nothing."""

        def select(t: Trainer) -> None:
            self.selected = clamp_selection(selection, t.net.sizes)
            self._finite_difference = None

        return self.submit("select", select)

    def move_selection(self, delta: tuple[int, int, int]) -> int:
        """Move the selection by (layers, inputs, neurons) from where it is when the command
        applies (keys faster than the screen each take a step); a new layer starts at [0, 0]."""

        def move(t: Trainer) -> None:
            k, i, j = self.selected or (0, 0, 0)
            dk, di, dj = delta
            if dk:
                i, j = 0, 0
            self.selected = clamp_selection((k + dk, i + di, j + dj), t.net.sizes)
            self._finite_difference = None

        return self.submit("select", move)

    def show_surface(self, on: bool) -> int:
        """Compute the loss surface for each snapshot (only while it is on screen)."""
        return self.submit("surface", lambda t: setattr(self, "surface_wanted", on))

    def show_data_view(self, on: bool) -> int:
        """Compute the data view's grid for each snapshot (only while it is on screen)."""
        return self.submit("data view", lambda t: setattr(self, "data_view_wanted", on))

    def show_neuron_maps(self, on: bool) -> int:
        """Compute each neuron's map for each snapshot (only while a panel draws them)."""
        return self.submit("maps", lambda t: setattr(self, "maps_wanted", on))

    def show_results(self, on: bool) -> int:
        """Compute the confusion matrix for each snapshot (only while it is on screen)."""
        return self.submit("results", lambda t: setattr(self, "results_wanted", on))

    def restore_best(self) -> int:
        """Go back to the weights of the epoch with the lowest validation loss."""

        def restore(t: Trainer) -> None:
            epoch = t.restore_best()
            self._notify(
                f"back to the weights of epoch {epoch:,} (the lowest validation loss, "
                f"{t.best_val.loss:.4g}); training goes on from there"
            )

        return self.submit("best", restore)

    def check_selected(self) -> int:
        """Finite-difference check of the selected weight on the current batch."""

        def check(t: Trainer) -> None:
            self._finite_difference = finite_difference_of(t, self.selected, self._before)

        return self.submit("check", check)

    def set_pace(self, pace: Pace) -> int:
        return self.submit("pace", lambda t: self._set_pace(pace))

    def step_pace(self, slower: bool) -> int:
        """One rung slower or faster from the pace the worker has when the command applies."""
        return self.submit("pace", lambda t: self._set_pace(pace_step(self.pace, slower)))

    def set_lr(self, lr: float) -> int:
        return self.submit("lr", lambda t: t.set_lr(lr))

    def step_lr(self, up: bool) -> int:
        """One rung up or down the 1-3-10 ladder from the rate the trainer has when the
        command applies: keys pressed faster than the screen follows each take a rung."""
        return self.submit("lr", lambda t: t.set_lr(ladder_step(t.optimizer.lr, up)))

    def set_batch_size(self, batch_size: int | None) -> int:
        return self.submit("batch", lambda t: t.set_batch_size(batch_size))

    def set_optimizer(self, name: str) -> int:
        return self.submit("optimizer", lambda t: t.set_optimizer(name))

    def set_l2(self, l2: float) -> int:
        return self.submit("l2", lambda t: t.set_l2(l2))

    def reset_weights(self) -> int:
        def reset(t: Trainer) -> None:
            t.reinitialize()
            self.path.clear()

        return self.submit("reset", reset)

    def rebuild(self, config: Config) -> int:
        """A new run from a config (structure or data changed); errors keep the old run.
        The ghosts stay, to compare the new run with; a comparison under way ends."""

        def rebuild(t: Trainer) -> None:
            self._replace(Trainer(config), t.ghosts)
            self._plan = None
            if self.trainer.config.data is not None:  # say what was read and decided
                self._notify("\n".join(describe(self.trainer)))

        return self.submit("rebuild", rebuild)

    def compare(self, runs: list[dict], epochs: int) -> int:
        """Compare runs: after ``epochs`` epochs of this run, keep it as a ghost and start the
        next with the settings of this one changed as ``runs[0]`` says (same seed, so the
        same initial weights), and so on; pause after the last. ``runs`` as in a config file
        ({"batch_size": "full"})."""

        def plan(t: Trainer) -> None:
            configs = [Config.from_dict({**t.config.to_dict(), **change}) for change in runs]
            self._plan = Plan(configs, epochs, len(configs) + 1)

        return self.submit("compare", plan)

    def keep_ghost(self) -> int:
        """Keep the run's loss curves as a ghost, to compare the next runs with."""

        def keep_it(t: Trainer) -> None:
            if t.epoch == 0:
                raise ValueError("no epoch finished yet: there is no curve to keep")
            t.ghosts = keep(t.ghosts, Ghost.of(t))
            self._notify(f"kept this run's curves as ghost {len(t.ghosts)} (up to {MAX_GHOSTS})")

        return self.submit("ghost", keep_it)

    def clear_ghosts(self) -> int:
        return self.submit("ghosts", lambda t: setattr(t, "ghosts", []))

    def save(self, path: str | Path) -> int:
        return self.submit("save", lambda t: self._notify(f"saved {save_checkpoint(t, path)}"))

    def load(self, path: str | Path) -> int:
        """Replace the run with a checkpoint's. A file that cannot be read, or a run that
        cannot be drawn, leaves the run on screen as it was and says why."""

        def load(t: Trainer) -> None:
            loaded = load_checkpoint(path)  # CheckpointError: the file says what is wrong
            self._draw_once(loaded, path)
            self._replace(loaded)
            self._plan = None
            self._notify(f"loaded {path} at epoch {self.trainer.epoch}")

        return self.submit("load", load)

    def _draw_once(self, trainer: Trainer, path: str | Path) -> None:
        """Build one snapshot of a loaded run before it replaces the one on screen: a run
        that cannot be drawn is refused (ValueError) and the one on screen stays as it is."""
        kept = (self.trainer, self.selected, self._before, self._data, self._surface, self._maps)
        self.trainer, self._before = trainer, None
        self.selected = clamp_selection(self.selected, trainer.net.sizes)
        self._data = self._surface = self._maps = (0.0, None)
        try:
            self._build_snapshot()
        except Exception as e:  # whatever it is, the run on screen stays
            failure = f"{type(e).__name__}: {e}"
            raise ValueError(f"{path} cannot be shown ({failure}); the run is unchanged") from e
        finally:
            self.trainer, self.selected, self._before, self._data, self._surface, self._maps = kept

    def set_weight(self, layer: int, i: int, j: int, value: float) -> int:
        """Write W_layer[i, j] and report the training loss before and after."""

        def edit(t: Trainer) -> None:
            before = t.evaluate(t.X, t.Y)[0]
            t.set_weight(layer, i, j, value)
            after = t.evaluate(t.X, t.Y)[0]
            self._before = None
            self._notify(
                f"{parameter_name(layer, i, j, t.net.sizes)} = {value:g}: "
                f"training loss {before:.4g} → {after:.4g}"
            )

        return self.submit("weight", edit)

    # --- the worker ---------------------------------------------------------------------

    def run(self, cancelled: Callable[[], bool] = lambda: False) -> None:
        """The worker loop: ``tick`` after ``tick``, waiting between them as the pace says
        (a command or a request for a snapshot ends the wait at once)."""
        self.finished.clear()
        if self.nice:
            with contextlib.suppress(OSError, AttributeError):  # not Linux: as it is
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self.nice)
        try:
            while not (self._stop or cancelled()):
                wait = self.tick()
                if wait > 0:
                    self._wake.wait(wait)
                    self._wake.clear()
        finally:
            self.finished.set()

    def tick(self) -> float:
        """One turn of the worker: train as far as the pace allows now, apply the commands,
        publish a snapshot if one is wanted. Returns how long to wait before the next turn."""
        wait = self._train() if self.running else IDLE_SECONDS
        if self._plan is not None and self.trainer.epoch >= self._plan.epochs:
            self._next_run()
        self.path.record(self.trainer)
        self._apply_commands()
        self.path.record(self.trainer)
        if self._want_snapshot:
            self._publish()
        return wait if self._commands.empty() else 0.0

    def _apply_commands(self) -> None:
        while True:
            try:
                number, label, command = self._commands.get_nowait()
            except queue.Empty:
                return
            self._want_snapshot = True
            try:
                with np.errstate(all="ignore"):
                    command(self.trainer)
                self._message = self.trainer.diverged or ""
            except Diverged as e:
                self.running = False
                self._message = str(e)
            except (ValueError, OSError) as e:
                self._notify(str(e), error=True)
            except MemoryError:
                self._notify(f"{label}: not enough memory; the run is unchanged", error=True)
            except Exception as e:  # a bug: say so, keep the worker and the run alive
                failure = f"{label} failed ({type(e).__name__}: {e}); the run is unchanged"
                self._notify(failure, error=True)
            self._applied = number

    def _train(self) -> float:
        """Train for one slice of at most SLICE_SECONDS: flat out at full speed, else the
        epochs, steps or phases the pace says are due. Returns the seconds until the next
        is due (0: go on at once)."""
        try:
            with np.errstate(all="ignore"):
                if self.pace.kind == FULL:
                    self._run_until(time.perf_counter() + SLICE_SECONDS, lambda: False)
                    return 0.0
                return self._train_paced()
        except Diverged as e:
            self.running = False
            self._message = str(e)
        except Exception as e:  # a bug or no memory: pause and say so, like a failed command
            self.running = False
            self._notify(f"training paused: {type(e).__name__}: {e}", error=True)
        self._want_snapshot = True
        return 0.0

    def _run_until(self, deadline: float, unit_done: Callable[[], bool]) -> bool:
        """Steps until ``unit_done()``, the deadline, a command or stop; True if the unit
        finished (a long epoch goes on in the next slice, after the commands)."""
        t = self.trainer
        while not unit_done():
            if time.perf_counter() >= deadline or not self._commands.empty() or self._stop:
                return False
            t._finish_step()
        return True

    def _train_paced(self) -> float:
        """The units (epochs, steps, phases) due by the clock, each published as it ends
        when the pace is watchable, so the screen shows every one."""
        t, kind, pacer = self.trainer, self.pace.kind, self._pacer
        deadline = time.perf_counter() + SLICE_SECONDS
        for _ in range(pacer.due(self.clock())):
            if kind == EPOCHS:
                epoch = t.epoch
                if not self._run_until(deadline, lambda e=epoch: t.epoch != e):
                    return 0.0
            elif kind == STEPS:
                self._before = t.net.params.copy() if t.phase_index == 0 else self._before
                t._finish_step()
            elif kind == PHASES:
                if t.phase_index == 0:
                    self._before = t.net.params.copy()
                t.next_phase()
            pacer.done()
            self.path.record(t)
            if self.pace.watchable:
                self._publish()
            if time.perf_counter() >= deadline or not self._commands.empty():
                return 0.0
        return pacer.wait(self.clock())

    def _next_run(self) -> None:
        """A compared run is done: keep it as a ghost and start the next, or after the last
        pause (the last run stays the live one)."""
        t, plan = self.trainer, self._plan
        if not plan.configs:
            self._plan, self.running = None, False
            self._notify(f"the {plan.runs} runs are on one plot: the earlier ones as ghosts")
        else:
            config = plan.configs.pop(0)
            self._replace(Trainer(config), keep(t.ghosts, Ghost.of(t)))
            self._pacer = Pacer(self.pace, self.clock())
            number = plan.runs - len(plan.configs)
            self._notify(f"run {number} of {plan.runs}: the one before is now a ghost")
        self._want_snapshot = True

    def _set_running(self, running: bool) -> None:
        self.running = running
        if running:
            self._message = ""
            self._rate = (self.clock(), self.trainer.epoch, 0.0)
            self._pacer = Pacer(self.pace, self.clock())  # the schedule starts now

    def _set_pace(self, pace: Pace) -> None:
        if capped(pace, self.max_rate) != pace:
            self._notify(f"this server trains at most {self.max_rate:g} epochs a second")
        self.pace = pace = capped(pace, self.max_rate)
        self._pacer = Pacer(pace, self.clock())
        self._rate = (self.clock(), self.trainer.epoch, 0.0)

    def _paused_then(self, action: Callable[[], object], whole_steps: bool = True) -> None:
        """Pause, then act; remember the weights a new step starts from (for the inspector)."""
        self.running = False
        if self.trainer.phase_index == 0:
            self._before = self.trainer.net.params.copy() if whole_steps else None
            self._finite_difference = None
        action()

    def _replace(self, trainer: Trainer, ghosts: list[Ghost] | None = None) -> None:
        if ghosts is not None:
            trainer.ghosts = ghosts
        self.trainer = trainer
        self.selected = clamp_selection(self.selected, trainer.net.sizes)
        self._before = None
        self._message = ""
        self._rate = (self.clock(), trainer.epoch, 0.0)
        self._data = (0.0, None)  # the old network's map is no view of the new one
        self._maps = (0.0, None)
        self._surface = (0.0, None)
        self.facts = DataFacts()
        self.path.clear()

    def _notify(self, text: str, error: bool = False) -> None:
        self._notice = (self._notice[0] + 1, text, error)

    def _epochs_per_second(self) -> float:
        then, epoch, rate = self._rate
        now = self.clock()
        if not self.running:
            return 0.0
        if now - then >= 1.0:  # refresh the rate about once a second
            rate = (self.trainer.epoch - epoch) / (now - then)
            self._rate = (now, self.trainer.epoch, rate)
        return rate

    def _curve(self, history, name: str) -> Curve:
        if len(history) == 0:
            return Curve.empty()
        return Curve(*history.series(name, self.curve_points))

    def _loss_surface(self) -> Surface | None:
        """The loss over (m, b) while the surface view is on screen; at full speed at most
        every DATA_VIEW_SECONDS, at a watchable pace for every snapshot (each step moves)."""
        if not self.surface_wanted:
            return None
        at, surface = self._surface
        now = self.clock()
        fresh = not self.running or self.pace.watchable or now - at >= DATA_VIEW_SECONDS
        if surface is None or fresh:
            self._surface = now, loss_surface(self.trainer, self.path)
        return self._surface[1]

    def _data_view(self) -> DataView | None:
        """The model over its input plane, while a data view is on screen. While training it
        is recomputed at the pace the panel is redrawn, not for every snapshot: for a wide
        2-input network the grid's forward pass costs more than many training steps."""
        if not self.data_view_wanted:
            return None
        at, data = self._data
        now = self.clock()
        if not self.running or data is None or now - at >= DATA_VIEW_SECONDS:
            self._data = now, data_view(self.trainer)
        return self._data[1]

    def _neuron_maps(self) -> NeuronMaps | None:
        """Each neuron's map while a panel draws them: paused at once, while training at
        most every DATA_VIEW_SECONDS (the network panel's pace), like the data view."""
        if not self.maps_wanted:
            return None
        at, maps = self._maps
        now = self.clock()
        if not self.running or maps is None or now - at >= DATA_VIEW_SECONDS:
            self._maps = now, neuron_maps(self.trainer)
        return self._maps[1]

    def _recompute(self, at: float) -> bool:
        """Whether a view computed at ``at`` of an earlier state is computed again: paused
        or at a watchable pace at once, at full speed every DATA_VIEW_SECONDS."""
        return not self.running or self.pace.watchable or self.clock() - at >= DATA_VIEW_SECONDS

    def _publish(self) -> None:
        """A new snapshot, unless paused with nothing changed since the last one (then the
        screen has nothing to redraw and writes nothing to the terminal)."""
        self._want_snapshot = False  # this one answers any request made before it
        t = self.trainer
        key = (
            id(t),
            t.steps,
            t.phase_index,
            t.epoch,
            t.optimizer.lr,
            self._applied,
            self._notice[0],
            self._message,
            self.selected,
            self._finite_difference,
            self.data_view_wanted,
            self.surface_wanted,
            self.results_wanted,
            self.maps_wanted,
        )
        if self.running or key != self._published_key:
            self._published_key = key
            self.latest = self._build_snapshot()
            if self.on_publish is not None:
                self.on_publish()

    def _build_snapshot(self) -> Snapshot:
        t = self.trainer
        net = t.net
        last = t.history.last() or {}
        nan = float("nan")
        report = t.report()
        n_layers = net.n_layers
        status = "running" if self.running else ("diverged" if self._message else "paused")
        # paused, or running a step or a phase at a time: what the last phase computed
        stepping = not self.running or self.pace.kind in (STEPS, PHASES)
        return Snapshot(
            seq=next(self._snapshots),
            applied=self._applied,
            status=status,
            message=self._message,
            notice_id=self._notice[0],
            notice=self._notice[1],
            notice_error=self._notice[2],
            epoch=t.epoch,
            steps=t.steps,
            steps_per_epoch=len(t.batches),
            batch_pos=t.batches.pos,
            phases=tuple(t.phases),
            phase_index=t.phase_index,
            last_phase=t.last_phase if stepping else None,
            pace=self.pace,
            config=t.config,
            task=t.task,
            loss_name=t.loss_name,
            dataset_name=t.train_set.name,
            sizes=tuple(net.sizes),
            activation_names=tuple(a.name for a in net.activations),
            derivative_formulas=tuple(a.formula for a in net.activations),
            activation_notes=tuple(a.note for a in net.activations),
            loss_formula=t.loss.formula,
            loss_short=t.loss.short or t.loss_name,
            weights=tuple(w.copy() for w in net.weights),
            biases=tuple(b.copy() for b in net.biases),
            grad_norm=report.grad_norm,
            bias_grad_norm=report.bias_grad_norm,
            weight_norm=report.weight_norm,
            update_ratio=report.update_ratio,
            delta_norm=report.delta_norm,
            last_loss=float(t.last_loss),
            train_loss=last.get("train_loss", nan),
            val_loss=last.get("val_loss", nan),
            train_acc=last.get("train_acc", nan),
            val_acc=last.get("val_acc", nan),
            val_size=len(t.X_val),
            epochs_per_second=self._epochs_per_second(),
            train_curve=self._curve(t.history, "train_loss"),
            val_curve=self._curve(t.history, "val_loss"),
            grad_curves=tuple(self._curve(t.history, f"grad_norm_{k}") for k in range(n_layers)),
            lr_changes=tuple(t.lr_changes),
            ghosts=tuple(t.ghosts),
            dead_neurons=tuple(None if d is None else d.copy() for d in t.activity.dead),
            symmetric=symmetric_layers(net.weights, net.biases),
            saturation=saturation(net, t.loss),
            detail=phase_detail(t) if stepping else None,
            selected=self.selected,
            selected_name=""
            if self.selected is None
            else parameter_name(*self.selected, net.sizes),
            inspection=inspect_selected(t, self.selected, self._before, self._finite_difference)
            if stepping
            else None,
            data=self._data_view(),
            neuron_maps=self._neuron_maps(),
            surface=self._loss_surface(),
            surface_note=surface_note(t) if self.surface_wanted else "",
            **self.facts.of(
                t, self.results_wanted or self.data_view_wanted, self.clock(), self._recompute
            ),
        )
