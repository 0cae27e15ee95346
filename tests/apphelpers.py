"""Shared helpers for the app tests: the app over either worker, and waiting on conditions.

``make_app(worker="process")`` runs the worker as users get it, in a process of its own
(tui.worker.remote), started once the first frame is drawn, as the launcher does;
``worker="thread"`` runs it in a thread of the test's process (its trainer can then be
read directly). tests/conftest.py ends every worker process a test started.
"""

import time
import unicodedata

from textual import events
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key
from waiting import DEADLINE

from core.config import Config
from core.pace import FULL_SPEED, Pace
from core.trainer import Trainer
from tui.ui.app import BackpropApp
from tui.worker.remote import RemoteSession
from tui.worker.session import TrainingSession

WORKERS = ("thread", "process")
# A key goes from the app to the screen to the focused widget, whose binding may post a
# message up to the screen, which may open a dialog: at most this many hand-overs
HOPS = 6
STARTED: list[RemoteSession] = []  # worker processes to end after the test (conftest)


def make_app(
    paused: bool = True, pace: Pace = FULL_SPEED, worker: str = "thread", **config
) -> BackpropApp:
    """The app over a fresh run (small data so that tests are quick).

    A running app at full speed keeps the process busy, and Pilot waits up to a second for
    an idle moment after each key: tests that need it running choose a slow pace.
    """
    config = {"n_samples": 200, "pace": pace, **config}
    return app_over(Trainer(Config(**config)), paused, worker)


def app_over(trainer: Trainer, paused: bool, worker: str, **options) -> BackpropApp:
    """The app over ``trainer`` with the worker asked for (see the module docstring)."""
    local = TrainingSession(trainer, paused=paused)
    if worker == "thread":
        return BackpropApp(local, **options)
    remote = RemoteSession()
    remote.start(trainer, paused, first=local.latest, defer=True)  # begun by the app
    STARTED.append(remote)
    return BackpropApp(remote, **options)


async def wait_until(pilot, predicate, timeout: float = DEADLINE) -> bool:
    """Let the app run until ``predicate()`` holds (False after ``timeout`` seconds)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        await pilot.pause(0.005)
    return predicate()


async def settled(pilot, draw: bool = True) -> bool:
    """Wait until the screen shows a snapshot in which every command sent so far has been
    applied, and has handled what is pending; then draw it (unless ``draw`` is False: the
    app draws at its own pace, and a test that reads widgets' render() needs no frame)."""
    app = pilot.app
    done = await wait_until(pilot, lambda: app.snapshot.applied >= app.session.submitted)
    if draw:
        await pilot.pause(0)  # the screen's pending messages, and a frame
    else:
        await pilot._wait_for_screen()
    return done


async def key(pilot, name: str) -> None:
    """Press one key as a terminal sends it (the Key event the driver posts, named as
    Textual names it: "." is "full_stop"), and wait until the screen has handled it.
    Pilot's ``press`` also waits for the process's CPU to go idle: up to a second a key
    while a worker trains in the test's process."""
    if len(name) == 1:
        name = _character_to_key(name)
    unicode_name = _get_unicode_name_from_key(REPLACED_KEYS.get(name, name))
    try:  # "plus" -> "+", "space" -> " "; enter, escape, up ... have no character
        char = unicodedata.lookup(unicode_name)
    except KeyError:
        char = name if len(name) == 1 else None
    pilot.app.post_message(events.Key(name, char))
    for _ in range(HOPS):  # each round, every widget handles what was queued before it
        await pilot._wait_for_screen()  # (Pilot's own wait; pause would also draw the screen)


async def show_data_view(pilot, size: tuple[int, int]) -> None:
    """Press d and wait until the data view is drawn (at 120 columns the neurons' maps
    too, beside the network)."""
    app = pilot.app
    await key(pilot, "d")
    assert await wait_until(pilot, lambda: app.snapshot.data is not None)
    if size[0] >= 120:
        assert await wait_until(pilot, lambda: app.snapshot.neuron_maps is not None)


async def dialog(pilot, *keys: str) -> None:
    """Press ``keys`` and wait until the dialog they open is on screen."""
    from tui.ui.widgets.prompt_dialog import PromptDialog

    await pilot.press(*keys)
    assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, PromptDialog))
