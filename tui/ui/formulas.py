"""Formulas as the screen writes them, shared by the panels that show them."""

from __future__ import annotations


def update_rule(optimizer: str, l2: float = 0.0, l1: float = 0.0, clip: float = 0.0) -> str:
    """The update as the code applies it: plain SGD with its penalties; others by name."""
    if optimizer != "sgd":
        return f"{optimizer} step"
    extra = (f" + {l2:g}·W" if l2 else "") + (f" + {l1:g}·sign(W)" if l1 else "")
    rule = f"W -= lr·(dE/dW{extra})" if extra else "W -= lr·dE/dW"
    return rule + (f", clipped to {clip:g}" if clip else "")
