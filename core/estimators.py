"""scikit-learn-style estimators on the Trainer: ``BackpropClassifier``, ``BackpropRegressor``.

    from core.estimators import BackpropClassifier
    clf = BackpropClassifier(hidden=(16,), lr=0.1).fit(X, y)   # NumPy arrays or DataFrames
    clf.predict(X_new)          # (n,) class labels, as y held them
    clf.predict_proba(X_new)    # (n, C) one column per class of clf.classes_
    clf.score(X_test, y_test)   # accuracy (a regressor: R²)

They keep scikit-learn's conventions without importing it (nor pandas): the constructor
only stores its arguments, each an attribute of the same name, which ``get_params`` and
``set_params`` read and write (so ``sklearn.base.clone``, ``Pipeline``, ``cross_val_score``
and ``GridSearchCV`` work); ``fit`` checks them by building a ``Config`` from them, and
what it learns ends in "_": ``n_features_in_``, ``feature_names_in_`` (X with string column
names, a DataFrame's), ``classes_``, ``trainer_`` (the Trainer, to look inside), ``n_iter_``
(epochs trained), ``best_epoch_``. Before ``fit``, ``predict`` raises NotFittedError.
Inputs are read with ``np.asarray`` (a DataFrame, a Series, lists); names come from a
``columns`` attribute.

Training is the Trainer's, as ``backprop-tui train`` runs it: a share of the rows
(``val_fraction``, drawn class by class) is held out to validate on, inputs (and a
regression target) are standardised with the training rows' mean and deviation, training
stops after ``patience`` epochs without a lower validation loss (0: never, or no
validation rows) and ends on the weights of the lowest one (``restore_best``).
"""

from __future__ import annotations

import inspect
import sys
import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .best_val import DEFAULT_PATIENCE
from .config import Config
from .datasets import Dataset, split
from .evaluation import predict
from .metrics import r2_score
from .run_data import scaled
from .trainer import Diverged, Trainer


class NotFittedError(ValueError, AttributeError):
    """An estimator asked to predict before ``fit`` (as scikit-learn's, a ValueError and
    an AttributeError)."""


class TrainingDiverged(RuntimeWarning):
    """``fit`` stopped because training diverged; the model keeps the last good weights."""


