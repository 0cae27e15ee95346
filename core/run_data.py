"""The data of a run as a Config asks for it: read or generated, split, scaled; and the
hidden layers that fit it when none are given.

CSV files are split stratified by class (each class gives validation its share, with the
seed), or validated on a second file (``val_data``: the same columns, read like the first).
Inputs are standardised with the training rows' mean and deviation (auto: CSV data yes,
built-in sets no); a regression CSV's target too (``standardize_target``, auto: yes), so the
loss is in units of the target's deviation and ``evaluation.predict`` undoes it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .config import Config
from .csv_data import load_csv
from .datasets import Dataset, Standardizer, make_dataset, split, standardized
from .features import PLANE, expand, labels

MAX_FITTED_UNITS = 128  # the widest hidden layer chosen for the data


@dataclass(frozen=True, eq=False)
class RunData:
    """Training and validation sets (already scaled) and the scalers that were applied;
    the test set, if rows were held out for it (scaled alike, never used to choose)."""

    train: Dataset
    val: Dataset
    scaler: Standardizer | None = None  # of the inputs, fitted on the training rows
    target_scaler: Standardizer | None = None  # of a regression target, likewise
    stratified: bool = False  # the validation rows were drawn class by class
    test: Dataset | None = None  # rows held out (config.test_fraction), or None

    @classmethod
    def of(cls, data: RunData | tuple) -> RunData:
        """A RunData from itself or from (train, val, scaler[, target_scaler])."""
        return data if isinstance(data, RunData) else cls(*data)


def build_data(config: Config) -> RunData:
    """The training, validation (and test) sets a config asks for, standardised if it says
    so."""
    rng = np.random.default_rng([config.seed, 0])
    if config.val_data is not None and config.data is None:
        raise ValueError("val_data needs data: a CSV file to train on (--data)")
    csv = config.data is not None
    reading = {"target": config.target, "header": config.header, "sep": config.sep,
               "missing": config.missing, "keep_index": config.keep_index}  # fmt: skip
    if csv:
        full = load_csv(config.data, task=config.task, **reading)
    else:
        made = make_dataset(config.dataset, config.n_samples, config.noise, rng)
        full = with_features(made, config.features)
    full, test = held_out(full, config.test_fraction, np.random.default_rng([config.seed, 3]),
                          stratify=csv)  # fmt: skip
    if config.val_data is not None:
        train, val = full, load_csv(config.val_data, like=full, **reading)
        stratified = False
    else:
        stratified = csv and full.task != "regression" and config.val_fraction > 0
        share = min(0.9, config.val_fraction / (1.0 - config.test_fraction))
        train, val = split(full, share, rng, stratify=csv)
    return scaled(train, val, test, config, csv, stratified)


def held_out(
    full: Dataset, fraction: float, rng: np.random.Generator, stratify: bool
) -> tuple[Dataset, Dataset | None]:
    """(the rest, the test set): ``fraction`` of the rows drawn with ``rng`` (class by class
    when ``stratify``), or (full, None) for none."""
    return split(full, fraction, rng, stratify=stratify) if fraction else (full, None)


def scaled(
    train: Dataset,
    val: Dataset,
    test: Dataset | None,
    config: Config,
    csv: bool,
    stratified: bool = False,
) -> RunData:
    """The sets with the inputs (config.standardize; auto: ``csv``) and a regression target
    (config.standardize_target; auto: ``csv``) standardised by the training rows."""
    scaler = target_scaler = None
    if config.standardize if config.standardize is not None else csv:
        train, val, scaler = standardized(train, val)
        if test is not None:
            test = dataclasses.replace(test, X=scaler.transform(test.X))
    by_default = csv if config.standardize_target is None else config.standardize_target
    if train.task == "regression" and by_default:
        target_scaler = Standardizer.fit(train.Y)
        train, val, test = (
            None if ds is None else dataclasses.replace(ds, Y=target_scaler.transform(ds.Y))
            for ds in (train, val, test)
        )
    return RunData(train, val, scaler, target_scaler, stratified, test)


def with_features(ds: Dataset, keys: tuple[str, ...]) -> Dataset:
    """A 2-D set whose inputs are the features ``keys`` of its points (kept in ``plane``);
    the set itself for the plane's own x1, x2."""
    if keys == PLANE:
        return ds
    return dataclasses.replace(ds, X=expand(keys, ds.X), feature_names=labels(keys), plane=ds.X)


def plane_inputs(keys: tuple[str, ...], scaler: Standardizer | None, P: np.ndarray) -> np.ndarray:
    """The network's inputs (n, d) at points P (n, 2) of the plane: their features, scaled
    as the training inputs were. For the plane's own x1, x2 (unscaled) that is P itself."""
    X = P if keys == PLANE else expand(keys, P)
    return scaler.transform(X) if scaler is not None else X


def fitted_hidden(train: Dataset) -> tuple[int, ...]:
    """One hidden layer as wide as the inputs, twice the classes, and 8, whichever is most,
    rounded up to a power of two (at most MAX_FITTED_UNITS, never fewer than the classes):
    64 inputs and 10 classes -> (64,); Iris (4 inputs, 3 classes) -> (8,)."""
    want = max(8, train.n_features, 2 * train.n_classes)
    return (max(min(1 << (want - 1).bit_length(), MAX_FITTED_UNITS), train.n_classes),)


