"""Repaint only the rows of a widget that changed.

Textual repaints a widget whole on ``refresh()``, and writes every one of its rows to the
terminal, even the rows that are the same as before (most of a network drawing or of a
loss plot from one snapshot to the next). A widget that mixes in ``ChangedRows`` draws all
its rows as strips (``rows``: by default through its own ``render()``); ``repaint_rows()``,
called instead of ``refresh()`` when it has something new to show, draws them at once,
compares each with the row on screen and marks only the cells that differ dirty (from the
first to the last that changed in each row, ``refresh(Region)``): the compositor renders and
writes only those, and nothing at all when none changed. A plain ``refresh()`` (a resize,
a new style, a reactive) forgets the rows kept, and the widget is drawn whole again as
Textual does.
"""

from __future__ import annotations

from textual.geometry import Region
from textual.strip import Strip
from textual.visual import Visual, visualize


class ChangedRows:
    """Mix in before Widget: ``class Panel(ChangedRows, Widget)``."""

    _rows_kept: tuple[tuple, list[Strip]] | None = None  # (rows_key(), the rows on screen)

    def rows(self, width: int, height: int) -> list[Strip]:
        """Every row of the widget: ``height`` strips of ``width`` cells."""
        visual = visualize(self, self.render())
        return Visual.to_strips(self, visual, width, height, self.visual_style)

    def rows_key(self) -> tuple:
        """What the rows depend on besides what ``repaint_rows`` announces: the size and
        the style (a subclass adds its own, e.g. a selection drawn into them)."""
        return (self.size, self.rich_style)

    def repaint_rows(self) -> None:
        """Draw the rows now and mark those that changed for repainting; the whole widget
        when there is nothing to compare with (not drawn yet, resized, restyled)."""
        kept, key = self._rows_kept, self.rows_key()
        width, height = self.size
        if kept is None or kept[0] != key or not self.is_mounted or not (width and height):
            self.refresh()
            return
        rows = self.rows(width, height)
        self._rows_kept = (key, rows)
        if len(rows) != len(kept[1]):
            self.refresh()
            return
        changed = [
            Region(x, y, w, 1)
            for y, (old, new) in enumerate(zip(kept[1], rows, strict=True))
            if old != new
            for x, w in [changed_span(old, new, width)]
        ]
        if changed:
            super().refresh(*changed)

    def refresh(self, *regions: Region, **kwargs):
        if not regions:  # the whole widget: drawn again from scratch
            self._rows_kept = None
        return super().refresh(*regions, **kwargs)

    def render_line(self, y: int) -> Strip:
        key = self.rows_key()
        if self._rows_kept is None or self._rows_kept[0] != key:
            self._rows_kept = (key, self.rows(*self.size))
        rows = self._rows_kept[1]
        return rows[y] if 0 <= y < len(rows) else Strip.blank(self.size.width, self.rich_style)


def changed_span(old: Strip, new: Strip, width: int) -> tuple[int, int]:
    """(x, width) of the cells from the first to the last that differ between two rows of
    ``width`` cells; the whole row if a character is wider than one cell."""
    a, b = _cells(old), _cells(new)
    if a is None or b is None or len(a) != len(b):
        return 0, width
    first = next((x for x, (p, q) in enumerate(zip(a, b, strict=True)) if p != q), len(a))
    if first == len(a):
        return 0, width  # the same cells, segments cut otherwise: no harm in repainting
    last = next(x for x in range(len(a) - 1, first - 1, -1) if a[x] != b[x])
    return first, last - first + 1


def _cells(strip: Strip) -> list[tuple[str, object]] | None:
    """(character, style) of each cell; None if a character takes more than one cell."""
    cells = [(ch, style) for text, style, _ in strip for ch in text]
    return cells if len(cells) == strip.cell_length else None