class _Backprop:
    """What both estimators share: parameters, fitting, input checks. Subclasses define
    ``__init__`` (the parameters), ``_targets`` and ``_kind``."""

    _kind = ""  # "classifier" or "regressor"

    # --- parameters (scikit-learn's get_params / set_params) -----------------------------

    @classmethod
    def _param_names(cls) -> list[str]:
        """The constructor's arguments, in order: every one is an attribute."""
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Every constructor argument and its value (``deep``: no estimator nests others)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> _Backprop:
        """Set constructor arguments by name (checked at the next ``fit``); returns self."""
        names = self._param_names()
        for name, value in params.items():
            if name not in names:
                raise ValueError(
                    f"invalid parameter {name!r} for {type(self).__name__}: valid "
                    f"parameters are {', '.join(names)}"
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        """The class and the arguments that differ from their defaults."""
        defaults = inspect.signature(type(self).__init__).parameters
        changed = [f"{n}={v!r}" for n, v in self.get_params().items()
                   if not _same(v, defaults[n].default)]  # fmt: skip
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_tags__(self) -> Any:
        """The tags scikit-learn (1.6 and later) asks every estimator for. Only scikit-learn
        calls this, so it is loaded: its classes are taken from it, not imported here."""
        utils = sys.modules["sklearn.utils"]
        kind = self._kind
        return utils.Tags(
            estimator_type=kind,
            target_tags=utils.TargetTags(required=True),
            classifier_tags=utils.ClassifierTags() if kind == "classifier" else None,
            regressor_tags=utils.RegressorTags() if kind == "regressor" else None,
            non_deterministic=self.random_state is None,
        )

    def config(self) -> Config:
        """The Config the parameters describe (ConfigError, a ValueError, naming a bad one)."""
        hidden = self.hidden
        if isinstance(hidden, int | np.integer) and not isinstance(hidden, bool):
            hidden = (int(hidden),)  # hidden=16: one layer of 16
        seed = self.random_state
        if seed is None:  # scikit-learn's None: another draw each fit
            seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> 1)
        values = {
            name: getattr(self, name)
            for name in self._param_names()
            if name not in ("hidden", "random_state")
        }
        values.pop("standardize_target", None)
        target = getattr(self, "standardize_target", None)
        return Config(hidden=hidden, seed=seed, standardize_target=target, **values)

    # --- fitting --------------------------------------------------------------------------

    def fit(self, X: Any, y: Any) -> _Backprop:
        """Train on X (n, d) and y (n,): a new network each call. Returns self.

        Held out for validation: ``val_fraction`` of the rows (by class for a classifier).
        Stops after ``patience`` epochs without a lower validation loss, and ends on the
        weights of the lowest (``restore_best``); a divergence stops it with a
        TrainingDiverged warning, on the last good weights."""
        config = self.config()
        A, names = _matrix(X, "X")
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y "
                             "is None")  # fmt: skip
        Y, task, classes = self._targets(y, len(A))
        features = tuple(names) if names is not None else tuple(f"x{j + 1}" for j in
                                                                range(A.shape[1]))  # fmt: skip
        full = Dataset("fit", A, Y, task, features, classes, target="y")
        rng = np.random.default_rng([config.seed, 0])
        classify = task != "regression"
        train, val = split(full, config.val_fraction, rng, stratify=classify)
        stratified = classify and val.n_samples > 0
        trainer = Trainer(config, scaled(train, val, None, config, True, stratified))
        self.n_features_in_ = A.shape[1]
        if names is not None:
            self.feature_names_in_ = np.asarray(names, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self.trainer_ = trainer
        self.n_iter_ = _train(trainer)
        self.best_epoch_ = trainer.best_val.epoch
        return self

    def _targets(self, y: Any, n: int) -> tuple[NDArray, str, tuple[str, ...]]:
        raise NotImplementedError

    # --- predicting -----------------------------------------------------------------------

    def _outputs(self, X: Any) -> NDArray[np.float64]:
        """The network's outputs (n, k) for X, scaled as in training: probabilities, or
        values in the target's units."""
        if not hasattr(self, "trainer_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet: call fit(X, y) before predicting"
            )
        A, names = _matrix(X, "X")
        if A.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {A.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input (it was fitted on them)"
            )
        fitted = getattr(self, "feature_names_in_", None)
        if fitted is not None and names is not None and list(names) != list(fitted):
            missing = [n for n in fitted if n not in names]
            why = f"missing {', '.join(missing[:5])}" if missing else "in another order"
            raise ValueError(
                f"X's column names differ from those it was fitted on ({why}): "
                f"fitted on {', '.join(map(str, fitted))}"
            )
        return predict(self.trainer_, A)


class BackpropClassifier(_Backprop):
    """A multilayer perceptron classifier trained by backpropagation (see the module's
    docstring). Parameters are Config's, under the same names (``random_state`` is its
    ``seed``; ``hidden=None`` fits the layers to the data: one layer as wide as the inputs,
    twice the classes or 8, whichever is most, as a power of two)."""

    _kind = "classifier"
    _estimator_type = "classifier"  # what scikit-learn before 1.6 looks for

    def __init__(
        self,
        hidden: tuple[int, ...] | int | None = None,
        activation: str = "tanh",
        optimizer: str = "sgd",
        lr: float = 0.03,
        batch_size: int | None = 10,
        l2: float = 0.0,
        epochs: int = 1000,
        patience: int = DEFAULT_PATIENCE,
        restore_best: bool = True,
        val_fraction: float = 0.1,
        standardize: bool = True,
        init: str = "xavier",
        dtype: str = "float64",
        random_state: int | None = 0,
    ) -> None:
        self.hidden = hidden
        self.activation = activation
        self.optimizer = optimizer
        self.lr = lr
        self.batch_size = batch_size
        self.l2 = l2
        self.epochs = epochs
        self.patience = patience
        self.restore_best = restore_best
        self.val_fraction = val_fraction
        self.standardize = standardize
        self.init = init
        self.dtype = dtype
        self.random_state = random_state

    def _targets(self, y: Any, n: int) -> tuple[NDArray, str, tuple[str, ...]]:
        """y (n,) of labels -> targets Y (n, 1) 0/1 or (n, C) one-hot; classes_ set."""
        labels = _column(y, n)
        if labels.dtype.kind == "f" and not np.array_equal(labels, np.round(labels)):
            raise ValueError(
                "Unknown label type: y holds continuous values, not classes; for a regression "
                "use BackpropRegressor"
            )
        try:
            classes, index = np.unique(labels, return_inverse=True)
        except TypeError:
            raise ValueError("y's labels cannot be sorted: give labels of one kind") from None
        if len(classes) < 2:
            raise ValueError(f"y holds {len(classes)} class: a classifier needs 2 or more")
        self.classes_ = classes
        names = tuple(str(c) for c in classes)
        if len(classes) == 2:
            return index[:, None].astype(np.float64), "binary", names
        return np.eye(len(classes))[index], "multiclass", names

    def predict_proba(self, X: Any) -> NDArray[np.float64]:
        """(n, C) the probability of each class of ``classes_`` (rows sum to 1)."""
        out = self._outputs(X)
        return out if out.shape[1] > 1 else np.hstack([1.0 - out, out])

    def predict(self, X: Any) -> NDArray:
        """(n,) the most probable class of each row, as y held it."""
        probabilities = self.predict_proba(X)  # (NotFittedError before fit)
        return self.classes_[np.argmax(probabilities, axis=1)]

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """The accuracy: the share of rows predicted right (weighted by sample_weight)."""
        right = self.predict(X) == _column(y, None)
        return float(np.average(right, weights=sample_weight))


class BackpropRegressor(_Backprop):
    """A multilayer perceptron regressor trained by backpropagation (see the module's
    docstring): predictions in y's own units (the target is standardised while training
    unless ``standardize_target=False``)."""

    _kind = "regressor"
    _estimator_type = "regressor"

    def __init__(
        self,
        hidden: tuple[int, ...] | int | None = None,
        activation: str = "tanh",
        optimizer: str = "sgd",
        lr: float = 0.03,
        batch_size: int | None = 10,
        l2: float = 0.0,
        epochs: int = 1000,
        patience: int = DEFAULT_PATIENCE,
        restore_best: bool = True,
        val_fraction: float = 0.1,
        standardize: bool = True,
        standardize_target: bool = True,
        init: str = "xavier",
        dtype: str = "float64",
        random_state: int | None = 0,
    ) -> None:
        self.hidden = hidden
        self.activation = activation
        self.optimizer = optimizer
        self.lr = lr
        self.batch_size = batch_size
        self.l2 = l2
        self.epochs = epochs
        self.patience = patience
        self.restore_best = restore_best
        self.val_fraction = val_fraction
        self.standardize = standardize
        self.standardize_target = standardize_target
        self.init = init
        self.dtype = dtype
        self.random_state = random_state

    def _targets(self, y: Any, n: int) -> tuple[NDArray, str, tuple[str, ...]]:
        """y (n,) or (n, k) of numbers -> Y (n, k); n_outputs_ set."""
        values = np.asarray(y)
        Y, _ = _matrix(values.reshape(len(values), -1) if values.ndim == 1 else values, "y")
        if len(Y) != n:
            raise ValueError(f"y has {len(Y)} rows and X {n}: one target per row")
        self.n_outputs_ = Y.shape[1]
        return Y, "regression", ()

    def predict(self, X: Any) -> NDArray[np.float64]:
        """(n,) the predicted values in y's units ((n, k) for a target of k columns)."""
        out = self._outputs(X)
        return out[:, 0] if self.n_outputs_ == 1 else out

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """R² = 1 - sum (y - y_hat)² / sum (y - mean y)² (weighted by sample_weight)."""
        y_hat = self.predict(X)
        y = np.asarray(y, np.float64).reshape(y_hat.shape)
        if sample_weight is None:
            return r2_score(y, y_hat)
        w = np.asarray(sample_weight, np.float64).reshape(len(y), *([1] * (y.ndim - 1)))
        mean = np.average(y, axis=0, weights=w.ravel())
        residual, total = (w * (y - y_hat) ** 2).sum(axis=0), (w * (y - mean) ** 2).sum(axis=0)
        return float(np.mean(1.0 - residual / total))


def _train(trainer: Trainer) -> int:
    """Run the config's epochs, stopping after ``patience`` without a lower validation
    loss, then back to the best weights (``restore_best``). Returns the epochs trained."""
    config, best = trainer.config, trainer.best_val
    validated = len(trainer.X_val) > 0
    try:
        for _ in range(config.epochs):
            trainer.run_epoch()
            if validated and config.patience and best.waited(trainer.epoch) >= config.patience:
                break
    except Diverged as e:
        warnings.warn(f"training stopped: {e}", TrainingDiverged, stacklevel=3)
    if validated and config.restore_best and best.epoch is not None and trainer.epoch:
        trainer.restore_best()
    return trainer.epoch


def _matrix(X: Any, what: str) -> tuple[NDArray[np.float64], list[str] | None]:
    """X as a (n, d) float64 array of finite numbers, and its column names when it has
    them all as text (a DataFrame's ``columns``), else None."""
    if hasattr(X, "toarray"):  # scipy's sparse matrices and arrays
        raise TypeError(f"{what} is sparse, which is not supported: give X.toarray()")
    columns = getattr(X, "columns", None)
    names = [str(c) for c in columns] if columns is not None else None
    if names is not None and not all(isinstance(c, str) for c in columns):
        names = None  # scikit-learn keeps only names that are all strings
    try:
        raw = np.asarray(X)
        if raw.dtype.kind == "c":
            raise ValueError(f"Complex data not supported: {what} holds complex numbers")
        A = raw.astype(np.float64)
    except TypeError as e:
        raise TypeError(f"{what} must hold numbers only: {e}") from None
    except ValueError as e:
        raise ValueError(f"{what} must hold numbers only: {e}") from None
    if A.ndim != 2:
        raise ValueError(
            f"{what} has shape {A.shape}: give a 2-D array (n_samples, n_features). Reshape "
            "your data: X.reshape(-1, 1) for one feature"
        )
    for axis, things in ((0, "sample(s)"), (1, "feature(s)")):
        if A.shape[axis] == 0:
            raise ValueError(
                f"{what} has 0 {things} (shape={A.shape}) while a minimum of 1 is required: "
                "it needs rows and columns"
            )
    if not np.isfinite(A).all():
        bad = int((~np.isfinite(A)).sum())
        raise ValueError(f"{what} holds {bad:,} NaN or infinite values: fill or drop them first")
    return A, names


def _column(y: Any, n: int | None) -> NDArray:
    """y as a 1-D array of n labels ((n, 1) is taken as (n,))."""
    labels = np.asarray(y)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(f"y has shape {labels.shape}: give one label per row, (n,)")
    if n is not None and len(labels) != n:
        raise ValueError(f"y has {len(labels)} rows and X {n}: one label per row")
    return labels


def _same(a: Any, b: Any) -> bool:
    """a is b's value (for the repr: arrays and odd types compare as not the same)."""
    try:
        return bool(a == b) and type(a) is type(b)
    except (TypeError, ValueError):
        return False
