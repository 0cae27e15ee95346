"""backprop-tui's training core: an MLP with backpropagation written out in NumPy.

Pure NumPy; no UI library is imported here, so it works from a script or a notebook:

    from core import Network
    net = Network([2, 8, 8, 1], activations=["tanh", "tanh", "sigmoid"], init="xavier", seed=0)
    loss, grads = net.loss_and_grads(X, Y, loss="bce")
"""

from .activations import ACTIVATIONS, Activation, get_activation
from .config import Config, ConfigError
from .csv_data import load_csv, load_iris
from .datasets import Dataset, make_dataset
from .evaluation import confusion, predict, r2
from .losses import LOSSES, Loss, get_loss
from .metrics import class_report, confusion_matrix, r2_score
from .network import Network
from .optimizers import OPTIMIZERS, Optimizer, make_optimizer
from .phases import Phase
from .trainer import Diverged, EpochReport, StepReport, Trainer

__all__ = [
    "Activation",
    "ACTIVATIONS",
    "class_report",
    "confusion",
    "confusion_matrix",
    "Config",
    "ConfigError",
    "Dataset",
    "Diverged",
    "EpochReport",
    "get_activation",
    "get_loss",
    "load_csv",
    "load_iris",
    "Loss",
    "LOSSES",
    "make_dataset",
    "make_optimizer",
    "Network",
    "Optimizer",
    "OPTIMIZERS",
    "Phase",
    "predict",
    "r2",
    "r2_score",
    "StepReport",
    "Trainer",
]
