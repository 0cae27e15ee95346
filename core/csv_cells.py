"""What a CSV file's cells may hold, and how the fields are separated (shared by the reader,
the targets and the settings).

- a number: what NumPy's C reader takes (float() without "_" and other scripts' digits),
  and, in a file not separated by commas, 1,5 for 1.5 (a decimal comma);
- a missing value: empty, NA, N/A, #N/A, NaN, null, None, <NA> or ? (in any case).
"""

from __future__ import annotations

SEPARATORS = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|"}  # name -> character
MISSING = frozenset({"", "na", "n/a", "#n/a", "nan", "-nan", "null", "none", "<na>", "?"})
MISSING_CHOICES = ("refuse", "drop", "mean")  # what to do with rows of missing cells


def number(text: str, comma: bool = False) -> float | None:
    """The number a (stripped) cell holds, or None. ``comma``: one comma is a decimal
    point."""
    if comma and "," in text:
        if "." in text or text.count(",") > 1:
            return None
        text = text.replace(",", ".")
    if not text.isascii() or "_" in text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def separator_name(value: object) -> str | None:
    """ "semicolon" for ";" or "Semicolon", "auto" for "auto"; None for anything else."""
    if not isinstance(value, str):
        return None
    text = value if value == "\t" else value.strip().lower()
    if text == "auto" or text in SEPARATORS:
        return text
    return next((name for name, char in SEPARATORS.items() if char == text), None)


def is_missing(text: str) -> bool:
    """Whether a (stripped) cell is a missing value."""
    return len(text) < 6 and text.lower() in MISSING
