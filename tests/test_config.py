"""The config dataclass: every bad value names the field, the value and what is allowed."""

import pytest

from core.config import Config, ConfigError


@pytest.mark.parametrize(
    "field,value,allowed",
    [
        ("lr", -0.1, "give a number > 0"),
        ("lr", float("nan"), "give a finite number > 0"),
        ("lr", 0, "give a number > 0"),
        ("lr", True, "give a number > 0"),
        ("batch_size", 0, "whole number >= 1, or full"),
        ("activation", "mish", "one of linear, sigmoid, tanh, relu, leaky_relu"),
        ("hidden", (4, 0), "whole numbers of units"),
        ("hidden", (4,) * 17, "at most 16 hidden layers"),
        ("hidden", (2048, 2048), "at most 4,000,000 weights between hidden layers"),
        ("dataset", "mnist", "one of linear"),
        ("optimizer", "rmsprop", "one of sgd, momentum, adam"),
        ("init", "orthogonal", "one of zeros"),
        ("noise", -1.0, ">= 0"),
        ("seed", -1, "whole number >= 0"),
        ("loss", "hinge", "one of auto, mse"),
    ],
)
def test_bad_values_name_field_value_and_allowed(field, value, allowed):
    with pytest.raises(ConfigError) as e:
        Config(**{field: value})
    message = str(e.value)
    assert message.startswith(f"{field} = {value!r}") and allowed in message


def test_loss_and_output_must_pair():
    with pytest.raises(ConfigError, match="loss bce needs a sigmoid output"):
        Config(loss="bce", output_activation="linear")
    assert Config().resolved("binary") == ("sigmoid", "bce")
    assert Config().resolved("multiclass") == ("softmax", "cross_entropy")
    assert Config().resolved("regression") == ("linear", "mse")
    assert Config(loss="mse").resolved("binary") == ("sigmoid", "mse")
    with pytest.raises(ConfigError, match="regression"):
        Config(loss="bce").resolved("regression")


def test_empty_hidden_list_is_the_smallest_network():
    assert Config(hidden=()).hidden == ()


