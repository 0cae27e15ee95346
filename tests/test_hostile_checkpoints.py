"""Crafted checkpoints: every bad file is a CheckpointError naming what is wrong, before
anything is built or allocated; nothing a run could not have written is accepted."""

import io
import json
import zipfile

import numpy as np
import pytest

from core.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from core.config import Config
from core.trainer import Trainer
from core.trainer_state import state_of, trainer_from_state


def config(**changes):
    base = {"dataset": "moons", "n_samples": 60, "hidden": (4,), "batch_size": 8}
    return Config(**{**base, **changes})


def saved(tmp_path, **changes):
    """A valid checkpoint of a run two and a half epochs in: (path, arrays, meta)."""
    t = Trainer(config(**changes))
    t.train(2)
    t.step()
    path = tmp_path / "run.npz"
    save_checkpoint(t, path)
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    return path, arrays, json.loads(str(arrays["meta"]))


def rewrite(path, arrays, meta=None):
    if meta is not None:
        arrays = {**arrays, "meta": np.array(json.dumps(meta))}
    np.savez(path, **arrays)


def refused(path, match):
    with pytest.raises(CheckpointError, match=match) as info:
        load_checkpoint(path)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        ("batch_pos", 99, "batch_pos = 99"),
        ("lr", -1, "lr = -1"),
        ("lr", 0, "lr = 0"),
        ("lr", 1e308, "lr = 1e"),
        ("lr", 10**400, "lr = 1000000000"),
        ("epoch", 10**400, "epoch = 1000000000"),
        ("best_epoch", 7, "best_epoch = 7"),  # after epoch 2
        ("seen", 10**6, "seen = 1000000"),
        ("lr_changes", [[1, -3.0]], "lr_changes"),
        ("lr_changes", 5, "lr_changes"),
        ("rng", {"bit_generator": "PCG64", "state": 3}, "rng"),
        ("full_batch", "no", "full_batch"),
    ],
)
def test_metadata_values_no_run_could_have_written(tmp_path, key, value, match):
    path, arrays, meta = saved(tmp_path)
    rewrite(path, arrays, {**meta, key: value})
    refused(path, match)


@pytest.mark.parametrize("meta", [[1, 2, 3], 42, "text", None])
def test_metadata_that_is_not_an_object(tmp_path, meta):
    path, arrays, _ = saved(tmp_path)
    rewrite(path, {**arrays, "meta": np.array(json.dumps(meta))})
    refused(path, "metadata")


def test_deeply_nested_metadata(tmp_path):
    path, arrays, _ = saved(tmp_path)
    rewrite(path, {**arrays, "meta": np.array("[" * 100_000 + "]" * 100_000)})
    refused(path, "metadata")


def test_a_config_lr_of_400_digits(tmp_path):
    path, arrays, meta = saved(tmp_path)
    rewrite(path, arrays, {**meta, "config": {**meta["config"], "lr": 10**400}})
    refused(path, "config")


def test_a_multiclass_task_with_one_output(tmp_path):
    path, arrays, meta = saved(tmp_path)
    meta["train"]["task"] = meta["val"]["task"] = "multiclass"
    rewrite(path, arrays, meta)
    refused(path, "multiclass")


def test_binary_targets_that_are_not_0_or_1(tmp_path):
    path, arrays, meta = saved(tmp_path)
    arrays["train/Y"] = arrays["train/Y"] * 5
    rewrite(path, arrays)
    refused(path, "train/Y")


def test_a_training_set_of_no_rows(tmp_path):
    path, arrays, meta = saved(tmp_path)
    arrays.update({"train/X": np.empty((0, 2)), "train/Y": np.empty((0, 1))})
    arrays.update({"batches": np.empty(0, np.int64), "batch_sizes": np.empty(0, np.int64)})
    rewrite(path, arrays, {**meta, "batch_pos": 0, "seen": 0, "correct": 0})
    refused(path, "train/X")


def test_validation_features_that_differ_from_training(tmp_path):
    path, arrays, _ = saved(tmp_path)
    arrays["val/X"] = np.zeros((len(arrays["val/X"]), 3))
    rewrite(path, arrays)
    refused(path, "val/X")


def test_non_finite_data(tmp_path):
    path, arrays, _ = saved(tmp_path)
    arrays["train/X"][3, 1] = np.nan
    rewrite(path, arrays)
    refused(path, "train/X")


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda a: a.update(batches=a["batches"] + 1000), "batches"),
        (lambda a: a.update(batches=a["batches"].astype(float)), "batches"),
        (lambda a: a.update(batches=np.zeros_like(a["batches"])), "batches"),
        (lambda a: a.update(batch_sizes=a["batch_sizes"] * 2), "batch_sizes"),
        (lambda a: a.update(batch_sizes=-a["batch_sizes"]), "batch_sizes"),
        (lambda a: a.pop("batch_sizes"), "batch_sizes"),
    ],
)
def test_inconsistent_batch_arrays(tmp_path, change, match):
    path, arrays, _ = saved(tmp_path)
    change(arrays)
    rewrite(path, arrays)
    refused(path, match)


