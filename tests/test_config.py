"""The config dataclass: every bad value names the field, the value and what is allowed."""

import pytest

from core.config import Config, ConfigError


@pytest.mark.parametrize(
    "field,value,allowed",
    [
        ("lr", -0.1, "finite number > 0"),
        ("lr", float("nan"), "finite number > 0"),
        ("lr", 0, "finite number > 0"),
        ("batch_size", 0, "whole number >= 1, or full"),
        ("activation", "swish", "one of linear, sigmoid, tanh, relu, leaky_relu"),
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
