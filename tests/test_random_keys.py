"""Random keys, the way people press them, at every pace, in lessons, at two sizes, over the
worker users get (a process) and the thread one: the app never ends, and after every key
the screen says what the session did (model-based testing with seeded sequences).

Each sequence is drawn from a seed; a failure names the seed, the configuration and the
keys up to the one that failed, and ``BACKPROP_KEYS="space p space" pytest -k replay``
plays any sequence again (``BACKPROP_CONFIG`` picks its configuration). The default run
presses two thousand keys (at least one in ten of which reaches the worker as a command:
the others open, fill and close dialogs and views); ``pytest -m slow`` eight thousand.
"""

from __future__ import annotations

import os
import random
import re
from dataclasses import dataclass

import pytest
from apphelpers import app_over, key, settled

from core.config import Config
from core.lessons import get_lesson
from core.pace import PACES, parse_pace
from core.trainer import Trainer
from tui.ui.main_screen import MainScreen
from tui.ui.widgets.controls import Controls
from tui.ui.widgets.status_line import StatusLine

# Every key a person presses on the main screen and in its dialogs (q aside: it quits; the
# command palette aside: typing in it can pick "quit"), weighted as people press them:
# the loop the app exists for most, then the views, then what is typed into prompts. k asks
# a question (its dialog: + - digits y n answer, enter and space close, escape leaves).
KEYS = (
    ["space"] * 8 + ["n"] * 5 + ["p"] * 8 + ["e"] * 2 + ["plus", "minus"] * 3
    + ["less_than_sign", "greater_than_sign"] * 4 + ["escape"] * 6
    + list("rdvuticbygGmsol") + ["tab", "question_mark", "enter"] * 2
    + ["up", "down", "left", "right", "left_square_bracket", "right_square_bracket"]
    + ["comma", "full_stop", "f", "w", "a", "backspace"]
    + list("0135x") + ["k"] * 2
)  # fmt: skip


DRAW_EVERY = 4  # keys between two frames the test draws itself (a frame of 120x40 with a
# dialog's dimmed background costs the test's process 0.1 s: one a key was most of the run)


@dataclass(frozen=True)
class Setup:
    """Where the keys are pressed: how fast it runs, in which lesson (or none), the
    terminal's size, the worker."""

    pace: str = "10"
    lesson: str = ""
    size: tuple[int, int] = (80, 24)
    worker: str = "thread"
    paused: bool = False
    norm: str = "none"

    def __str__(self) -> str:
        where = f"lesson {self.lesson}" if self.lesson else f"pace {self.pace}"
        norm = f", norm {self.norm}" if self.norm != "none" else ""
        return f"{where}, {self.size[0]}x{self.size[1]}, {self.worker}{norm}"

    def app(self):
        if self.lesson:
            lesson = get_lesson(self.lesson)
            return app_over(Trainer(lesson.config), self.paused, self.worker, lesson=lesson)
        config = Config(n_samples=200, pace=parse_pace(self.pace), norm=self.norm)
        return app_over(Trainer(config), self.paused, self.worker)


SETUPS = (
    Setup("10", worker="process"),
    Setup("30", size=(120, 40)),
    Setup("1 step", worker="process", size=(120, 40)),
    Setup("phases", norm="batch"),
    Setup("full", paused=True),
    Setup(lesson="xor", worker="process"),
    Setup(lesson="linear-regression", size=(120, 40)),
    Setup(lesson="cures"),
)


def status_says(text: str, snap) -> list[str]:
    """What the status line gets wrong about the snapshot it was shown ([] when nothing):
    its state and epoch always; every other number it shows (at 80 columns it drops whole
    pieces that do not fit) must be the snapshot's."""
    if snap.status == "diverged":
        return [] if "DIVERGED" in text else ["DIVERGED is not said"]
    wrong = [f"{e!r} is not said" for e in (snap.status, f"ep {snap.epoch:,}") if e not in text]
    shown = {
        "step": (re.search(r" step ([\d,]+)", text), f"{snap.steps:,}"),
        "lr": (re.search(r" lr (\S+)", text), f"{snap.config.lr:g}"),
        "next": (re.search(r"next: (\w+(?: \d+)?)", text), snap.phases[snap.phase_index].label),
        "pace": (re.search(r" ([\d.]+ (?:ep|step)/s|phases) ·", text), snap.pace.short),
    }
    for name, (found, expected) in shown.items():
        if found is not None and found.group(1) != expected:
            wrong.append(f"{name} {found.group(1)} shown, the run's is {expected}")
    if snap.phase_index == 0 and "next:" in text:
        wrong.append("a next phase is shown between two steps")
    return wrong


