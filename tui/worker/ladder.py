"""The learning rate's 1-3-10 ladder that + and - step along."""

from __future__ import annotations

LR_LADDER = tuple(float(f"{m}e{e}") for e in range(-6, 2) for m in (1, 3))  # 1e-6 ... 30


def ladder_step(lr: float, up: bool) -> float:
    """The next learning rate up or down the 1-3-10 ladder (0.01, 0.03, 0.1, 0.3, ...)."""
    if up:
        return next((v for v in LR_LADDER if v > lr * (1 + 1e-9)), LR_LADDER[-1])
    return next((v for v in reversed(LR_LADDER) if v < lr * (1 - 1e-9)), LR_LADDER[0])
