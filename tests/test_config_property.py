"""A valid TOML file, mutated at random: a clean ConfigError naming the file, or a run.

Mutations: a setting set to any TOML value (numbers, booleans, texts, lists, tables, nested),
a setting removed, an unknown key, the settings moved into a [train] table (with a key left
beside it or not), characters inserted or cut, a byte order mark, a byte that is not UTF-8.
"""

import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.config import Config, ConfigError
from core.settings import SETTINGS
from core.trainer import Diverged, Trainer

VALID = {
    "dataset": "xor",
    "n_samples": 40,
    "hidden": [3],
    "lr": 0.1,
    "batch_size": 10,
    "epochs": 1,
    "standardize": False,
}

SPECIAL_TEXTS = ["full", "FULL", "16,16", "none", "no", "auto", "adam", "", "[/]", "1e3", "-1"]
scalars = st.one_of(
    st.booleans(),
    st.integers(-3, 60),
    st.sampled_from([10**20, -(10**20), 2**63, 2**64]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(SPECIAL_TEXTS),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
keys = st.sampled_from([*SETTINGS, "learning_rate", "train", "Lr", ""])


def toml_value(v) -> str:
    """A value in TOML syntax (json's strings are TOML basic strings)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + "}"


def toml_text(settings: dict, in_table: bool, beside: dict) -> str:
    lines = [f"{json.dumps(k)} = {toml_value(v)}" for k, v in (beside if in_table else {}).items()]
    lines += ["[train]"] if in_table else []
    lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in settings.items()]
    return "\n".join(lines) + "\n"


@st.composite
def mutated_files(draw) -> bytes:
    settings = dict(VALID)
    for _ in range(draw(st.integers(1, 3))):
        key = draw(keys)
        if draw(st.booleans()):
            settings[key] = draw(values)
        else:
            settings.pop(key, None)
    in_table = draw(st.booleans())
    beside = draw(st.dictionaries(keys, values, max_size=1)) if in_table else {}
    text = toml_text(settings, in_table, beside)
    if draw(st.booleans()):  # characters inserted at one place, or a piece cut out
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            bits = draw(st.text(alphabet='[]{}="#\n\ufeff,.\\0x', max_size=3))
            text = text[:at] + bits + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(1, 5)) :]
    data = text.encode("utf-8", "surrogatepass")
    ending = draw(st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff"]))
    return ending + data if ending == b"\xef\xbb\xbf" else data + ending


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(mutated_files())
def test_a_mutated_file_is_a_clean_error_or_a_run(tmp_path, content):
    path = tmp_path / "run.toml"
    path.write_bytes(content)
    try:
        config = Config.from_toml(path)
    except ConfigError as e:  # any other exception fails the test
        message = str(e)
        assert message.startswith(f"{path}: ") and "\n" not in message and len(message) < 1000
        return
    if config.data is None:  # (a CSV path would name a file that is not there)
        try:
            Trainer(config).run_epoch()
        except Diverged:
            pass
