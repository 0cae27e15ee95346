"""Shared helpers for the app tests."""

import time

from core.config import Config
from core.pace import FULL_SPEED, Pace
from core.trainer import Trainer
from tui.ui.app import BackpropApp
from tui.worker.session import TrainingSession


def make_app(paused: bool = True, pace: Pace = FULL_SPEED, **config) -> BackpropApp:
    """The app over a fresh run (small data so that tests are quick).

    A running app at full speed keeps the process busy, and Pilot waits up to a second for
    an idle moment after each key: tests that need it running choose a slow pace.
    """
    config = {"n_samples": 200, "pace": pace, **config}
    return BackpropApp(TrainingSession(Trainer(Config(**config)), paused=paused))


async def wait_until(pilot, predicate, timeout: float = 5.0) -> bool:
    """Let the app run until ``predicate()`` holds (False after ``timeout`` seconds)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        await pilot.pause(0.02)
    return predicate()


async def dialog(pilot, *keys: str) -> None:
    """Press ``keys`` and wait until the dialog they open is on screen."""
    from tui.ui.widgets.prompt_dialog import PromptDialog

    await pilot.press(*keys)
    assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, PromptDialog))
