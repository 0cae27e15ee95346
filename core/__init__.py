"""backprop-tui's training core: an MLP with backpropagation written out in NumPy.

Pure NumPy; no UI library is imported here, so it works from a script or a notebook:

    from core import Network
    net = Network([2, 8, 8, 1], activations=["tanh", "tanh", "sigmoid"], init="xavier", seed=0)
    loss, grads = net.loss_and_grads(X, Y, loss="bce")
"""

from .activations import ACTIVATIONS, Activation, get_activation
from .config import Config, ConfigError
from .losses import LOSSES, Loss, get_loss
from .network import Network
from .optimizers import OPTIMIZERS, Optimizer, make_optimizer
from .trainer import Diverged, EpochReport, StepReport, Trainer

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "Config",
    "ConfigError",
    "Diverged",
    "EpochReport",
    "LOSSES",
    "Loss",
    "Network",
    "OPTIMIZERS",
    "Optimizer",
    "StepReport",
    "Trainer",
    "get_activation",
    "get_loss",
    "make_optimizer",
]