def controls_say(text: str, snap) -> list[str]:
    """The controls show the run's learning rate and pace (where they are in view: a
    short panel scrolls to the row of its cursor)."""
    found = {
        "lr": re.search(r"\blr\s+(\S+)", text),
        "pace": re.search(r"\bpace\s+(\S+(?: \S+/s)?)", text),
    }
    wrong = []
    if found["lr"] is not None and float(found["lr"].group(1)) != snap.config.lr:
        wrong.append(f"the controls' lr is not {snap.config.lr:g}")
    if found["pace"] is not None and found["pace"].group(1) != snap.pace.short:
        wrong.append(f"the controls' pace is not {snap.pace.short}")
    return wrong


def disagreements(app) -> list[str]:
    """What the screen gets wrong about the session, now that every key has been applied."""
    snap = app.snapshot
    session = app.session
    wrong = []
    if isinstance(app.screen, MainScreen):  # (a dialog covers the panels)
        wrong += status_says(app.query_one(StatusLine).render().plain, snap)
        wrong += controls_say(app.query_one(Controls).render().plain, snap)
    trainer = getattr(session, "trainer", None)  # the thread worker's, read directly
    if trainer is not None and snap.status != "running" and session.finished.is_set() is False:
        facts = ("epoch", "steps", "phase_index")
        wrong += [
            f"{name}: the screen says {getattr(snap, name)}, the run is at {getattr(trainer, name)}"
            for name in facts
            if getattr(snap, name) != getattr(trainer, name)
        ]
        if snap.config != trainer.config:
            wrong.append(f"settings: the screen has {snap.config}, the run {trainer.config}")
    return wrong


async def press_and_check(setup: Setup, keys: list[str], seed: object) -> None:
    """Press ``keys`` one by one; after each, the app lives and agrees with its session."""
    app = setup.app()
    async with app.run_test(size=setup.size) as pilot:
        assert await settled(pilot), f"seed {seed}, {setup}, at the start: {waiting_on(app)}"
        for n, name in enumerate(keys):
            await key(pilot, name)
            where = f"seed {seed}, {setup}, after {' '.join(keys[: n + 1])}"
            assert app.is_running, f"the app ended: {where}"
            # a frame drawn every DRAW_EVERY keys (and by the app's own timer in between:
            # a drawing that fails ends the app, said after the next key)
            draw = n % DRAW_EVERY == 0
            assert await settled(pilot, draw), f"{where}: {waiting_on(app)}"
            wrong = disagreements(app)
            assert not wrong, f"{where}: " + "; ".join(wrong)
        sent = app.session.submitted
    assert app.return_code in (None, 0), f"seed {seed}, {setup}: exit {app.return_code}"
    assert sent >= len(keys) // 10, f"only {sent} commands from {len(keys)} keys"


def waiting_on(app) -> str:
    """Why the keys were never all applied, as far as the app can tell."""
    session, snap = app.session, app.snapshot
    said = f"commands sent {session.submitted}, applied {snap.applied} (snapshot {snap.seq})"
    proc = getattr(session, "proc", None)  # the worker process's
    if proc is not None:
        said += f"; worker process {proc.pid}: exit {proc.poll()}, gone {session.gone!r}"
    return said


def sequence(seed: int, length: int) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(KEYS) for _ in range(length)]


@pytest.fixture(autouse=True)
def away_from_home(tmp_path, monkeypatch):
    """Saves (s, then enter) go to a folder of the test's own; autosaves too."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))


@pytest.mark.parametrize("setup", SETUPS, ids=str)
async def test_random_keys_never_end_the_app_and_the_screen_agrees(setup):
    seed = SETUPS.index(setup)
    await press_and_check(setup, sequence(seed, 250), seed)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(100, 140))
async def test_many_more_random_keys(seed):
    rng = random.Random(seed)
    setup = Setup(
        pace=rng.choice([p.short for p in PACES]),
        lesson=rng.choice(
            ["", "", "xor", "lr-too-large", "dead-relu", "batch-sizes", "normalisation"]
        ),
        size=rng.choice([(80, 24), (120, 40), (100, 30)]),
        worker=rng.choice(["thread", "process"]),
        paused=rng.random() < 0.3,
    )
    await press_and_check(setup, sequence(seed, 200), seed)


async def test_the_keys_that_ended_the_app():
    """space, p, space at 10 and 30 epochs a second, and in the xor lesson (escape p p
    space): the gradients panel read a phase the snapshot left empty."""
    for setup, keys in (
        (Setup("10"), ["space", "p", "space"]),
        (Setup("30", worker="process"), ["space", "p", "space"]),
        (Setup(lesson="xor"), ["escape", "p", "p", "space"]),
    ):
        await press_and_check(setup, keys, "given")


@pytest.mark.skipif("BACKPROP_KEYS" not in os.environ, reason="replays BACKPROP_KEYS")
async def test_replay():
    keys = os.environ["BACKPROP_KEYS"].split()
    setup = SETUPS[int(os.environ.get("BACKPROP_CONFIG", "0"))]
    await press_and_check(setup, keys, "replayed")