def narrow_layers(hidden: tuple[int, ...], train: Dataset) -> str:
    """A warning when a hidden layer is narrower than a classification's outputs (every
    class must pass through it), else ""."""
    outputs = train.n_outputs
    narrow = [(k, u) for k, u in enumerate(hidden, 1) if u < outputs]
    if train.task == "regression" or not narrow:
        return ""
    k, u = narrow[0]
    return (
        f"warning: hidden layer {k} has {u} unit{'s' * (u != 1)}, fewer than the {outputs} "
        f"outputs: it may limit the accuracy (try --hidden {fitted_hidden(train)[0]})"
    )


def class_counts(ds: Dataset) -> np.ndarray:
    """Rows per class (C,), 0 for regression."""
    if ds.task == "regression" or ds.n_samples == 0:
        return np.zeros(ds.n_classes, np.int64)
    return np.bincount(ds.labels(), minlength=ds.n_classes)


def one_sided_classes(train: Dataset, val: Dataset) -> list[str]:
    """Warnings for the classes a split left on one side (too few rows to share): with no
    validation rows they are never validated, with no training rows never learned."""
    if not val.n_samples:
        return []
    counts = zip(train.class_names, class_counts(train).tolist(), class_counts(val).tolist(),
                 strict=True)  # fmt: skip
    rows = [(name, t, v) for name, t, v in counts]
    warnings = []
    for side, never in (("validation", "validated"), ("training", "learned")):
        missed = [(name, t + v) for name, t, v in rows if (v if side == "validation" else t) == 0]
        if missed:
            said = ", ".join(f"{name} ({c:,} row{'s' * (c != 1)})" for name, c in missed[:5])
            more = f" and {len(missed) - 5} more" if len(missed) > 5 else ""
            plural = "es" * (len(missed) > 1)
            warnings.append(
                f"warning: no {side} rows for class{plural} {said}{more}: never {never}"
            )
    return warnings


def summary(config: Config, data: RunData, loss: str, output: str, fitted: bool) -> list[str]:
    """What was read and decided, one "what  how" line each (said once on load): the file,
    the task and why, the classes and their counts, the loss, the split, the scaling, the
    hidden layers (and a warning for one narrower than the outputs)."""
    train, val, test = data.train, data.val, data.test
    n_test = test.n_samples if test is not None else 0
    n = train.n_samples + (0 if config.val_data else val.n_samples) + n_test
    target = f", target {train.target}" if train.target else ""
    lines = [f"data     {train.name}: {n:,} rows, {train.n_features} features{target}"]
    lines += train.notes  # what reading the file decided: the separator, an index, ...
    task = "classification" if train.task != "regression" else "regression"
    why = f": {train.reason}" if train.reason else ""
    lines.append(f"task     {task}{why}" + ("; --task to override" if "asked" not in why else ""))
    if task == "classification":
        counts = class_counts(train) + class_counts(val) * (not config.val_data)
        counts = counts + (class_counts(test) if test is not None else 0)
        shown = [f"{name} ({c:,})" for name, c in zip(train.class_names, counts, strict=True)]
        more = f", ... ({len(shown) - 12} more)" if len(shown) > 12 else ""
        lines.append(f"classes  {len(shown)}: " + ", ".join(shown[:12]) + more)
        lines += one_sided_classes(train, val)
    lines.append(f"loss     {loss} ({output} output)")
    if config.val_data:
        how = f"from {val.name}"
    elif val.n_samples:
        how = "stratified by class, " * data.stratified + f"seed {config.seed}"
        how = f"{config.val_fraction:g} of the rows, {how}"
    else:
        how = "none (val_fraction 0): no validation loss"
    split_line = f"split    {train.n_samples:,} training rows, {val.n_samples:,} validation rows"
    lines.append(f"{split_line} ({how})")
    if test is not None:
        by_class = ", stratified by class" * (config.data is not None and task != "regression")
        lines.append(
            f"test     {n_test:,} rows held out ({config.test_fraction:g} of the rows{by_class}): "
            "never used to choose anything, scored at the end"
        )
    scaled = "standardised with the training rows' mean and deviation" if data.scaler else "as read"
    lines.append(f"inputs   {scaled}")
    if data.target_scaler is not None:
        sd = ", ".join(f"{s:.4g}" for s in data.target_scaler.std)
        lines.append(
            f"target   standardised: the loss is in units of its deviation ({sd}), squared "
            "for mse; predictions (evaluation.predict) are in the target's own units"
        )
    units = ",".join(map(str, config.hidden)) or "none"
    chosen = f" (chosen for {train.n_features} inputs"
    chosen += f" and {train.n_classes} classes" if task == "classification" else ""
    lines.append(f"hidden   {units}" + (chosen + "; --hidden to choose)" if fitted else ""))
    warnings = [narrow_layers(config.hidden, train), large_inputs(data)]
    return lines + [w for w in warnings if w]


LARGE_INPUT = 1e3  # inputs beyond this, kept as read, are far from what weights near 1 take


def large_inputs(data: RunData) -> str:
    """A warning for inputs kept as read (not standardised) that reach far beyond 1: the
    first layer's sums then swamp any initial weights, and the run may train at chance."""
    X = data.train.X
    top = float(np.abs(X[np.isfinite(X)]).max(initial=0.0)) if X.size else 0.0
    if data.scaler is not None or top < LARGE_INPUT:
        return ""
    return (
        f"warning: the inputs reach {top:.3g}, kept as read: weights for values near 1 cannot "
        "learn from them (a run may stay at chance). Standardise them (--standardize yes, "
        "the default for a CSV file)"
    )


def describe(trainer) -> list[str]:
    """``summary`` of a Trainer's data and decisions."""
    output = trainer.net.activations[-1].name
    return summary(trainer.config, trainer.data, trainer.loss_name, output, trainer.hidden_fitted)
