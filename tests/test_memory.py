"""A run that would not fit in memory is refused before anything large is allocated,
with the estimate in the message."""

import pytest

from core.config import Config, ConfigError
from core.memory import MEMORY_BUDGET, run_bytes
from core.trainer import Trainer
from tui.cli.main import main


def test_a_24_gib_run_is_refused_by_the_cli_with_the_estimate(capsys):
    args = ["train", "--samples", "1000000", "--hidden", "4096", "--batch-size", "full"]
    assert main([*args, "--epochs", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "would need about" in err and "GiB" in err
    assert "4 GiB budget" in err and "batch full" in err


def test_the_estimate_grows_with_batch_rows_and_layers():
    small = run_bytes(800, 200, [2, 8, 1], 10, 8)
    assert small < 10**6
    assert run_bytes(800, 200, [2, 8, 1], None, 8) > small  # the full batch
    assert run_bytes(800, 200, [2, 64, 1], 10, 8) > small
    assert run_bytes(800, 200, [2, 8, 1], 10, 4) < small  # float32


def test_a_full_batch_that_would_not_fit_is_refused_and_the_run_keeps_its_batch():
    t = Trainer(Config(n_samples=200_000, hidden=(512,), batch_size=10))
    with pytest.raises(ConfigError, match="would need about .* GiB"):
        t.apply({"batch_size": None})
    assert t.config.batch_size == 10
    t.step()  # still trains in batches of 10
    assert t.batch_x.shape[0] == 10


def test_every_lesson_and_the_default_run_fit_easily():
    from core.lessons import load_lessons

    for config in [Config(), *(lesson.config for lesson in load_lessons().values())]:
        n_val = round(config.n_samples * config.val_fraction)
        n_train = config.n_samples - n_val
        outputs = 3 if config.dataset in ("blobs", "spiral3") else 1
        sizes = [1 if config.dataset in ("linear", "sine") else 2, *config.hidden, outputs]
        assert run_bytes(n_train, n_val, sizes, config.batch_size, 8) < MEMORY_BUDGET / 100
