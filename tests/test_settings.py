"""One record per setting: the flags, the controls and TOML files read text the same way."""

import dataclasses

import pytest

from core.config import Config, ConfigError
from core.settings import SETTINGS
from tui.cli.args import build_parser
from tui.ui.fields import FIELD_BY_NAME, FIELDS


def test_every_config_field_has_one_setting_in_the_same_order():
    assert list(SETTINGS) == [f.name for f in dataclasses.fields(Config)]


def test_each_value_shown_reads_back_as_itself():
    samples = {
        "hidden": [(), (16,), (16, 8, 4), None],
        "standardize_target": [None, True, False],
        "restore_best": [True, False],
        "task": ["classification", "regression"],
        "batch_size": [None, 1, 32],
        "standardize": [None, True, False],
        "lr": [0.03, 1e-7, 2.5],
        "target": [-1, 3, "label"],
    }
    for name, setting in SETTINGS.items():
        for value in [getattr(Config(), name), *samples.get(name, [])]:
            if value is not None or name not in ("data", "val_data"):
                assert setting.parse(setting.show(value)) == value, (name, value)


def test_the_controls_use_the_settings_own_parsers():
    for field in FIELDS:
        if field.name in SETTINGS:  # (the data source sets several)
            assert field.parse == SETTINGS[field.name].parse
            assert field.show == SETTINGS[field.name].show
            assert field.choices == SETTINGS[field.name].choices
            assert field.live == SETTINGS[field.name].live
        else:
            assert not field.live


def read_three_ways(name: str, text: str, capsys) -> list[object]:
    """What the flag, the control (if there is one) and a quoted TOML value make of
    ``text``: the value, or the error message."""
    results = []
    try:
        args = build_parser().parse_args([SETTINGS[name].option, text])
        results.append(getattr(args, name))
    except SystemExit:
        message = capsys.readouterr().err.split(f"{SETTINGS[name].option}: ")[1]
        results.append(message.removesuffix(" (see --help)\n"))
    if name in FIELD_BY_NAME:
        try:
            results.append(FIELD_BY_NAME[name].parse(text))
        except ConfigError as e:
            results.append(str(e))
    try:
        results.append(getattr(Config.from_dict({name: text}), name))
    except ConfigError as e:
        results.append(str(e))
    return results


@pytest.mark.parametrize(
    "name,text",
    [
        ("hidden", "16,16"),
        ("hidden", "16 8"),
        ("hidden", "none"),
        ("hidden", "0"),
        ("hidden", "4,x"),
        ("hidden", "4,0"),
        ("hidden", ",".join(["2"] * 17)),
        ("hidden", "²"),
        ("batch_size", "FULL"),
        ("batch_size", "f"),
        ("batch_size", "32"),
        ("batch_size", "0"),
        ("batch_size", "half"),
        ("lr", " 0.5 "),
        ("lr", "abc"),
        ("lr", "-1"),
        ("lr", "inf"),
        ("l2", "0"),
        ("noise", "11"),
        ("seed", "7"),
        ("seed", "-1"),
        ("seed", "1.5"),
        ("optimizer", "Adam"),
        ("optimizer", "rmsprop"),
        ("dataset", "SPIRAL"),
        ("standardize", "no"),
        ("standardize", "auto"),
        ("epochs", "1000000001"),
    ],
)
def test_a_text_reads_the_same_as_a_flag_in_the_controls_and_in_toml(name, text, capsys):
    results = read_three_ways(name, text, capsys)
    assert all(r == results[0] for r in results), results
    if isinstance(results[0], str) and " is not " in results[0]:
        assert results[0].startswith(f"{name} = ")  # an error names the setting and value


def test_a_setting_that_is_not_text_refuses_text_in_python():
    with pytest.raises(ConfigError, match="hidden = '16,16' is not allowed: a list"):
        Config(hidden="16,16")
