"""What the worker adds to a snapshot about how good the model is, and about a CSV file's
data: the confusion matrix (while one is on screen), a regression's R², the epoch with the
lowest validation loss, the summary of what was read and the names of the columns.

Computed on the worker thread from the Trainer; the forward passes over the data sets are
cached and redone only when the run has moved on and the session says it is time.
"""

from __future__ import annotations

from collections.abc import Callable

from core.evaluation import r2
from core.run_data import describe
from core.trainer import Trainer

from ..snapshot import Results
from .views import results


class DataFacts:
    """The cached facts of one run (a new run gets a new DataFacts)."""

    def __init__(self) -> None:
        self._results: tuple[float, tuple, Results | None] = (0.0, (), None)
        self._r2: tuple[float, tuple, tuple[float, float]] = (0.0, (), (float("nan"),) * 2)
        self._summary: tuple[int, tuple[str, ...]] = (0, ())  # (id of the trainer, lines)

    def of(self, t: Trainer, want_results: bool, now: float, due: Callable[[float], bool]) -> dict:
        """Snapshot fields: results (when wanted), R², the best epoch, a CSV file's summary
        and names. ``now``: the session's clock; ``due(at)``: whether a view computed at
        ``at`` (of an earlier state of the run) is to be redone."""
        key = (id(t), t.epoch, t.steps)
        facts: dict = {"best_epoch": t.best_val.epoch, "best_val_loss": t.best_val.loss}
        if want_results and t.task != "regression":
            at, seen, view = self._results
            if view is None or (seen != key and due(at)):
                self._results = (at, seen, view) = (now, key, results(t))
            facts["results"] = view
        if t.task == "regression":
            at, seen, _ = self._r2
            if seen != key and (seen == () or due(at)):
                self._r2 = (now, key, (r2(t, "train"), r2(t)))
            facts["train_r2"], facts["val_r2"] = self._r2[2]
            facts["target_standardized"] = t.target_scaler is not None
        if t.config.data is not None:
            facts.update(self._names(t))
        elif t.train_set.plane is not None:  # derived inputs: name them in the network
            facts["input_names"] = t.train_set.feature_names
        return facts

    def _names(self, t: Trainer) -> dict:
        if self._summary[0] != id(t):
            self._summary = (id(t), tuple(describe(t)))
        ds = t.train_set
        if ds.task == "multiclass":
            outputs = ds.class_names
        else:
            outputs = (f"P({ds.class_names[1]})",) if ds.task == "binary" else (ds.target,)
        return {
            "data_summary": self._summary[1],
            "input_names": ds.feature_names,
            "output_names": outputs,
        }