def test_an_adam_state_of_the_wrong_shape(tmp_path):
    path, arrays, _ = saved(tmp_path, optimizer="adam")
    arrays["optimizer/m"] = arrays["optimizer/m"][:-1]
    rewrite(path, arrays)
    refused(path, "optimizer/m")


def test_an_adam_state_without_its_second_moment(tmp_path):
    path, arrays, _ = saved(tmp_path, optimizer="adam")
    del arrays["optimizer/v"]
    rewrite(path, arrays)
    refused(path, "optimizer")


def test_weights_of_the_wrong_shape_or_type(tmp_path):
    path, arrays, _ = saved(tmp_path)
    rewrite(path, {**arrays, "params": arrays["params"][:-2]})
    refused(path, "params")
    rewrite(path, {**arrays, "best": arrays["best"].astype(np.int64)})
    refused(path, "best")


@pytest.mark.parametrize(
    ("index", "value", "match"),
    [(0, 99, "history"), (1, 0, "history"), (1, 3, "history"), (2, 10**12, "history")],
)
def test_history_counts(tmp_path, index, value, match):
    path, arrays, _ = saved(tmp_path)
    arrays["history/counts"][index] = value
    rewrite(path, arrays)
    refused(path, match)


def test_a_renamed_history_column(tmp_path):
    path, arrays, _ = saved(tmp_path)
    columns = arrays["history/columns"].copy()
    columns[1] = "training_loss"
    rewrite(path, {**arrays, "history/columns": columns})
    refused(path, "history/columns")


def test_an_unexpected_member_is_refused_unread(tmp_path):
    path, arrays, _ = saved(tmp_path)
    rewrite(path, {**arrays, "junk": np.zeros(10)})
    refused(path, "junk")


def npy_header(shape, descr="<f8") -> bytes:
    f = io.BytesIO()
    header = {"descr": descr, "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(f, header)
    return f.getvalue()


def test_an_array_header_declaring_a_trillion_elements(tmp_path):
    path, arrays, _ = saved(tmp_path)
    del arrays["params"]
    rewrite(path, arrays)
    with zipfile.ZipFile(path, "a") as zf:  # a header and no data: only the header is read
        zf.writestr("params.npy", npy_header((10**12,)))
    refused(path, "params")


def test_an_object_array_is_refused(tmp_path):
    path, arrays, _ = saved(tmp_path)
    del arrays["sums"]
    rewrite(path, arrays)
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("sums.npy", npy_header((1,), descr="|O") + b"\x80\x04N.")
    refused(path, "sums")


def test_a_member_twice_is_refused(tmp_path):
    path, arrays, _ = saved(tmp_path)
    with zipfile.ZipFile(path, "a") as zf, pytest.warns(UserWarning, match="Duplicate"):
        zf.writestr("params.npy", zf.read("params.npy"))
    refused(path, "params")


def test_a_fifo_or_a_folder_is_not_a_checkpoint(tmp_path):
    import os

    fifo = tmp_path / "fifo.npz"
    os.mkfifo(fifo)
    refused(fifo, "not a regular file")
    refused(tmp_path, "not a regular file")


def test_a_valid_file_still_loads_and_runs(tmp_path):
    path, _, _ = saved(tmp_path, optimizer="adam")
    t = load_checkpoint(path)
    assert t.epoch == 2 and t.batches.pos == 1
    t.train(1)
    assert t.epoch == 3


def test_compressed_members_are_refused_unread(tmp_path):
    """A member that inflates (3 GB of zeros fit in 3 MB) is never decompressed: the tool
    writes its arrays stored, so reading takes no more memory than the file's size."""
    path, arrays, _ = saved(tmp_path)
    np.savez_compressed(path, **arrays)
    refused(path, "compressed")


def test_a_zip_directory_pointing_past_the_end(tmp_path):
    path, arrays, _ = saved(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[:200] + data[-2000:])  # the directory kept, the arrays cut out
    with pytest.raises(CheckpointError, match="damaged"):
        load_checkpoint(path)


def test_a_last_loss_too_large_for_a_float_is_refused(tmp_path):
    """Found by the property test: an integer of 400 digits loaded, then overflowed when
    the session drew it."""
    from core.config import Config
    from core.trainer import Trainer
    from core.trainer_state import StateError

    state = state_of(Trainer(Config(n_samples=50)))
    state["meta"]["last_loss"] = 10**400
    with pytest.raises(StateError, match="last_loss = .* is not a number"):
        trainer_from_state(state)
