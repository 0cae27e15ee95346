"""Files as pandas, R and spreadsheets write them (tests/data, written by pandas 3.1.1 and
R 4.2.2, see its README): read with the right rows, features and classes; numbered
headers, index columns, separators, decimal commas, quotes and missing values."""

import csv
from pathlib import Path

import numpy as np
import pytest
from csvfiles import write

import core.csv_read as csv_read
from core.config import Config, ConfigError
from core.csv_data import load_csv
from core.csv_read import read_table
from core.settings import SETTINGS
from core.trainer import Trainer
from core.trainer_state import state_of, trainer_from_state
from tui.cli.main import main

DATA = Path(__file__).parent / "data"
ASSETS = Path(__file__).parent.parent / "assets"


def columns_of(path: Path, drop: str) -> tuple[np.ndarray, list[str]]:
    """The numbers (n, d) of a plain CSV file read by the csv module, and one column's text."""
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    labels = [r.pop(drop) for r in rows]
    return np.array([[float(x) for x in r.values()] for r in rows]), labels


IRIS_X, IRIS_Y = columns_of(ASSETS / "iris.csv", "species")
DIGITS_X, DIGITS_Y = columns_of(ASSETS / "digits.csv", "digit")


def run(capsys, *args):
    code = main(["train", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


# --- pandas ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["pandas_numbered.csv", "pandas_numbered_index.csv"])
def test_pandas_numbered_columns_are_a_header_not_a_row(name):
    ds = load_csv(DATA / name)
    assert ds.n_samples == 120 and ds.feature_names == tuple(map(str, range(64)))
    assert ds.target == "target" and ds.class_names == tuple(map(str, range(10)))
    np.testing.assert_array_equal(ds.X, DIGITS_X[:120])
    assert [ds.class_names[i] for i in ds.labels()] == DIGITS_Y[:120]


def test_pandas_index_is_left_out_and_said_or_kept_when_asked():
    ds = load_csv(DATA / "pandas_iris_index.csv")
    np.testing.assert_array_equal(ds.X, IRIS_X)  # not a feature counting 0..149
    assert ds.notes == (
        "index    column 1 left out: pandas' or R's row index (unnamed, a different value in "
        "each row); --keep-index keeps it as a feature",
    )
    kept = load_csv(DATA / "pandas_iris_index.csv", keep_index=True)
    assert kept.feature_names[0] == "column 1" and kept.notes == ()
    np.testing.assert_array_equal(kept.X[:, 0], np.arange(150))


def test_pandas_numbers_for_every_column_name_are_a_header():
    ds = load_csv(DATA / "pandas_all_numbered.csv")  # 0,1,2,3,4 over 5.1,3.5,...,0.0
    assert ds.n_samples == 150 and ds.feature_names == ("0", "1", "2", "3")
    assert ds.target == "4" and ds.class_names == ("0", "1", "2")
    np.testing.assert_array_equal(ds.X, IRIS_X)


@pytest.mark.parametrize("name", ["pandas_semicolon.csv", "pandas_excel_style.csv"])
def test_semicolons_and_decimal_commas_as_spreadsheets_write_them(name):
    if name == "pandas_excel_style.csv":  # a byte order mark and CRLF
        raw = (DATA / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") == 151
    ds = load_csv(DATA / name)
    np.testing.assert_array_equal(ds.X, IRIS_X)
    assert ds.class_names == ("setosa", "versicolor", "virginica")
    assert ds.notes == (
        "read     fields separated by ';' (sniffed; --sep to choose), decimal commas (1,5 is 1.5)",
    )


def test_quoted_labels_with_commas_and_quotes():
    ds = load_csv(DATA / "pandas_quoted_labels.csv")
    assert ds.class_names == tuple(f'Iris {s}, "wild"' for s in ("setosa", "versicolor",
                                                                  "virginica"))  # fmt: skip
    np.testing.assert_array_equal(ds.X, IRIS_X)


def test_a_tab_separated_file():
    ds = load_csv(DATA / "pandas_tab.tsv")
    np.testing.assert_array_equal(ds.X, IRIS_X)
    assert ds.notes == ("read     fields separated by tab (sniffed; --sep to choose)",)


@pytest.mark.parametrize("name", ["pandas_missing.csv", "pandas_missing_na.csv"])
def test_missing_values_are_refused_with_their_count_per_column(name):
    with pytest.raises(ValueError) as e:
        load_csv(DATA / name)
    assert str(e.value) == (
        f"{name} has 6 missing values (empty, NA, NaN...), the first on line 5: sepal_width "
        "3, petal_length 2, species 1; give --missing drop to leave out their rows, or "
        "--missing mean to fill a feature's with its column's mean"
    )


def test_missing_drop_leaves_out_the_rows_and_says_so():
    ds = load_csv(DATA / "pandas_missing.csv", missing="drop")
    keep = np.setdiff1d(np.arange(150), [3, 40, 77, 10, 120, 55])
    np.testing.assert_array_equal(ds.X, IRIS_X[keep])
    assert ds.notes == (
        "missing  6 rows with missing values left out: sepal_width 3, petal_length 2, species 1",
    )


def test_missing_mean_fills_a_feature_with_its_columns_mean_and_drops_a_missing_target():
    ds = load_csv(DATA / "pandas_missing_na.csv", missing="mean")
    assert ds.n_samples == 149  # the row without a species
    rows = np.delete(np.arange(150), 55)
    width = IRIS_X[rows, 1].copy()
    gaps = np.isin(rows, [3, 40, 77])
    np.testing.assert_allclose(ds.X[gaps, 1], width[~gaps].mean(), rtol=1e-15)
    np.testing.assert_array_equal(ds.X[~gaps, 1], width[~gaps])
    assert ds.notes == (
        "missing  5 values filled with their column's mean: sepal_width 3, petal_length 2, "
        "species 1; 1 row without a target left out",
    )


def test_a_validation_file_is_filled_with_the_training_files_means(tmp_path):
    train = write(tmp_path / "t.csv", ["x", "y"], [[1, "a"], [3, "b"], [5, "a"], [7, "b"]])
    val = write(tmp_path / "v.csv", ["x", "y"], [["NA", "a"], [2, "b"]])
    ds = load_csv(val, like=load_csv(train), missing="mean")
    np.testing.assert_array_equal(ds.X[:, 0], [4, 2])  # the training file's mean, 4


# --- R ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["r_iris.csv", "r_iris_csv2.csv", "r_iris_no_rownames.csv"])
def test_r_write_csv_with_and_without_row_names(name):
    ds = load_csv(DATA / name)
    plain = load_csv(DATA / "r_iris_no_rownames.csv")
    assert ds.feature_names == ("Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width")
    assert ds.target == "Species" and ds.n_samples == 150
    assert np.bincount(ds.labels()).tolist() == [50, 50, 50]
    np.testing.assert_array_equal(ds.X, plain.X)
    assert any(line.startswith("index    column 1 left out") for line in ds.notes) == (
        name != "r_iris_no_rownames.csv"
    )


def test_r_na_values_are_counted_and_complete_rows_kept():
    with pytest.raises(ValueError, match="44 missing values .*, the first on line 6: Ozone "
                       "37, Solar.R 7;"):  # fmt: skip
        load_csv(DATA / "r_airquality.csv")
    ds = load_csv(DATA / "r_airquality.csv", missing="drop")
    assert ds.n_samples == 111  # R: sum(complete.cases(airquality))
    assert ds.feature_names == ("Ozone", "Solar.R", "Wind", "Temp", "Month")
    by_ozone = load_csv(DATA / "r_airquality.csv", target="Ozone", missing="mean")
    assert by_ozone.n_samples == 153 - 37 and by_ozone.task == "regression"
    assert not np.isnan(by_ozone.X).any()


def test_r_write_table_header_without_the_row_names_name():
    table = read_table(DATA / "r_mtcars.tsv")
    assert table.names[:3] == ("", "mpg", "cyl") and table.n_cols == 12
    assert table.texts(0)[:2] == ["Mazda RX4", "Mazda RX4 Wag"] and table.has_index
    ds = load_csv(DATA / "r_mtcars.tsv", target="mpg")
    assert ds.n_samples == 32 and ds.task == "regression" and ds.n_features == 10
    assert ds.Y[:2, 0].tolist() == [21.0, 21.0]


# --- what is guessed, and the flags that decide ----------------------------------------------


@pytest.mark.parametrize(
    "first, header",
    [
        ("0,1,2,label", True),  # pandas' numbered features and a named target
        (",0,1,label", True),  # ... with its index
        ("a,b,label", True),
        ("5,6,x", False),  # a data row: its text is a label like those below
        ("0,1,x", False),  # two numbers 0, 1: too few to be numbered names
    ],
)
def test_a_header_is_told_from_a_data_row(tmp_path, first, header):
    path = tmp_path / "d.csv"
    path.write_text(first + "\n" + "".join(f"{i},{i % 3},{'xy'[i % 2]}\n" for i in range(6))
                    if first.count(",") == 2 else first + "\n" + "".join(
                        f"{i},{i},{i % 3},{'xy'[i % 2]}\n" for i in range(6)))  # fmt: skip
    assert read_table(path).header == header


def test_a_semicolon_file_with_a_comma_in_every_number_is_split_on_semicolons(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a;b;c\n" + "".join(f"{i},5;{i},25;{i % 2}\n" for i in range(5)))
    table = read_table(path)
    assert table.sep == ";" and table.values[1].tolist() == [1.5, 1.25, 1.0]


def test_a_separator_given_is_used_and_named_when_it_splits_nothing(tmp_path, capsys):
    path = DATA / "pandas_semicolon.csv"
    code, _, err = run(capsys, "--data", path, "--sep", ",")
    assert code == 2
    assert err == (
        "backprop-tui: pandas_semicolon.csv has 1 column (separated by ','): it needs "
        "feature columns and a target column; give --sep if its fields are separated by "
        "another character\n"
    )


@pytest.mark.parametrize(
    "given, read",
    [(";", "semicolon"), ("Semicolon", "semicolon"), ("\t", "tab"), (",", "comma"), ("|", "pipe"),
     ("auto", "auto")],
)  # fmt: skip
def test_a_separator_reads_from_its_character_or_its_name(given, read):
    assert SETTINGS["sep"].parse(given) == read == Config(sep=given).sep
    assert Config.from_dict({"sep": given}).sep == read
    assert SETTINGS["sep"].parse(SETTINGS["sep"].show(read)) == read


def test_a_separator_that_is_none_of_them_is_refused():
    with pytest.raises(ConfigError) as e:
        Config(sep=" ")
    assert str(e.value) == (
        "sep = ' ' is not allowed: auto, or , ; | or a tab (comma, semicolon, pipe, tab)"
    )


def test_the_cli_says_what_it_read(tmp_path, capsys):
    code, out, _ = run(capsys, "--data", DATA / "r_airquality.csv", "--missing", "drop",
                       "--target", "Temp", "--epochs", 1)  # fmt: skip
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "data     r_airquality.csv: 111 rows, 5 features, target Temp"
    assert lines[1].startswith("index    column 1 left out: pandas' or R's row index")
    assert lines[2] == "missing  42 rows with missing values left out: Ozone 37, Solar.R 7"


def test_the_header_flag_decides(tmp_path, capsys):
    code, out, _ = run(capsys, "--data", DATA / "pandas_numbered.csv", "--header", "no",
                       "--task", "classification", "--epochs", 0)  # fmt: skip
    assert code == 0 and "121 rows, 64 features, target column 65" in out
    assert "no header row (--header yes if the first row names the columns)" in out


def test_keep_index_from_the_command_line(capsys):
    code, out, _ = run(capsys, "--data", DATA / "pandas_iris_index.csv", "--keep-index",
                       "--epochs", 0)  # fmt: skip
    assert code == 0 and "150 rows, 5 features, target species" in out and "index " not in out


def test_a_target_in_another_case_gets_a_hint(tmp_path, capsys):
    path = write(tmp_path / "d.csv", ["x1", "x2", "y"], [[1, 2, 0], [2, 3, 1]])
    code, _, err = run(capsys, "--data", path, "--target", "Y")
    assert code == 2
    assert (
        err
        == "backprop-tui: d.csv has no column 'Y': did you mean --target y? columns: x1, x2, y\n"
    )


def test_a_constant_regression_target_is_refused(tmp_path):
    path = write(tmp_path / "d.csv", ["x", "price"], [[i, 3.5] for i in range(20)])
    with pytest.raises(ValueError) as e:
        load_csv(path, task="regression")
    assert str(e.value) == (
        "d.csv column 2 (price) holds 3.5 in every row: a constant target leaves nothing to "
        "learn (its deviation is 0); is it the target column? (--target)"
    )


def test_a_class_with_one_row_is_said_to_be_never_validated(tmp_path, capsys):
    rows = [[i, "rare" if i == 0 else "ab"[i % 2]] for i in range(40)]
    code, _, err = run(capsys, "--data", write(tmp_path / "d.csv", ["x", "kind"], rows),
                       "--epochs", 0)  # fmt: skip
    assert code == 0
    assert err == "warning: no validation rows for class rare (1 row): never validated\n"


# --- the two readers -------------------------------------------------------------------------


def careful_table(path, monkeypatch, **kw):
    """The table the csv module's reader makes, NumPy's C reader switched off."""
    with monkeypatch.context() as m:
        m.setattr(csv_read, "_fast", lambda *a: None)
        return read_table(path, **kw)


@pytest.mark.parametrize("path", sorted(DATA.glob("*.[ct]sv")), ids=lambda p: p.name)
def test_each_file_reads_the_same_by_the_c_reader_and_row_by_row(path, monkeypatch):
    fast, careful = read_table(path), careful_table(path, monkeypatch)
    np.testing.assert_array_equal(fast.values, careful.values)
    np.testing.assert_array_equal(fast.lines, careful.lines)
    assert (fast.names, fast.levels, fast.sep) == (careful.names, careful.levels, careful.sep)


@pytest.mark.parametrize(
    "late, kinds",
    [("NA", "number"), ("", "number"), ("7,5", "number"), ("cat", "text")],
)
def test_a_cell_past_the_first_rows_changes_its_columns_reading(tmp_path, monkeypatch, late,
                                                               kinds):  # fmt: skip
    rows = [f"{i};{i % 7};{i % 3}" for i in range(1500)]
    rows[1200] = f"1200;{late};0"  # beyond the rows the plan is made from
    path = tmp_path / "late.csv"
    path.write_text("a;b;y\n" + "\n".join(rows) + "\n")
    table = read_table(path)
    assert table.kinds[1] == kinds and table.lines[1200] == 1202
    careful = careful_table(path, monkeypatch)
    np.testing.assert_array_equal(table.values, careful.values)
    assert table.levels == careful.levels


def test_a_blank_line_keeps_the_line_numbers_true(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,y\n1,0\n\n2,1\n3,x\n")
    with pytest.raises(ValueError, match=r"^d.csv line 5, column 2 \(y\): 'x' is not a number$"):
        load_csv(path, target=0)
    assert read_table(path).lines.tolist() == [2, 4, 5]


def test_a_utf16_file_as_excel_saves_unicode_text(tmp_path):
    path = tmp_path / "d.txt"
    text = "länge\tart\r\n" + "".join(f"{i},5\t{'ab'[i % 2]}\r\n" for i in range(6))
    path.write_bytes(text.encode("utf-16"))  # with its byte order mark
    ds = load_csv(path)
    assert ds.feature_names == ("länge",) and ds.X[:, 0].tolist() == [i + 0.5 for i in range(6)]


def test_reading_notes_come_back_from_a_state():
    t = Trainer(Config(data=str(DATA / "r_iris.csv"), hidden=(4,)))
    state = state_of(t)
    assert trainer_from_state(state).train_set.notes == t.train_set.notes != ()
    state["meta"]["train"].pop("notes")  # a state from before notes
    assert trainer_from_state(state).train_set.notes == ()
