"""A CSV file read into columns: its separator, its header, quoted fields, missing cells.

``read_table(path, sep="auto", header=None) -> Table`` is the entry point (``load_csv``
builds a Dataset on it; anything else that reads a user's file should too). It reads:

- the separator ``sep``: ",", ";", "\\t" or "|" (or its name: comma, semicolon, tab,
  pipe); "auto" takes the one that splits the first lines into the same number of fields
  (2 or more), the most of them numbers;
- the header ``header``: True, False, or None (guess): the first row is a header when one
  of its cells is text over a column of numbers, when its numbers count 0, 1, 2, ...
  (pandas' names for unnamed columns), or when it has one field fewer than the rows
  below (R's ``write.table``: the row names' column has no name, ``""`` is added);
- fields quoted as R, Excel, pandas and the csv module write them (a separator, a quote
  written "" or a line break inside quotes); spaces around a field are dropped; rows with
  no value (blank lines, ``,,,``) are skipped; with a separator other than ",", ``1,5``
  is the number 1.5 (a decimal comma, as spreadsheets and R's write.csv2 write it);
- missing cells (csv_cells.MISSING): empty, NA, N/A, #N/A, NaN, null, None, <NA> or ?,
  in any case -> NaN.

A ``Table`` keeps every column in one float64 array ``values`` (n, k): a number column its
numbers, a text column the index of each cell's text in ``levels[j]``; NaN where a cell is
missing. ``kinds``, ``missing_counts()``, ``texts(j)``, ``has_index`` and ``lines`` (the line
each row starts on, for messages) describe it. Rows to predict for a trained run are read
the same way: ``read_table(path, config.sep, config.header)``, the run's feature names
found in ``names``, the index column (``has_index``) left out, ``kinds`` and
``missing_counts()`` checked before ``values`` is used.

Speed: the rows are parsed in one pass by NumPy's C reader (np.loadtxt), with a Python
converter only for the columns that need one (text, missing values, decimal commas) as the
first SAMPLE_ROWS rows show; a cell further down that the plan did not foresee changes its
column's plan and the C reader runs again (at most RETRIES times). A file it cannot read
(a blank line or a line break inside quotes, a row of another width, a bad quote) is read
by the csv module row by row: the same table, more slowly, or a ValueError naming the
line. Either way a number is exactly float(text): what NumPy's C reader and Python parse
(no "_" and ASCII digits only, see csv_cells.py).
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import stat
import warnings
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from . import memory
from .csv_cells import SEPARATORS, is_missing, number

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]

SEPARATOR_NAMES = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}  # for messages
INDEX_NAMES = ("", "Unnamed: 0")  # the header of pandas' and R's index column
SAMPLE_ROWS = 1000  # rows read first to see each column's kind
RETRIES = 6  # fast reads, each after a cell that changed a column's plan
HEAD_BYTES = 1 << 16  # bytes read first to estimate the memory a file needs
NUMBER, TEXT = "number", "text"


@dataclass(frozen=True, eq=False)
class Table:
    """A CSV file's cells by column; see the module docstring."""

    file: str  # the file's name, for messages
    names: tuple[str, ...]  # the header's cells ("" for a column without a name); () if none
    values: Floats  # (n, k): numbers, or a text column's level index; NaN: a missing cell
    levels: dict[int, tuple[str, ...]]  # text column j -> its distinct texts, as first seen
    lines: Ints  # (n,) the line each row starts on (the file's first line is 1)
    sep: str  # the separator: ",", ";", "\t" or "|"
    sniffed: bool  # the separator was guessed (sep="auto")
    decimal_comma: bool  # some number was written with a decimal comma (1,5)

    @property
    def n_rows(self) -> int:
        return int(self.values.shape[0])

    @property
    def n_cols(self) -> int:
        return int(self.values.shape[1])

    @property
    def kinds(self) -> tuple[str, ...]:
        """ "number" or "text" per column."""
        return tuple(TEXT if j in self.levels else NUMBER for j in range(self.n_cols))

    @property
    def header(self) -> bool:
        return bool(self.names)

    def column(self, j: int) -> str:
        """'column 3 (species)', or 'column 3' without a header or a name."""
        name = self.names[j] if self.names else ""
        return f"column {j + 1}" + (f" ({name})" if name else "")

    def missing(self) -> NDArray[np.bool_]:
        """(n, k) True where a cell is missing."""
        return np.isnan(self.values)

    def missing_counts(self) -> Ints:
        """(k,) missing cells per column."""
        return np.isnan(self.values).sum(axis=0)

    def texts(self, j: int) -> list[str | None]:
        """A text column's cells as text, None where missing (n,)."""
        levels = self.levels[j]
        return [None if c != c else levels[int(c)] for c in self.values[:, j].tolist()]

    @property
    def has_index(self) -> bool:
        """The first column is a row index as pandas (``df.to_csv(path)``) and R
        (``write.csv``) write one: unnamed in the header, a distinct value in every row."""
        if not self.names or self.names[0] not in INDEX_NAMES or self.n_cols < 2:
            return False
        first = self.values[:, 0]
        return not np.isnan(first).any() and len(np.unique(first)) == self.n_rows


