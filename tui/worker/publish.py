"""The Snapshot a session publishes: read-only copies of the run, and the views it shows.

Every array in a snapshot is a copy made read-only (tui.snapshot's ``frozen``), never a view
of a buffer the trainer reuses, so the screen can read it at leisure while training goes
on. Views that cost
a pass over a grid or a data set (the data view, the neurons' maps, the loss surface, the
confusion matrix, R²) are computed only while wanted, each kept in one ``Cached`` until the
run has moved on and it is due again: at once while paused or at a watchable pace, at
most every DATA_VIEW_SECONDS at full speed. The costly ones (the loss landscape of any
network, λmax) also wait while running until their last computation is at most SHARE of
the time since, so that they never take more than that of the trainer's.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from core.evaluation import regression_scores
from core.health import saturation, symmetric_layers
from core.inspect import parameter_name
from core.pace import FULL, PHASES, STEPS
from core.run_data import describe
from core.trainer import Trainer

from ..snapshot import Curve, Reveal, Snapshot, freeze, frozen
from .landscape import (
    RANDOM,
    SHARPNESS_PAUSED_SECONDS,
    SHARPNESS_SECONDS,
    SharpnessTracker,
    landscape,
)
from .surface import DescentPath, loss_surface, surface_note
from .views import (
    batch_sample,
    carried_back,
    data_points,
    data_view,
    inspect_selected,
    neuron_maps,
    phase_detail,
    results,
    test_scores,
)

if TYPE_CHECKING:
    from .session import TrainingSession

DATA_VIEW_SECONDS = 0.5  # while training at full speed, a view is this old at most
SHARE = 0.05  # a costly view takes at most this share of the worker's time while training
SHARPNESS_EVERY = 1.0  # seconds between two estimates of λmax at full speed, at least


class Cached:
    """One view of the run: ``compute(trainer)`` again only when the run has moved on
    (``key`` changed) and ``due(computed_at)`` says it is time."""

    def __init__(self, compute: Callable[[Trainer], Any]) -> None:
        self.compute = compute
        self.clear()

    def clear(self) -> None:
        self.at, self.key, self.value = -math.inf, None, None
        self.cost = 0.0  # how long the last computation took, on the session's clock

    def get(
        self,
        t: Trainer,
        key: tuple,
        now: float,
        due: Callable[[float], bool],
        clock: Callable[[], float] | None = None,
    ) -> Any:
        if self.key is None or (key != self.key and due(self.at)):
            self.at, self.key, self.value = now, key, self.compute(t)
            self.cost = clock() - now if clock is not None else 0.0
        return self.value


def _regression_pair(t: Trainer) -> tuple:
    return regression_scores(t, "train"), regression_scores(t)


class SnapshotMaker:
    """Builds a session's snapshots; holds the views' caches (one run's: ``clear`` them for
    a new run)."""

    def __init__(self, curve_points: int, path: DescentPath) -> None:
        self.curve_points = curve_points
        self.seq = itertools.count(1)
        points = Cached(data_points)  # the data sets' read-only copies, made once a run
        self.views = {
            "points": points,
            "data": Cached(lambda t: data_view(t, points.get(t, (id(t),), 0.0, _never))),
            "maps": Cached(neuron_maps),
            "surface": Cached(lambda t: loss_surface(t, path)),
            "landscape": Cached(lambda t: landscape(t, path.weights, self.plane)),
            "results": Cached(results),
            "r2": Cached(_regression_pair),
            "test": Cached(test_scores),
            "summary": Cached(lambda t: tuple(describe(t))),
        }
        self.plane = RANDOM  # the landscape's plane: the session's, as the last make saw it
        self.sharpness = SharpnessTracker()
        self.sharpness_cache = Cached(self.sharpness.measure)

    def clear(self) -> None:
        """A new run: nothing computed of the old one is shown again."""
        for cache in self.views.values():
            cache.clear()
        self.sharpness.clear()
        self.sharpness_cache.clear()

    def make(self, s: TrainingSession) -> Snapshot:
        """The snapshot of session ``s`` now (on the worker, between two steps)."""
        t, net = s.trainer, s.trainer.net
        now = s.clock()
        key = (id(t), t.steps, t.edits)  # the weights as they are (a view of them)

        def due(at: float) -> bool:
            return not s.running or t.config.pace.watchable or now - at >= DATA_VIEW_SECONDS

        def view(name: str, wanted: bool, of: tuple = key) -> Any:
            return self.views[name].get(t, of, now, due) if wanted else None

        def sparing(cache: Cached, seconds: float) -> Callable[[float], bool]:
            """Due: paused, at once; running, once ``seconds`` (at full speed; 0 at a pace)
            have passed and the last computation took at most SHARE of the time since."""
            wait = seconds if t.config.pace.kind == FULL else 0.0
            return lambda at: not s.running or now - at >= max(wait, cache.cost / SHARE)

        def costly(name: str, cache: Cached, of: tuple, seconds: float) -> Any:
            if name not in s.wanted:
                return None
            return cache.get(t, of, now, sparing(cache, seconds), s.clock)

        if "sharpness" in s.wanted:  # λmax of E + ½ l2 ‖W‖²: l2 is part of the key
            self.sharpness.budget = SHARPNESS_SECONDS if s.running else SHARPNESS_PAUSED_SECONDS
            costly("sharpness", self.sharpness_cache, (*key, t.config.l2), SHARPNESS_EVERY)
        self.plane = s.plane
        shown_landscape = None
        if surface_note(t):  # any network but y = m x + b (its surface is drawn whole)
            plane_key = (*key, s.plane)
            shown_landscape = costly(
                "landscape", self.views["landscape"], plane_key, DATA_VIEW_SECONDS
            )

        last = t.history.last() or {}
        nan = float("nan")
        epoch = {k: last.get(k, nan) for k in ("train_loss", "val_loss", "train_acc", "val_acc")}
        if t.restored is not None:  # went back since the last epoch: those weights' measures
            r = t.restored
            epoch = dict(train_loss=r.train_loss, val_loss=r.val_loss, train_acc=r.train_acc,
                         val_acc=r.val_acc)  # fmt: skip
        report = t.report()
        status = "running" if s.running else ("diverged" if s.message else "paused")
        # paused, or running a step or a phase at a time: what the last phase computed
        stepping = not s.running or t.config.pace.kind in (STEPS, PHASES)
        selected = s.selected
        sample = batch_sample(t, s.sample)
        graph = stepping and "graph" in s.wanted  # the graph of one sample is on screen
        carried = carried_back(t, sample, s.before) if graph else ()
        regression, csv = t.task == "regression", t.config.data is not None
        fits = view("r2", regression)  # (training, validation) R², RMSE, MAE
        ds = t.train_set
        return Snapshot(
            seq=next(self.seq),
            applied=s.applied,
            status=status,
            message=s.message,
            notice_id=s.notice[0],
            notice=s.notice[1],
            notice_error=s.notice[2],
            epoch=t.epoch,
            steps=t.steps,
            steps_per_epoch=len(t.batches),
            batch_pos=t.batches.pos,
            phases=tuple(t.phases),
            phase_index=t.phase_index,
            stepping=stepping,
            config=t.config,
            task=t.task,
            loss_name=t.loss_name,
            dataset_name=ds.name,
            sizes=tuple(net.sizes),
            activation_names=tuple(a.name for a in net.activations),
            derivative_formulas=tuple(a.formula for a in net.activations),
            activation_notes=tuple(a.note for a in net.activations),
            loss_formula=t.loss.formula,
            loss_short=t.loss.short or t.loss_name,
            weights=tuple(frozen(w) for w in net.weights),
            biases=tuple(frozen(b) for b in net.biases),
            grad_norm=frozen(report.grad_norm),
            bias_grad_norm=frozen(report.bias_grad_norm),
            weight_norm=frozen(report.weight_norm),
            norm_grad=frozen(t.norms.norm_gradients()),
            update_ratio=frozen(report.update_ratio),
            delta_norm=frozen(report.delta_norm),
            last_loss=float(t.last_loss),
            **epoch,
            val_size=len(t.X_val),
            epochs_per_second=s.epochs_per_second(),
            train_curve=self.curve(t, "train_loss"),
            val_curve=self.curve(t, "val_loss"),
            grad_curves=tuple(self.curve(t, f"grad_norm_{k}") for k in range(net.n_layers)),
            lr_changes=tuple(t.lr_changes),
            restores=tuple(t.restores),
            ghosts=tuple(t.ghosts),
            dead_neurons=tuple(None if d is None else frozen(d) for d in t.activity.dead),
            symmetric=symmetric_layers(net.weights, net.biases),
            off_neurons=tuple((k + 1, unit) for k, unit in net.off),
            saturation=saturation(net, t.loss),
            detail=phase_detail(t, sample, carried) if stepping else None,
            selected=selected,
            selected_name="" if selected is None else parameter_name(*selected, net.sizes),
            inspection=inspect_selected(t, selected, s.before, s.finite_difference)
            if stepping
            else None,
            data=view("data", "data" in s.wanted),
            neuron_maps=view("maps", "maps" in s.wanted),
            surface=view("surface", "surface" in s.wanted),
            surface_note=surface_note(t) if "surface" in s.wanted else "",
            landscape=shown_landscape,
            sharpness=self.sharpness.shown(t) if "sharpness" in s.wanted else None,
            results=view("results", not regression and bool({"results", "data"} & s.wanted)),
            train_r2=fits[0].r2 if fits else nan,
            val_r2=fits[1].r2 if fits else nan,
            train_rmse=fits[0].rmse if fits else nan,
            val_rmse=fits[1].rmse if fits else nan,
            test_scores=view("test", t.data.test is not None) or "",
            target_standardized=regression and t.target_scaler is not None,
            best_epoch=t.best_val.epoch,
            best_val_loss=t.best_val.loss,
            data_summary=view("summary", csv, of=(id(t),)) or (),
            input_names=ds.feature_names if csv or ds.plane is not None else (),
            output_names=output_names(t) if csv else (),
            sample=sample,
            quiz_question=s.quizzes.question,
            quiz_reveal=frozen_reveal(s.quizzes.last),
            quiz_score=(s.quizzes.right, s.quizzes.answered),
        )

    def curve(self, t: Trainer, name: str) -> Curve:
        """A history column as min/max buckets, about two a plot column (copies)."""
        if len(t.history) == 0:
            return Curve.empty()
        return Curve(*(frozen(a) for a in t.history.series(name, self.curve_points)))


def output_names(t: Trainer) -> tuple[str, ...]:
    """A CSV run's outputs: its classes (P(name) for two), or its target."""
    ds = t.train_set
    if ds.task == "multiclass":
        return ds.class_names
    return (f"P({ds.class_names[1]})",) if ds.task == "binary" else (ds.target,)


def frozen_reveal(r: Reveal | None) -> Reveal | None:
    """The reveal with read-only arrays (it is made once; freezing it again is a no-op)."""
    return None if r is None else freeze(r)


def _never(at: float) -> bool:
    return False
