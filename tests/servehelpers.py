"""Reading what a served app sends: its packets (textual-serve's protocol) as plain text."""

import re

# CSI sequences (colours, cursor moves, modes), charset choices, keypad modes
ANSI = re.compile(r"\x1b\[[0-9;?<>=$]*[ -/]*[@-~]|\x1b[()][A-Z0-9]|\x1b[=>]")


def plain(text: str) -> str:
    """Terminal output without its escape sequences: the words the screen shows, in the
    order they were written (a cursor move between two cells leaves them side by side)."""
    return ANSI.sub("", text)


def packets_text(raw: bytes) -> str:
    """The data packets of an app's output (after its __GANGLION__ line) as plain text."""
    _, _, raw = raw.partition(b"__GANGLION__\n")
    out, i = [], 0
    while i + 5 <= len(raw):
        kind, size = raw[i : i + 1], int.from_bytes(raw[i + 1 : i + 5], "big")
        if kind == b"D":
            out.append(raw[i + 5 : i + 5 + size].decode("utf-8", "replace"))
        i += 5 + size
    return plain("".join(out))
