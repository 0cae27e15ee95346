"""backprop-tui's training core: an MLP with backpropagation written out in NumPy.

Pure NumPy; no UI library is imported here, so it works from a script or a notebook:

    from core import Network
    net = Network([2, 8, 8, 1], activations=["tanh", "tanh", "sigmoid"], init="xavier", seed=0)
    loss, grads = net.loss_and_grads(X, Y, loss="bce")

The names below are imported when first used (``import core.settings`` alone does not load
the trainer, and the command line's --help stays quick).
"""

from importlib import import_module

_WHERE = {
    "Activation": "activations",
    "ACTIVATIONS": "activations",
    "get_activation": "activations",
    "Config": "config",
    "ConfigError": "config",
    "load_csv": "csv_data",
    "load_iris": "csv_data",
    "Dataset": "datasets",
    "make_dataset": "datasets",
    "confusion": "evaluation",
    "predict": "evaluation",
    "r2": "evaluation",
    "LOSSES": "losses",
    "Loss": "losses",
    "get_loss": "losses",
    "class_report": "metrics",
    "confusion_matrix": "metrics",
    "r2_score": "metrics",
    "Network": "network",
    "OPTIMIZERS": "optimizers",
    "Optimizer": "optimizers",
    "make_optimizer": "optimizers",
    "Phase": "phases",
    "Diverged": "trainer",
    "EpochReport": "trainer",
    "StepReport": "trainer",
    "Trainer": "trainer",
    "state_of": "trainer_state",
    "trainer_from_state": "trainer_state",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> object:
    """``core.Trainer`` and the like: the module that defines it, imported on first use."""
    if name not in _WHERE:
        raise AttributeError(f"module 'core' has no attribute {name!r}")
    value = getattr(import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
