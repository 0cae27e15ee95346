"""What ``backprop-tui train`` says about a run's end: when and why it stopped, whose
weights it ends on, and its scores on the validation and test sets."""

from __future__ import annotations

from core.best_val import DEFAULT_PATIENCE, weights_epoch
from core.evaluation import SETS, arrays, confusion, regression_scores, rows
from core.metrics import class_report, format_report
from core.trainer import Trainer

HOW_LONG = {"epochs", "patience", "restore_best"}  # settings that say how long to train


def stops_by_default(trainer: Trainer, chosen: set[str]) -> bool:
    """Whether a new run stops by default: a CSV run told nothing of how long to train (no
    --epochs, --patience nor --restore-best, in flags or a file) stops once its validation
    loss has not fallen for DEFAULT_PATIENCE epochs and ends on the weights of the lowest;
    not other runs, nor one without validation rows. (Its config is left as it was, so a
    resumed run trains as its flags say.)"""
    return trainer.config.data is not None and not chosen & HOW_LONG and len(trainer.X_val) > 0


def stopping_line(trainer: Trainer) -> str:
    """Said before a run that stops by default: how, and how to train on instead."""
    return (
        f"stop     when the validation loss has not fallen for {DEFAULT_PATIENCE} epochs (at "
        f"most {trainer.config.epochs:,}), on the weights of its lowest; --epochs N trains N"
    )


def validation_score(trainer: Trainer) -> str:
    """'validation R² 0.4512' or 'validation accuracy 96.4%' of the current weights."""
    if trainer.task == "regression":
        return f"validation R² {regression_scores(trainer).r2:.4g}"
    accuracy = class_report(confusion(trainer)[0]).accuracy
    return f"validation accuracy {100 * accuracy:.1f}%"


def ending_line(trainer: Trainer, patience: int, stopped: bool, restored: int | None) -> str:
    """The one line of how the run ended: stopped by its ``patience``, and/or back to the
    weights of the best epoch ``restored`` (None: not restored), with their score."""
    best = trainer.best_val
    stop = f"stopped at epoch {trainer.epoch}: no lower validation loss for {patience} epochs"
    if restored is None:
        return f"{stop} (the lowest, {best.loss:.6g}, at epoch {best.epoch})"
    end = f"ending on the weights of epoch {restored} ({validation_score(trainer)})"
    return f"{stop}; {end}" if stopped else f"{end}, the lowest validation loss"


def weights_words(trainer: Trainer) -> str:
    """'at epoch 40', or 'with the weights of epoch 16 (of 36 trained)' after a restore."""
    epoch = weights_epoch(trainer)
    if epoch == trainer.epoch:
        return f"at epoch {epoch}"
    return f"with the weights of epoch {epoch} (of {trainer.epoch} trained)"


def score_lines(trainer: Trainer, which: str) -> list[str]:
    """A set's scores: a regression's R², RMSE and MAE (in the target's units) and loss in
    one line; a classification's confusion matrix and per-class scores."""
    n = rows(trainer, which)
    where = f"{SETS[which]} set ({n:,} rows)"
    if which == "test":
        where += ", never used to choose anything,"
    if trainer.task == "regression":
        s = regression_scores(trainer, which)
        units = f" ({trainer.train_set.target}'s units)" if trainer.train_set.target else ""
        scaled = " in standardised target units" if trainer.target_scaler is not None else ""
        loss = trainer.evaluate(*arrays(trainer, which))[0]
        return [
            f"{where} {weights_words(trainer)}: R² {s.r2:.4g}, RMSE {s.rmse:.4g}, "
            f"MAE {s.mae:.4g}{units}; {trainer.loss_name} {loss:.6g}{scaled}"
        ]
    cm, names = confusion(trainer, which)
    head = f"{where} {weights_words(trainer)}: rows are the true class, columns the predicted"
    return [head, *format_report(cm, names)]
