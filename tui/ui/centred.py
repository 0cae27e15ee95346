"""A panel's message: text wrapped and centred, as strips (the data view, the results)."""

from __future__ import annotations

import textwrap

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip


def draw_message(text: str, width: int, height: int, base: Style) -> list[Strip]:
    """``text`` wrapped and centred in a panel of ``width`` x ``height`` cells."""
    lines = textwrap.wrap(text, width)[: max(height, 0)] if width > 0 else []
    strips = [Strip.blank(width, base)] * ((height - len(lines)) // 2)
    for line in lines:
        left = " " * ((width - len(line)) // 2)
        strips.append(Strip([Segment(left + line, base)]).adjust_cell_length(width, base))
    return strips
