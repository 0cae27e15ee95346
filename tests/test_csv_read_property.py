"""The reader against the csv module: any table the csv module writes (any separator,
quoting and line end; numbers, text with separators, quotes and line breaks, missing
cells) reads back cell for cell, by NumPy's C reader and by the careful reader alike."""

import csv
import io
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import core.csv_read as csv_read
from core.csv_cells import SEPARATORS, is_missing, number
from core.csv_read import read_table

MISSING = ["", "NA", "nan", "NaN", "N/A", "null", "?"]
numbers = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=64).map(repr),
    st.integers(-(10**12), 10**12).map(str),
    st.floats(-1e6, 1e6).map(lambda x: f"{x:.3f}"),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda x: f"{x:.6e}"),
)
texts = st.text(
    st.sampled_from(list("ab ,;|\t\"'\n#x=-.5é€\u00a0\x85\u2028\x0c")), min_size=1, max_size=8
).filter(lambda t: number(t.strip(), True) is None and not is_missing(t.strip()))


@st.composite
def tables(draw):
    """(header, rows as text, the column kinds) of a small table."""
    k = draw(st.integers(2, 5))
    n = draw(st.integers(1, 12))
    kinds = draw(st.lists(st.sampled_from(["number", "text", "mixed"]), min_size=k, max_size=k))
    rows = []
    for _ in range(n):
        row = []
        for kind in kinds:
            cells = {"number": numbers, "text": texts, "mixed": st.one_of(numbers, texts)}[kind]
            row.append(draw(st.one_of(cells, st.sampled_from(MISSING)) if draw(st.booleans())
                            else cells))  # fmt: skip
        rows.append(row)
    header = [f"c{j}" for j in range(k)]
    return header, rows


def with_commas(rows, comma: bool):
    """The rows with decimal commas in the numbers (if ``comma``)."""
    return [[x.replace(".", ",") if comma and number(x) is not None else x for x in row]
            for row in rows]  # fmt: skip


def written(header, rows, sep, quoting, end) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, quoting=quoting, lineterminator=end)
    writer.writerows([header, *rows])
    return out.getvalue()


def expected(rows) -> list[list[float | str | None]]:
    """Each cell as the reader must give it: a number, a stripped text, None if missing;
    rows with no value left out."""
    cells = [[None if is_missing(x.strip()) else x.strip() for x in row] for row in rows]
    return [row for row in cells if any(x is not None for x in row)]


def cells_of(table) -> list[list[float | str | None]]:
    columns = []
    for j in range(table.n_cols):
        if j in table.levels:
            columns.append(table.texts(j))
        else:
            columns.append([None if math.isnan(x) else x for x in table.values[:, j].tolist()])
    return [list(row) for row in zip(*columns, strict=True)]


def agree(got, want, comma) -> bool:
    """A number column gives float(text); a text column the text itself."""
    for g, w in zip(got, want, strict=True):
        if w is None or g is None:
            if g is not w:
                return False
        elif isinstance(g, float):
            if g != number(w, comma):
                return False
        elif g != w:
            return False
    return True


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tables(),
    st.sampled_from(list(SEPARATORS.values())),
    st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
    st.booleans(),
)
def test_what_the_csv_module_writes_reads_back_cell_for_cell(
    tmp_path_factory, table, sep, quoting, end, comma, careful
):
    header, rows = table
    comma = comma and sep != ","
    rows = with_commas(rows, comma)
    path = tmp_path_factory.mktemp("t") / "t.csv"
    path.write_text(written(header, rows, sep, quoting, end), newline="")
    if careful:
        with pytest.MonkeyPatch.context() as m:
            m.setattr(csv_read, "_fast", lambda *a: None)
            got = read_table(path, sep=sep, header=True)
    else:
        got = read_table(path, sep=sep, header=True)
    want = expected(rows)
    assert got.names == tuple(header)
    assert got.n_rows == len(want)
    for row_got, row_want in zip(cells_of(got), want, strict=True):
        assert agree(row_got, row_want, sep != ","), (row_got, row_want)
    for j in range(len(header)):  # a column with a text cell is text, else numbers
        has_text = any(number(r[j], sep != ",") is None for r in want if r[j] is not None)
        assert (j in got.levels) == has_text


cells = st.text(st.sampled_from(list("0123456789.,-+eE_ nafiNAIF\u00a0١\t\x85\u2028")), max_size=6)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(cells, min_size=3, max_size=3), min_size=1, max_size=30),
       st.sampled_from([",", ";"]))  # fmt: skip
def test_the_c_reader_and_the_careful_reader_make_the_same_table(tmp_path_factory, rows, sep):
    path = tmp_path_factory.mktemp("t") / "t.csv"
    path.write_text(written(["a", "b", "c"], rows, sep, csv.QUOTE_MINIMAL, "\n"))
    fast = read_table(path, sep=sep, header=True)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(csv_read, "_fast", lambda *a: None)
        careful = read_table(path, sep=sep, header=True)
    np.testing.assert_array_equal(fast.values, careful.values)
    np.testing.assert_array_equal(fast.lines, careful.lines)
    assert fast.levels == careful.levels and fast.decimal_comma == careful.decimal_comma
