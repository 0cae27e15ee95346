"""A whole run as plain values, and the Trainer built back from them: what a checkpoint holds.

``state_of(trainer)`` gives one dict: ``state["meta"]`` JSON-able values (the config, the
counters, the shuffling generator's state, the data sets' names and labels), every other
entry a NumPy array named as core.state_check's ``ARRAYS`` says. ``trainer_from_state``
checks every value first (core.state_check) and builds the Trainer that continues bit for
bit where the one the state was taken from is: at the start of its current step (the
weights change only in the update phase). The learning rate is kept once, in the config.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .best_val import weights_epoch
from .history import History
from .state_check import StateError, check_state
from .trainer import Restored, Trainer, history_columns

__all__ = ["StateError", "state_of", "trainer_from_state"]


def state_of(trainer: Trainer) -> dict:
    """The run as plain values (see the module docstring). The arrays training changes are
    copies; the data sets are the trainer's own (training never writes into them). The
    fallback weights are settled first, so the state's are the best kept, with their loss
    (settling measures nothing unless it trained since: no weights change)."""
    t = trainer
    t.settle_fallback()
    b = t.batches
    full_batch = b.indices[0] is None
    meta = {
        "config": t.config.to_dict(),
        "epoch": t.epoch,
        "steps": t.steps,
        "batch_pos": b.pos,
        "init_round": t.init_round,
        "optimizer_t": t.optimizer.t,
        "loss_sum": t.tally.loss_sum,
        "correct": t.tally.correct,
        "seen": t.tally.seen,
        "last_loss": t.last_loss,
        "best_epoch": t.fallback.epoch,
        "best_loss": float(t.fallback.loss),
        "best_val_epoch": t.best_val.epoch,
        "best_val_loss": t.best_val.loss,
        "rng": b.rng.bit_generator.state,
        "dropout_rng": t.dropout_rng.bit_generator.state,
        "off": [list(n) for n in t.net.off],  # [hidden layer, unit] of each switched off
        "full_batch": full_batch,
        "lr_changes": [list(c) for c in t.lr_changes],
        "restores": [list(r) for r in t.restores],
        "restored": None if t.restored is None else dataclasses.astuple(t.restored),
        "ghosts": [{"config": g.config.to_dict(), "epochs": g.epochs} for g in t.ghosts],
        "hidden_fitted": t.hidden_fitted,
        "stratified": t.data.stratified,
        "weights_epoch": weights_epoch(t),  # whose weights these are (a restored epoch's)
    }
    arrays = {
        "params": t.net.params.copy(),
        "best": t.fallback.params.copy(),
        "best_val": t.best_val.params.copy(),
        "sums": t.norms.sums.copy(),
        "epoch_sums": t.norms.epoch_sums.copy(),
        **{  # batch norm's running averages, for validation and predict
            f"norm/{k}/{name}": getattr(norm, name).copy()
            for k, norm in enumerate(t.net.norm_layers)
            for name in ("running_mean", "running_var")
        },
        **{f"optimizer/{k}": v for k, v in t.optimizer.state().items()},
        **{f"history/{k}": v for k, v in t.history.state().items()},
        **{
            f"ghost/{k}/{name}": getattr(g, name)  # frozen already
            for k, g in enumerate(t.ghosts)
            for name in ("x", "train", "val")
        },
    }
    sets = [("train", t.train_set), ("val", t.val_set)]
    sets += [("test", t.data.test)] if t.data.test is not None else []  # held out rows
    for name, ds in sets:
        meta[name] = {
            "name": ds.name,
            "task": ds.task,
            "feature_names": list(ds.feature_names),
            "class_names": list(ds.class_names),
            "truth": dict(ds.truth),
            "target": ds.target,
            "reason": ds.reason,
            "notes": list(ds.notes),  # what reading the file decided (an index column...)
        }
        arrays[f"{name}/X"], arrays[f"{name}/Y"] = ds.X, ds.Y
        if ds.plane is not None:  # the points derived inputs were made from
            arrays[f"{name}/plane"] = ds.plane
    if not full_batch:
        arrays["batches"] = np.concatenate(b.indices)
        arrays["batch_sizes"] = np.array([len(i) for i in b.indices], dtype=np.int64)
    if t.scaler is not None:
        arrays["scaler/mean"], arrays["scaler/std"] = t.scaler.mean, t.scaler.std
    if t.target_scaler is not None:
        target = t.target_scaler
        arrays["target_scaler/mean"], arrays["target_scaler/std"] = target.mean, target.std
    return {"meta": meta, **arrays}


def trainer_from_state(state: dict) -> Trainer:
    """The Trainer that ``state_of`` was taken from, exactly.

    Every value is checked first (types, ranges, shapes, agreement with the config and
    the network): StateError names the first one no run could have written, before
    anything is built. ConfigError if the run would not fit the memory budget.
    """
    checked = check_state(state, history_columns)
    meta = state["meta"]
    t = Trainer(checked.config, checked.data, init_round=meta["init_round"])
    t.net.params[...] = state["params"]
    t.fallback.reset(state["best"], float(meta["best_loss"]), meta["best_epoch"])
    t.best_val.params[...] = state.get("best_val", state["params"])  # older: none kept
    t.best_val.loss = float(meta.get("best_val_loss", np.inf))
    t.best_val.epoch = meta.get("best_val_epoch") if np.isfinite(t.best_val.loss) else None
    t.hidden_fitted = meta.get("hidden_fitted", False)
    for k, norm in enumerate(t.net.norm_layers):
        norm.running_mean[...] = state[f"norm/{k}/running_mean"]
        norm.running_var[...] = state[f"norm/{k}/running_var"]
    t.norms.sums[...] = state["sums"]
    t.norms.epoch_sums[...] = state["epoch_sums"]
    t.optimizer.load_state(_part(state, "optimizer"))
    t.history = History.from_state(_part(state, "history"))
    t.lr_changes = [(int(e), float(lr)) for e, lr in meta["lr_changes"]]
    t.restores = [(int(e), str(why)) for e, why in meta.get("restores", [])]
    restored = meta.get("restored")
    t.restored = None if restored is None else Restored(*restored)
    t.epoch, t.steps, t.batches.pos = meta["epoch"], meta["steps"], meta["batch_pos"]
    tally = t.tally
    tally.loss_sum, tally.correct, tally.seen = meta["loss_sum"], meta["correct"], meta["seen"]
    t.last_loss = meta["last_loss"]
    t.batches.rng.bit_generator.state = meta["rng"]
    if "dropout_rng" in meta:  # older states: none drawn yet
        t.dropout_rng.bit_generator.state = meta["dropout_rng"]
    for layer, unit in meta.get("off", []):
        t.net.switch(layer, unit, on=False)
    t.batches.indices = checked.batches or [None]
    t.batches.gather()
    t.ghosts = checked.ghosts
    t.weights_loaded()
    return t


def _part(state: dict, prefix: str) -> dict:
    """The entries ``prefix/name`` of a state as {name: array}."""
    return {k[len(prefix) + 1 :]: v for k, v in state.items() if k.startswith(prefix + "/")}
