"""Hostile CSV files: each is refused with one clear line, or read correctly; none hangs,
exhausts memory or silently turns a column into zeros."""

import os

import numpy as np
import pytest

import core.memory as memory
from core.config import Config
from core.csv_data import MAX_CLASSES, load_csv
from core.datasets import Dataset, standardized
from core.trainer import Trainer
from tui.cli.main import main


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_feature_near_1e200_is_standardised_not_zeroed(tmp_path):
    rows = "".join(f"{(i % 7 + 1) * 1e200:g},{i % 5},{i % 2}\n" for i in range(40))
    t = Trainer(Config(data=str(write(tmp_path, "big,small,y\n" + rows)), hidden=(3,)))
    big = t.X[:, 0]
    assert np.isfinite(big).all() and np.ptp(big) > 1  # it used to be all -0.0
    assert abs(big.mean()) < 1e-9 and abs(big.std() - 1) < 1e-9
    assert np.isfinite(t.scaler.std).all()


def test_a_feature_too_wide_to_standardise_is_refused_by_name():
    X = np.array([[1.7e308], [-1.7e308], [1.7e308], [1.7e308]])
    train = Dataset("d", X, np.array([[0.0], [1.0], [0.0], [1.0]]), "binary", ("wide",), ("0", "1"))
    with pytest.raises(ValueError, match="feature wide spans -1.7e\\+308 to 1.7e\\+308"):
        standardized(train, train.subset(slice(0, 0)))


def test_an_unterminated_quote_names_its_line(tmp_path):
    path = write(tmp_path, 'a,b,y\n1,2,0\n"3,4,1\n5,6,0\n7,8,1\n')
    with pytest.raises(ValueError) as e:
        load_csv(path)
    assert str(e.value) == 'data.csv line 3: a quote (") opens a field that is never closed'


def test_a_stray_character_after_a_closing_quote_names_its_line(tmp_path):
    with pytest.raises(ValueError, match="data.csv line 3: "):
        load_csv(write(tmp_path, 'a,b,y\n1,2,0\n"3"x,4,1\n5,6,0\n'))


def test_a_fifo_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="pipe.csv is not a regular file"):
        load_csv(fifo)


@pytest.mark.parametrize("path", ["/dev/zero", "/tmp"])
def test_a_device_or_a_folder_is_refused(path):
    with pytest.raises(ValueError, match="is not a regular file"):
        load_csv(path)


def test_dev_zero_as_data_is_one_line_and_exit_2(capsys):
    assert main(["train", "--data", "/dev/zero", "--epochs", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "backprop-tui: --data: /dev/zero is a device, not a regular file"


def test_a_file_over_the_memory_budget_is_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setattr(memory, "MEMORY_BUDGET", 20_000_000)
    path = write(tmp_path, "a,y\n" + "1,0\n" * 300_000)  # 1.2 MB: 300,000 rows of 2
    with pytest.raises(ValueError) as e:
        load_csv(path)
    assert str(e.value) == (
        "data.csv has 1 MB, about 300,001 rows of 2 columns: reading and training on it "
        "would need about 0.039 GiB of memory, over the 0.019 GiB budget: use a sample of "
        "its rows"
    )


def test_thirty_thousand_labels_are_refused_with_the_count(tmp_path):
    rows = "".join(f"{i},label{i}\n" for i in range(30_000))
    with pytest.raises(ValueError) as e:
        load_csv(write(tmp_path, "x,name\n" + rows))
    message = str(e.value)
    assert "column 2 (name) holds 30,000 distinct labels" in message
    assert f"at most {MAX_CLASSES} classes" in message and "--target" in message


def test_as_many_labels_as_allowed_still_load(tmp_path):
    rows = "".join(f"{i},c{i % MAX_CLASSES}\n" for i in range(2 * MAX_CLASSES))
    ds = load_csv(write(tmp_path, "x,name\n" + rows))
    assert ds.task == "multiclass" and ds.n_outputs == MAX_CLASSES


def test_a_file_that_is_not_utf8_text(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"a,y\n1,0\n\xff\xfe,1\n")
    with pytest.raises(ValueError) as e:
        load_csv(path)
    assert str(e.value) == (
        "data.csv line 3 is not UTF-8 text (byte 8: invalid start byte): save the file as UTF-8"
    )


TWO_ROWS = "a,b,y\n1,2,0\n3,4,1\n"  # both rows train: round(2 * 0.2) = 0 for validation


def test_two_rows_say_there_is_no_validation_set_in_the_cli(tmp_path, capsys):
    path = write(tmp_path, TWO_ROWS)
    assert main(["train", "--data", str(path), "--epochs", "2"]) == 0
    out = capsys.readouterr().out
    last = [line for line in out.splitlines() if line.startswith("epoch ")][-1]
    assert last.startswith("epoch 2/2  train ") and "nan" not in last
    assert "training set (2 rows) at epoch 2: rows are the true class" in out  # no validation
    assert last.endswith("(no validation set)") and "val" not in last.split("(")[0]


async def test_two_rows_say_there_is_no_validation_set_on_the_status_line(tmp_path):
    from apphelpers import make_app, wait_until

    from tui.ui.widgets.status_line import StatusLine

    app = make_app(data=str(write(tmp_path, TWO_ROWS)), hidden=(2,))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        assert await wait_until(pilot, lambda: app.snapshot.epoch == 1)
        line = app.query_one(StatusLine).render().plain
        assert "(no validation set)" in line and "–" not in line.split("│")[-1]


@pytest.mark.slow
def test_a_file_over_the_old_50_mb_limit_is_read(tmp_path):
    rng = np.random.default_rng(0)
    rows = "\n".join(",".join(map(repr, row)) + f",{i % 3}" for i, row in
                     enumerate(rng.normal(size=(60_000, 49)).tolist()))  # fmt: skip
    path = write(tmp_path, "\n".join(f"x{j}" for j in range(49)).replace("\n", ",") + ",y\n" + rows)
    assert path.stat().st_size > 55_000_000
    ds = load_csv(path)
    assert ds.X.shape == (60_000, 49) and ds.class_names == ("0", "1", "2")
