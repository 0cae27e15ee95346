"""Axis ticks and their labels: round numbers, as few digits as tell them apart."""

from __future__ import annotations

import math


def compact(value: float, digits: int = 2) -> str:
    """A short tick label: "0.12", "150", "1e-4", "2.5e5"."""
    rounded = float(f"{value:.{digits}g}")
    if rounded != 0 and not 1e-3 <= abs(rounded) < 1e5:
        mant, exp = f"{rounded:.{digits - 1}e}".split("e")
        mant = mant.rstrip("0").rstrip(".") if "." in mant else mant
        return f"{mant}e{int(exp)}"
    return f"{rounded:.12g}"


def unique_labels(values: list[float]) -> list[str]:
    """Labels with the fewest significant digits (2 to 6) that tell the values apart."""
    labels = [compact(v) for v in values]
    for digits in range(3, 7):
        if len(set(labels)) == len(labels):
            break
        labels = [compact(v, digits) for v in values]
    return labels


def nice_ticks(lo: float, hi: float, count: int, integer: bool = False) -> list[float]:
    """About ``count`` (at least two if any fit) round ticks, 1, 2, 2.5 or 5 x 10^n, in [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return []
    if hi - lo <= 0:
        return [math.ceil(lo)] if integer and math.ceil(lo) <= hi else [] if integer else [lo]
    ticks: list[float] = []
    for n in range(max(count, 2), max(count, 2) + 6):  # a narrow range may hold only one
        raw = (hi - lo) / (n - 1)
        base = 10.0 ** math.floor(math.log10(raw))
        step = next(m * base for m in (1, 2, 2.5, 5, 10) if m * base >= raw)
        step = max(1.0, float(math.ceil(step))) if integer else step
        first = math.ceil(lo / step - 1e-9) * step
        ticks = [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]
        if len(ticks) >= 2:
            break
    return ticks


def y_ticks(lo: float, hi: float, count: int, log: bool) -> list[float]:
    """Round y ticks; on log scale (lo, hi are log10) at 1, 2, 5 x 10^n if two fit."""
    if not log:
        return nice_ticks(lo, hi, count)
    for mantissas in ((1,), (1, 2, 5), (1, 1.5, 2, 3, 5, 7)):
        decades = range(math.floor(lo), math.ceil(hi) + 1)
        ticks = [d + math.log10(m) for d in decades for m in mantissas]
        ticks = [t for t in ticks if lo - 1e-9 <= t <= hi + 1e-9]
        if len(ticks) >= 2:
            return ticks[:: -(-len(ticks) // (count + 1))]  # thin out to about count
    return [math.log10(t) for t in nice_ticks(10.0**lo, 10.0**hi, count) if t > 0]
