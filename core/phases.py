"""The phases of one training step, as values: forward, loss, backward of each layer, update.

A step over a network of L layers runs forward, loss, backward of layer L-1 (the output
layer) down to backward of layer 0, then update. ``Phase.layer`` counts from 0 like
``Network.weights[k]``; ``Phase.label`` is how the screen names it, layers counted from 1
like W1 and δ1 (the backward phase of ``weights[0]`` is "backward 1"). This is the one
place where the two countings meet.
"""

from __future__ import annotations

from dataclasses import dataclass

FORWARD, LOSS, BACKWARD, UPDATE = "forward", "loss", "backward", "update"


@dataclass(frozen=True)
class Phase:
    """One phase of a step: its kind and, for a backward phase, the layer it computes."""

    kind: str  # FORWARD, LOSS, BACKWARD or UPDATE
    layer: int | None = None  # 0-based layer of a BACKWARD phase (None for the others)

    @property
    def label(self) -> str:
        """ "forward", "loss", "backward 3" (layers from 1), "update"."""
        return f"{BACKWARD} {self.layer + 1}" if self.kind == BACKWARD else self.kind

    def __str__(self) -> str:
        return self.label


def step_phases(n_layers: int) -> tuple[Phase, ...]:
    """The phases of a step in order: forward, loss, backward L-1 ... 0, update."""
    backward = tuple(Phase(BACKWARD, k) for k in reversed(range(n_layers)))
    return (Phase(FORWARD), Phase(LOSS), *backward, Phase(UPDATE))