def test_toml(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text('dataset = "xor"\nhidden = [8, 8]\nlr = 0.1\nbatch_size = "full"\n')
    c = Config.from_toml(path)
    assert (c.dataset, c.hidden, c.lr, c.batch_size) == ("xor", (8, 8), 0.1, None)
    path.write_text("lr = 0.1\nlearning_rate = 3\n")
    with pytest.raises(ConfigError, match="unknown setting 'learning_rate'"):
        Config.from_toml(path)
    path.write_text("lr = [\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Config.from_toml(path)
    path.write_text("lr = -3\n")
    with pytest.raises(ConfigError, match="lr = -3"):
        Config.from_toml(path)


def test_round_trip_through_dict():
    c = Config(hidden=(3, 5), batch_size=None, lr=0.5)
    assert Config.from_dict(c.to_dict()) == c


def write(tmp_path, text: str | bytes):
    path = tmp_path / "run.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


@pytest.mark.parametrize(
    "text,message",
    [
        ("hidden = 16\n", "hidden = 16 is not allowed: a list of whole numbers"),
        ("data = 5\n", "data = 5 is not allowed: the path of a CSV file"),
        ("data = true\n", "data = True is not allowed"),
        ("data = ''\n", "data = '' is not allowed"),
        ("target = [1]\n", "target = [1] is not allowed: a column's index"),
        ("train = 5\n", "train = 5 is not allowed: one table of settings, [train]"),
        ("[[train]]\nlr = 0.1\n", "train = [{'lr': 0.1}] is not allowed"),
        ("hidden = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
        ("hidden = [[[[[[[[1]]]]]]]]\n", "hidden = [[[[...]]]] is not allowed"),
        ('standardize = "maybe"\n', "standardize = 'maybe' is not allowed: true or false"),
        ("standardize = 5\n", "standardize = 5 is not allowed: true or false"),
        ("epochs = true\n", "epochs = True is not allowed: give a whole number"),
        ("epochs = 10.0\n", "epochs = 10.0 is not allowed: give a whole number"),
        ("epochs = 100000000000000000000\n", "give a whole number from 0 to 1000000000"),
        ("seed = true\n", "seed = True is not allowed: give a whole number >= 0"),
        ("lr = true\n", "lr = True is not allowed: give a number > 0"),
        ("lr = nan\n", "lr = nan is not allowed: give a finite number > 0"),
        ('lr = "fast"\n', "lr = 'fast' is not a number: give a number > 0"),
        ('hidden = "16,x"\n', "hidden = '16,x' is not allowed: units per layer"),
        ('batch_size = "half"\n', "batch_size = 'half' is not allowed: a whole number >= 1"),
        ("batch_size = 0\n", "batch_size = 0 is not allowed"),
        ("lr = { a = 1 }\n", "lr = {'a': 1} is not allowed"),
        ('dataset = "mnist"\n', "dataset = 'mnist' is not allowed: one of linear"),
        ("lr = 0.1\n[train]\nseed = 1\n", "'lr' is outside the [train] table"),
        ("[train]\nlr = 0.1\n[other]\n", "'other' is outside the [train] table"),
        ("[other]\nlr = 0.1\n", "unknown setting 'other'"),
        ("lr = 0.1\nlr = 0.2\n", "not valid TOML"),
    ],
)
def test_a_bad_toml_file_is_one_config_error_naming_the_file(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        Config.from_toml(path)
    assert str(e.value).startswith(f"{path}: ") and message in str(e.value), str(e.value)
    assert len(str(e.value)) < len(f"{path}: ") + 400  # the path, at most the settings' list


@pytest.mark.parametrize(
    "text,field,value",
    [
        ('hidden = "16,16"\n', "hidden", (16, 16)),
        ('hidden = "none"\n', "hidden", ()),
        ("hidden = []\n", "hidden", ()),
        ('batch_size = "FULL"\n', "batch_size", None),
        ('batch_size = "32"\n', "batch_size", 32),
        ('standardize = "no"\n', "standardize", False),
        ("standardize = false\n", "standardize", False),
        ('standardize = "auto"\n', "standardize", None),
        ('optimizer = "Adam"\n', "optimizer", "adam"),
        ("lr = 1\n", "lr", 1.0),
        ('lr = "0.5"\n', "lr", 0.5),
        ('target = "label"\n', "target", "label"),
        ('target = "2"\n', "target", 2),
        ("[train]\nlr = 0.2\n", "lr", 0.2),
    ],
)
def test_toml_values_in_their_type_or_in_the_flags_text(tmp_path, text, field, value):
    config = Config.from_toml(write(tmp_path, text))
    assert getattr(config, field) == value and type(getattr(config, field)) is type(value)


def test_a_byte_order_mark_is_skipped_and_other_encodings_are_named(tmp_path):
    path = write(tmp_path, "\ufefflr = 0.1\n".encode())
    assert Config.from_toml(path).lr == 0.1
    path = write(tmp_path, "# caf\xe9\nlr = 0.1\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"run.toml: not UTF-8 text \(byte 5\): save it as UTF-8"):
        Config.from_toml(path)
    with pytest.raises(ConfigError, match="is a folder|a folder, not a config file"):
        Config.from_toml(tmp_path)


@pytest.mark.parametrize(
    "field,value",
    [
        ("hidden", "16,16"),
        ("hidden", 16),
        ("hidden", (True, 2)),
        ("standardize", "no"),
        ("standardize", 1),
        ("epochs", True),
        ("seed", 1.0),
        ("batch_size", "full"),
        ("n_samples", False),
        ("target", 1.5),
        ("optimizer", "Adam"),
    ],
)
def test_config_itself_takes_typed_values_only(field, value):
    """Text is read by Config.from_dict and the flags; Config(...) wants the typed value."""
    with pytest.raises(ConfigError, match=f"^{field} = "):
        Config(**{field: value})


def test_typed_values_are_normalised():
    c = Config(hidden=[3, 5], lr=1, noise=0)
    assert c.hidden == (3, 5) and type(c.lr) is float and type(c.noise) is float


def test_what_is_not_a_settings_file_is_refused_without_reading_it_all(tmp_path):
    with pytest.raises(ConfigError, match="^/dev/zero: larger than 1,000,000 bytes"):
        Config.from_toml("/dev/zero")
    for digits, message in [
        ("9" * 10_000, "not valid TOML: Exceeds the limit (4300 digits)"),
        ("9" * 1000, "lr = 999"),  # beyond a float's range
        ('"' + "9" * 10_000 + '"', "lr = inf is not allowed"),  # float('99...9')
        ('"' + "x" * 10_000 + '"', "lr = 'xxx"),
    ]:
        with pytest.raises(ConfigError) as e:
            Config.from_toml(write(tmp_path, f"lr = {digits}\n"))
        assert message in str(e.value) and len(str(e.value)) < 400, str(e.value)
