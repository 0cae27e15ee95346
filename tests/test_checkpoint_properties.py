"""Property: a valid checkpoint with one to three things changed either loads into a run that
trains, or is refused with CheckpointError; never another exception."""

import json
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.checkpoint import CheckpointError, checkpoint_arrays, load_checkpoint
from core.config import Config
from core.trainer import Diverged, Trainer
from tui.worker.commands import Select
from tui.worker.session import TrainingSession


def valid_arrays(optimizer: str, batch_size: int | None) -> dict[str, np.ndarray]:
    config = Config(
        dataset="blobs", n_samples=40, hidden=(3,), batch_size=batch_size, optimizer=optimizer
    )
    t = Trainer(config)
    t.train(1)
    t.step()
    return {k: np.array(v) for k, v in checkpoint_arrays(t).items()}


VALID = [valid_arrays("adam", 8), valid_arrays("momentum", None), valid_arrays("sgd", 5)]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**400), 10**400)
    | st.sampled_from([0, 1, -1, 2, 10**12, 2**63, 10**400])
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(["multiclass", "binary", "regression", "adam", "PCG64", "full"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def paths(meta: dict, prefix=()) -> list[tuple]:
    """Every key path into the metadata, nested objects and lists included."""
    out = []
    items = meta.items() if isinstance(meta, dict) else enumerate(meta)
    for key, value in items:
        out.append((*prefix, key))
        if isinstance(value, dict | list) and value:
            out += paths(value, (*prefix, key))
    return out


@st.composite
def mutated_meta(draw, meta: dict) -> dict:
    meta = json.loads(json.dumps(meta))
    path = draw(st.sampled_from(paths(meta)))
    parent = meta
    for key in path[:-1]:
        parent = parent[key]
    if draw(st.booleans()) and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(json_values)
    return meta


def reshaped(a: np.ndarray, how: int) -> np.ndarray:
    flat = a.reshape(-1)
    return [flat[:-1], flat[None], a.T, np.concatenate([flat, flat]), flat[:0], a.reshape(-1)][how]


@st.composite
def mutated_array(draw, arrays: dict) -> dict:
    arrays = dict(arrays)
    names = sorted(k for k in arrays if k != "meta")
    name = draw(st.sampled_from([*names, "extra"]))
    action = draw(st.sampled_from(["drop", "dtype", "shape", "value"]))
    if name == "extra":
        arrays[draw(st.sampled_from(["extra", "optimizer/w", "history/x", "scaler/mean"]))] = (
            np.zeros(3)
        )
    elif action == "drop":
        del arrays[name]
    elif action == "dtype":
        dtype = draw(st.sampled_from(["float32", "int64", "int8", "uint64", "bool", "U3", "f2"]))
        try:
            with np.errstate(all="ignore"):
                arrays[name] = arrays[name].astype(dtype)
        except ValueError:  # text that is no number
            arrays[name] = arrays[name].astype("U3")
    elif action == "shape":
        arrays[name] = reshaped(arrays[name], draw(st.integers(0, 5)))
    elif arrays[name].size and arrays[name].dtype.kind in "fiu":
        a = arrays[name].copy()
        i = draw(st.integers(0, a.size - 1))
        value = draw(st.sampled_from([np.nan, np.inf, -1, 0, 1, 2, 10**6, -(2**40), 0.5]))
        with np.errstate(all="ignore"):
            a.reshape(-1)[i] = np.array(value).astype(a.dtype)
        arrays[name] = a
    return arrays


@st.composite
def mutated(draw) -> dict:
    arrays = dict(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            meta = draw(mutated_meta(json.loads(str(arrays["meta"]))))
            arrays["meta"] = np.array(json.dumps(meta))
        else:
            arrays = draw(mutated_array(arrays))
    return arrays


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_a_changed_checkpoint_is_refused_or_trains(arrays):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "run.npz"
        np.savez(path, **arrays)
        try:
            t = load_checkpoint(path)
        except CheckpointError as e:
            assert str(path) in str(e) and "\n" not in str(e)
            return
    session = TrainingSession(t, paused=True)  # the app can draw it, data view included
    session.wanted.add("data")
    session.submit(Select((0, 0, 0)))
    session._apply_commands()
    session.build_snapshot()
    start = t.epoch
    try:
        t.step()
        t.run_epoch()
    except Diverged:  # the tool's own word for weights or state that blow up
        return
    assert t.epoch > start and np.isfinite(t.history.last()["train_loss"])
