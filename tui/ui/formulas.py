"""Formulas as the screen writes them, shared by the panels that show them."""

from __future__ import annotations


def update_rule(optimizer: str, l2: float = 0.0, l1: float = 0.0, clip: float = 0.0) -> str:
    """The update as the code applies it, in the lesson's words: plain SGD with its penalties
    "W_new = W - lr·(dE/dW + 0.5·W)"; momentum and Adam by name."""
    if optimizer != "sgd":
        return f"{optimizer} step"
    extra = (f" + {l2:g}·W" if l2 else "") + (f" + {l1:g}·sign(W)" if l1 else "")
    rule = f"W_new = W - lr·(dE/dW{extra})" if extra else "W_new = W - lr·dE/dW"
    return rule + (f", clipped to {clip:g}" if clip else "")