def read_table(
    path: str | Path, sep: str = "auto", header: bool | None = None, min_columns: int = 2
) -> Table:
    """The cells of a CSV file (see the module docstring). ValueError, naming the file and
    the line, for a file that cannot be read as a table, or of fewer than ``min_columns``
    columns (2 for training: features and a target; 1 for rows to predict)."""
    path, sniffed = Path(path), sep == "auto"
    sep = SEPARATORS.get(sep, sep)
    if not sniffed and sep not in SEPARATORS.values():
        names = ", ".join(f"{name} ({char!r})" for name, char in SEPARATORS.items())
        raise ValueError(f"sep = {sep!r} is not allowed: auto, {names}")
    raw = _read_bytes(path)
    head = _decoded(raw[: _end_of_line(raw, SAMPLE_ROWS + 50)], path.name)
    if sniffed:
        sep = sniff("".join(head.splitlines(keepends=True)[:50]))
    comma = sep != ","  # a comma in a number is a decimal comma
    try:
        records = _records(head, sep, path.name, SAMPLE_ROWS + 1)
    except ValueError:  # a quoted field goes on past the head, or the file is bad
        records = _records(_decoded(raw, path.name), sep, path.name, SAMPLE_ROWS + 1)
    if not records:
        raise ValueError(f"{path.name} is empty: it needs a row per sample")
    first_line, after_first, first = records[0]
    sample = [fields for _, _, fields in records[1:]]
    short = _short_header(first, sample, comma)  # R's write.table: no name for the row names
    if header is None:
        header = short or _looks_like_header(first, sample, comma)
    names = tuple([""] * short + first) if header else ()
    k = len(names or first)
    if k < min_columns:
        raise ValueError(_one_column(path.name, sniffed, sep))
    line = after_first if header else first_line  # the first line of the rows
    if not header:
        sample = [first, *sample]
    width_line = records[1][0] if short else first_line  # the line whose fields count
    plan = _plan(sample, k, comma)
    values, lines, levels, decimal = _parse(raw, line, sep, plan, path.name, width_line)
    keep = ~np.isnan(values).all(axis=1)  # rows with no value at all
    if not keep.all():
        values, lines = values[keep], lines[keep]
    return Table(path.name, names, values, levels, lines, sep, sniffed, decimal)


# --- the file's bytes and text ------------------------------------------------------------


