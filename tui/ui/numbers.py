"""Numbers as the panels write them: compact, and never "-0" (an exact negative zero, as a
dead ReLU's gradient can be, reads as 0)."""

from __future__ import annotations

import math

import numpy as np


def num(x: float | None, spec: str = ".4g") -> str:
    """4 significant digits by default; "–" for None or nan, "inf" as such."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return format(float(x) + 0.0, spec) if math.isfinite(x) else str(float(x))


def vector(v: np.ndarray, room: int, signed: bool = False) -> str:
    """'[0.12 -0.5 0.9 …]' within ``room`` characters ('[+0.12 -0.5 …]' when ``signed``)."""
    parts, used = [], 2
    for x in np.asarray(v, float).ravel():
        part = num(x, "+.3g" if signed else ".3g")
        if used + len(part) + 2 > room:
            parts.append("…")
            break
        parts.append(part)
        used += len(part) + 1
    return "[" + " ".join(parts) + "]"
