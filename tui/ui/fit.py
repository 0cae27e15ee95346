"""Text that fits its room: each panel lists what it would say from the most complete to
the shortest, and the first that fits is shown; nothing is ever cut in the middle of a word.
"""

from __future__ import annotations


def cut_words(text: str, width: int) -> str:
    """``text`` if it fits in ``width`` cells, else its whole words that do (maybe none)."""
    if len(text) <= width:
        return text
    head = text[: width + 1]
    return head.rsplit(" ", 1)[0].rstrip() if " " in head else ""


def first_fit(options: list[str], width: int) -> str:
    """The first (most complete) of ``options`` that fits in ``width`` cells; if none does,
    the last one's whole words that fit."""
    for text in options:
        if len(text) <= width:
            return text
    return cut_words(options[-1], width) if options else ""