def _read_bytes(path: Path) -> bytes:
    """The bytes of a regular file whose reading fits in memory (a FIFO or a device such
    as /dev/zero would hang or never end), as UTF-8 without a byte order mark (UTF-16 with
    its byte order mark, Excel's "Unicode text", is converted) and with line ends."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ValueError(f"no such file: {path}") from None
    except OSError as e:
        raise ValueError(f"cannot read {path}: {e.strerror or e}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{path} is not a regular file: give a CSV file")
    try:
        with path.open("rb") as f:
            _check_memory(path.name, f.read(HEAD_BYTES), info.st_size)
            f.seek(0)
            raw = f.read(info.st_size + 1)
    except OSError as e:
        raise ValueError(f"cannot read {path}: {e.strerror or e}") from None
    if len(raw) > info.st_size:
        raise ValueError(f"{path.name} grew while it was read: read it once it is complete")
    if raw.startswith(b"PK\x03\x04"):
        raise ValueError(f"{path.name} is a zip archive (an .xlsx workbook?): save it as CSV")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            raw = raw.decode("utf-16").encode()
        except UnicodeDecodeError as e:
            raise ValueError(
                f"{path.name} is not UTF-16 text ({e.reason}): save it as UTF-8"
            ) from None
    raw = raw.removeprefix(codecs.BOM_UTF8)
    if b"\n" not in raw and b"\r" in raw:  # old Mac line ends
        raw = raw.replace(b"\r", b"\n")
    return raw


def _decoded(raw: bytes, file: str) -> str:
    """UTF-8 bytes as text; ValueError naming the line of a byte that is not UTF-8."""
    try:
        return raw.decode()
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise ValueError(
            f"{file} line {line} is not UTF-8 text (byte {e.start:,}: {e.reason}): save the "
            "file as UTF-8"
        ) from None


def _end_of_line(raw: bytes, n: int) -> int:
    """Where the first ``n`` lines end (the end of the bytes if they have fewer)."""
    end = -1
    for _ in range(n):
        end = raw.find(b"\n", end + 1)
        if end < 0:
            return len(raw)
    return end + 1


def _check_memory(file: str, head: bytes, size: int) -> None:
    """Refuse a file whose reading and training would not fit in memory, before reading
    it: its rows and columns estimated from its first bytes."""
    lines = [x for x in head.splitlines()[: -1 if len(head) < size else None] if x.strip()]
    rows = cols = 1  # no whole line in the head: its bytes alone decide
    if lines:
        first = lines[0].decode("utf-8", "replace")
        cols = max(len(next(csv.reader([first], delimiter=s))) for s in SEPARATORS.values())
        rows = size * len(lines) // (sum(map(len, lines)) + len(lines))
    memory.check_csv_memory(file, size, rows, cols)


def _offset(text: str, line: int) -> int:
    """Where line ``line`` (1 the first) starts."""
    start = 0
    for _ in range(line - 1):
        start = text.index("\n", start) + 1
    return start


Row = tuple[int, int, list[str]]  # (line, the line after it, stripped fields)


def _rows(text: str, line: int, sep: str, file: str) -> Iterator[Row]:
    """Each row with a value from line ``line`` on: (line, the line after it, stripped
    fields). A quote that is never closed is named with its line."""
    start = _offset(text, line)

    def lines() -> Iterator[str]:
        at = start
        while at < len(text):
            end = text.find("\n", at) + 1 or len(text)
            yield text[at:end]
            at = end

    reader = csv.reader(lines(), delimiter=sep, strict=True)
    at = line
    try:
        for row in reader:
            fields = [x.strip() for x in row]
            after = line + reader.line_num
            if not all(map(is_missing, fields)):
                yield at, after, fields
            at = after
    except csv.Error as e:
        if "unexpected end of data" in str(e):
            never = 'a quote (") opens a field that is never closed'
            raise ValueError(f"{file} line {at}: {never}") from None
        raise ValueError(f"{file} line {line + reader.line_num - 1}: {e}") from None


def _records(text: str, sep: str, file: str, n: int) -> list[Row]:
    """The first ``n`` rows with a value: (line, the line after it, fields)."""
    records = []
    for record in _rows(text, 1, sep, file):
        records.append(record)
        if len(records) == n:
            break
    return records


def _one_column(file: str, sniffed: bool, sep: str) -> str:
    tried = "tried , ; tab and |" if sniffed else f"separated by {SEPARATOR_NAMES[sep]}"
    return (
        f"{file} has 1 column ({tried}): it needs feature columns and a target column; "
        "give --sep if its fields are separated by another character"
    )


# --- what the first rows say --------------------------------------------------------------


def sniff(head: str) -> str:
    """The separator of the lines ``head``: of those that split each line into as many
    fields (2 or more), the one with the most numbers below the first line; else the one
    with the most fields in the first line; "," if none splits it."""
    best, score = ",", (False, 0, 1)
    for sep in SEPARATORS.values():
        rows = [r for r in csv.reader(head.splitlines(), delimiter=sep) if any(r)]
        if not rows:
            continue
        same = len({len(r) for r in rows}) == 1
        numbers = sum(number(x.strip(), sep != ",") is not None for r in rows[1:] for x in r)
        candidate = (same and len(rows[0]) > 1, numbers, len(rows[0]))
        if candidate > score:
            best, score = sep, candidate
    return best


def _looks_like_header(first: list[str], sample: list[list[str]], comma: bool) -> bool:
    """Whether the first row names the columns: a text cell over a column of numbers (or
    of nothing); or numbers 0, 1, 2, ... in order (pandas' names for unnamed columns),
    3 of them or beside a text that its column below does not hold (a name, not a label)."""

    def below(j: int) -> list[str]:
        return [r[j] for r in sample if j < len(r) and not is_missing(r[j])]

    texts = [j for j, x in enumerate(first) if number(x, comma) is None and not is_missing(x)]
    if any(all(number(x, comma) is not None for x in below(j)) for j in texts):
        return True
    numbers = [x for x in first if number(x, comma) is not None]
    counting = len(numbers) >= 2 and numbers == [str(i) for i in range(len(numbers))]
    return counting and (len(numbers) >= 3 or any(first[j] not in below(j) for j in texts))


def _short_header(first: list[str], sample: list[list[str]], comma: bool) -> int:
    """1 if the first row is names, one fewer than the fields of every row below (R's
    write.table leaves the row names' column unnamed), else 0."""
    widths = {len(r) for r in sample}
    texts = any(number(x, comma) is None and not is_missing(x) for x in first)
    return int(texts and widths == {len(first) + 1})


@dataclass
class _Plan:
    """How to read each column, as the sample rows show it."""

    kinds: list[str]  # NUMBER or TEXT
    odd: list[bool]  # cells the C reader refuses ("NA", a space it keeps): read by Python
    commas: list[bool]  # a decimal comma seen (read by Python, or made a point first)
    comma: bool  # the separator is not ",": a comma in a number is a decimal comma


def _plan(sample: list[list[str]], k: int, comma: bool) -> _Plan:
    """How to read the ``k`` columns, from the sample rows (stripped fields)."""
    plan = _Plan([NUMBER] * k, [False] * k, [False] * k, comma)
    for row in sample:
        for j, cell in enumerate(row[:k]):
            if number(cell, comma) is not None:
                plan.commas[j] = plan.commas[j] or (comma and "," in cell)
            elif is_missing(cell):
                plan.odd[j] = True
            else:
                plan.kinds[j] = TEXT
    return plan


# --- reading the rows ---------------------------------------------------------------------


def _number_reader(comma: bool, commas: list[bool]) -> Callable[[str], float]:
    """A cell -> its number, NaN if missing; ValueError if it holds text. A decimal comma
    read sets ``commas[0]``."""

    def read(cell: str) -> float:
        try:  # most cells: float() takes them, and they are ASCII without "_"
            x = float(cell)
            if cell.isascii() and "_" not in cell:
                return x
        except ValueError:
            pass
        cell = cell.strip()
        x = number(cell, comma)
        if x is not None:
            commas[0] = commas[0] or "," in cell
            return x
        if is_missing(cell):
            return math.nan
        raise ValueError(cell)

    return read


def _text_reader(codes: dict[str, int]) -> Callable[[str], float]:
    """A cell -> the index of its text in ``codes`` (added if new), NaN if missing."""

    def read(cell: str) -> float:
        cell = cell.strip()
        if is_missing(cell):
            return math.nan
        return codes.setdefault(cell, len(codes))

    return read


Parsed = tuple[Floats, Ints, dict[int, tuple[str, ...]], bool]
# NumPy's message for a cell its C reader cannot convert (a plain ValueError otherwise)
_UNCONVERTED = re.compile(r"could not convert string .* at row \d+, column (\d+)\.$", re.S)


def _parse(raw: bytes, line: int, sep: str, plan: _Plan, file: str, width_line: int) -> Parsed:
    """The rows from line ``line`` on: by the fast reader, which tries again when a cell
    further down than the sample changes a column's plan (a missing value, a decimal
    comma, text), at most RETRIES times; else by the careful reader, from the sample's
    plan (lines the fast reader split wrongly may have misled it)."""
    parsed: Parsed | int | None = None
    fast = _Plan(list(plan.kinds), list(plan.odd), list(plan.commas), plan.comma)
    for _ in range(RETRIES):
        parsed = _fast(raw, line, sep, fast)
        if not isinstance(parsed, int) or not _replan(fast, parsed):
            break
    text = None
    while not isinstance(parsed, tuple):
        text = text or _decoded(raw, file)
        parsed = _careful(text, line, sep, plan, file, width_line)
        if isinstance(parsed, int):  # a column the sample took for numbers holds text
            plan.kinds[parsed] = TEXT
    return parsed


def _replan(plan: _Plan, j: int) -> bool:
    """Change column j's plan after a cell the fast reader could not convert: numbers read
    by Python (a missing value, a decimal comma, a space the C reader keeps), then text;
    False if it is text already (the careful reader will say what is wrong)."""
    if not plan.odd[j]:
        plan.odd[j] = True
    elif plan.kinds[j] == NUMBER:
        plan.kinds[j] = TEXT
    else:
        return False
    return True


def _fast(raw: bytes, line: int, sep: str, plan: _Plan) -> Parsed | int | None:
    """The rows from line ``line`` on, parsed by np.loadtxt; or the column of the first
    cell it could not convert; or None if they do not fit the plan otherwise or their
    lines cannot be told (the careful reader reads them then)."""
    if b'"' in raw and raw.count(b'"') % 2:
        return None  # a quote never closed: the careful reader names its line
    k = len(plan.kinds)
    text_cols = [j for j in range(k) if plan.kinds[j] == TEXT]
    commas = [False]
    python = plan.odd
    if plan.comma and not text_cols and b"," in raw:
        raw, commas = raw.replace(b",", b"."), [True]  # commas can only be decimal ones
    elif plan.comma:
        python = [o or c for o, c in zip(plan.odd, plan.commas, strict=True)]
    codes = {j: {} for j in text_cols}
    converters = {j: _text_reader(codes[j]) for j in text_cols}
    converters |= {
        j: _number_reader(plan.comma, commas) for j in range(k) if python[j] and j not in codes
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "input contained no data"
            values = np.loadtxt(
                io.BytesIO(raw), np.float64, delimiter=sep, quotechar='"', comments=None,
                skiprows=line - 1, ndmin=2, converters=converters or None, encoding="utf-8",
            )  # fmt: skip
    except ValueError as e:  # (a byte that is not UTF-8 too)
        unconverted = _UNCONVERTED.match(str(e))
        if unconverted and int(unconverted[1]) <= k:
            return int(unconverted[1]) - 1
        return None
    except TypeError:
        return None
    n = len(values)
    if n != _lines_after(raw, line) or (n and values.shape[1] != k):
        return None  # a blank line, a line break inside quotes, a row of another width
    lines_of = np.arange(line, line + n, dtype=np.int64)
    return values.reshape(n, k), lines_of, _levels(codes), commas[0]


def _lines_after(raw: bytes, line: int) -> int:
    """The lines from line ``line`` on, blank lines at the end left out."""
    total = raw.count(b"\n") + (not raw.endswith(b"\n"))
    tail = raw[-4096:]
    blank = tail[len(tail.rstrip()) :].count(b"\n") - raw.endswith(b"\n")
    return total - (line - 1) - max(blank, 0)


def _careful(
    text: str, line: int, sep: str, plan: _Plan, file: str, width_line: int
) -> Parsed | int:
    """The rows from line ``line`` on, read one by one by the csv module; or the index of
    a number column that holds text (to be read again as text). ValueError for a row of
    another width."""
    k = len(plan.kinds)
    values, lines = array("d"), array("q")
    codes = {j: {} for j in range(k) if plan.kinds[j] == TEXT}
    commas = [False]
    number_reader = _number_reader(plan.comma, commas)
    readers = [_text_reader(codes[j]) if j in codes else number_reader for j in range(k)]
    for at, _, fields in _rows(text, line, sep, file):
        if len(fields) != k:
            raise ValueError(
                f"{file} line {at}: expected {k} fields (as in line {width_line}), "
                f"found {len(fields)}"
            )
        for j, (read, cell) in enumerate(zip(readers, fields, strict=True)):
            try:
                values.append(read(cell))
            except ValueError:
                return j
        lines.append(at)
    table = np.frombuffer(values, np.float64).reshape(len(lines), k)
    return table, np.frombuffer(lines, np.int64), _levels(codes), commas[0]


def _levels(codes: dict[int, dict[str, int]]) -> dict[int, tuple[str, ...]]:
    """Text column -> its texts in the order of their index."""
    return {j: tuple(c) for j, c in codes.items()}
