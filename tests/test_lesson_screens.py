"""Each lesson shows what its paragraph says to watch, on the 80x24 screen, at its own pace.

The real app runs each lesson with a controlled clock: the test moves the clock, the worker
loop (``TrainingSession.tick``) trains what the pace allows, and the assertions read the
screen as a person would (the status line, the panels' text), not the trainer.
"""

from __future__ import annotations

import re

import pytest

from core.lessons import get_lesson
from core.trainer import Trainer
from tui.ui.app import BackpropApp
from tui.worker.clock import ManualClock
from tui.worker.session import TrainingSession


class Lesson:
    """A lesson in the app at 80x24, started with ⏎ as a person would, and the time it ran."""

    def __init__(self, name: str) -> None:
        self.lesson = get_lesson(name)
        self.clock = ManualClock()
        trainer = Trainer(self.lesson.config)
        self.session = TrainingSession(trainer, clock=self.clock)
        self.app = BackpropApp(self.session, run_worker=False, lesson=self.lesson)
        self.seconds = 0.0

    async def start(self, pilot) -> None:
        self.pilot = pilot
        await self.turns(1)  # the lesson's own commands: its pace, view, runs to compare
        assert self.app.screen.__class__.__name__ == "LessonScreen"
        await pilot.press("enter")
        await self.turns(1)

    async def turns(self, n: int) -> None:
        for _ in range(n):
            self.session.tick()
        await self.pilot.pause()

    async def watch(self, seconds: float, step: float = 0.05) -> str:
        """Let ``seconds`` of the lesson's time pass (a worker turn every ``step``, the screen
        catching up every second), then the screen as it is: its text."""
        for i in range(round(seconds / step)):
            self.clock.now += step
            self.seconds += step
            self.session.tick()
            if i % 20 == 0:
                await self.pilot.pause()
        self.session.request_snapshot()
        await self.turns(1)
        await self.pilot.pause()
        return self.screen()

    def screen(self) -> str:
        return "\n".join(s.text for s in self.app.screen._compositor.render_strips())

    def status(self) -> str:
        return self.screen().splitlines()[-2]


def numbers(pattern: str, text: str) -> list[float]:
    """Every number the pattern's groups catch, in order."""
    found = re.findall(pattern, text)
    groups = [g for f in found for g in (f if isinstance(f, tuple) else (f,))]
    return [float(g.replace(",", "")) for g in groups]


def loss_shown(status: str) -> float:
    """The training loss the status line shows (the batch loss before the first epoch)."""
    return numbers(r"loss ([-\d.e+]+)", status)[0]


async def test_linear_regression_m_and_b_move_towards_3_and_2_on_the_surface():
    lesson = Lesson("linear-regression")
    async with lesson.app.run_test(size=(80, 24)) as pilot:
        await lesson.start(pilot)
        seen = []
        for _ in range(5):  # every 2 s for 10 s: a learner can read each value
            screen = await lesson.watch(2.0)
            m, b = numbers(r"● m ([-\d.]+)\s+b ([-\d.]+)", screen)[:2]
            seen.append((m, b))
        assert "5 ep/s" in lesson.status()
        assert "Loss surface" in screen and "✕ true m 3, b 2" in screen
        assert screen.count("·") >= 20  # the path: one dot an epoch
    ms = [m for m, _ in seen]
    assert ms == sorted(ms) and ms[0] < 2.9  # moving up towards 3, slowly enough to read
    assert abs(ms[-1] - 3) < 0.1 and abs(seen[-1][1] - 2) < 0.1


async def test_lr_too_small_crawls_then_two_faster_rates_join_it_on_one_plot():
    lesson = Lesson("lr-too-small")
    async with lesson.app.run_test(size=(80, 24)) as pilot:
        await lesson.start(pilot)
        first = loss_shown(await lesson.watch(1.0))
        later = loss_shown(await lesson.watch(9.0))  # 10 s after ⏎
        assert "30 ep/s" in lesson.status()
        assert later < 0.85 * first  # visibly fallen
        assert later > 1.0  # still far from its minimum (about 0.01)
        screen = await lesson.watch(27.0)  # the three runs: 360 epochs each at 30 ep/s
        assert "paused" in lesson.status() and "lr 0.03" in lesson.status()
        assert "lr 0.0003" in screen and "lr 0.003" in screen  # the ghosts, labelled
        assert loss_shown(lesson.status()) < 0.1


async def test_lr_too_large_overshoots_climbs_and_diverges_with_its_reason():
    lesson = Lesson("lr-too-large")
    async with lesson.app.run_test(size=(80, 24)) as pilot:
        await lesson.start(pilot)
        losses = [loss_shown((await lesson.watch(1.0)).splitlines()[-2]) for _ in range(5)]
        assert losses == sorted(losses) and losses[-1] > 10 * losses[0]  # higher every epoch
        assert "Loss surface" in lesson.screen()
        screen = await lesson.watch(5.0)  # about 250 epochs at 30 ep/s
        assert "DIVERGED" in screen and "learning rate 2.5" in " ".join(screen.split())


async def test_batch_sizes_end_with_three_labelled_curves_on_one_plot():
    lesson = Lesson("batch-sizes")
    async with lesson.app.run_test(size=(80, 24)) as pilot:
        await lesson.start(pilot)
        screen = await lesson.watch(3.0)
        assert "10 ep/s" in lesson.status() and "batch  1 " in screen
        screen = await lesson.watch(16.0)  # 3 runs of 60 epochs at 10 ep/s: 18 s
        assert "paused" in lesson.status() and "ep 60" in lesson.status()
        assert "batch 1" in screen and "batch 10" in screen and "batch  full" in screen
        assert "the 3 runs are on one plot" in lesson.app.snapshot.notice


async def test_xor_with_a_hidden_layer_reaches_100_and_without_one_stays_at_chance():
    lesson = Lesson("xor")
    async with lesson.app.run_test(size=(80, 24)) as pilot:
        await lesson.start(pilot)
        status = (await lesson.watch(6.5)).splitlines()[-2]  # 195 of its 200 epochs
        assert numbers(r"acc ([\d.]+)%", status)[0] == 100.0
        screen = await lesson.watch(7.0)  # the second run's 200 epochs
        status = lesson.status()
        assert "paused" in status and "hidden 4" in screen  # the first run, a ghost now
        assert numbers(r"acc ([\d.]+)%", status)[0] <= 75.0
        assert "hidden none" in screen


@pytest.mark.parametrize("name", ["linear-regression", "lr-too-small", "batch-sizes", "xor"])
def test_the_lessons_paces_are_watchable(name):
    lesson = get_lesson(name)
    assert lesson.config.pace.per_second <= 30


def gradient_rows(screen: str) -> dict[str, tuple[float, float, str]]:
    """The gradients panel's layer rows: {"L1": (‖dW‖, ‖δ‖, the rest of the row)}."""
    rows = {}
    for line in screen.splitlines():
        left = line.split("││")[0].strip("│ ")
        m = re.match(
            r"(L\d+) +\S+ +(?:▕.*▏ +)?([-\d.e+]+|nan|inf) δ *([-\d.e+]+|nan|inf)(.*)", left
        )
        if m:
            rows[m.group(1)] = (float(m.group(2)), float(m.group(3)), m.group(4).strip())
    return rows


async def test_vanishing_gradients_the_first_layers_starve_beside_the_last():
    lesson = Lesson("vanishing-gradients")
    async with lesson.app.run_test(size=(80, 24)) as pilot:
        await lesson.start(pilot)
        rows = gradient_rows(await lesson.watch(10.0))
        assert "30 ep/s" in lesson.status()
    assert {"L1", "L9"} <= set(rows)  # the first and the output layer, both on screen
    assert "vanishing" in rows["L1"][2] and "vanishing" not in rows["L9"][2]
    assert rows["L1"][0] < 1e-3 * rows["L9"][0]


async def test_cures_relu_and_he_keep_every_layer_learning():
    lesson = Lesson("cures")
    async with lesson.app.run_test(size=(80, 24)) as pilot:
        await lesson.start(pilot)
        screen = await lesson.watch(8.0)
        rows = gradient_rows(screen)
        status = lesson.status()
    assert "vanishing" not in screen and "exploding" not in screen
    assert rows["L1"][0] > 1e-1 * rows["L9"][0]  # the same order of magnitude
    assert numbers(r"acc ([\d.]+)%", status)[0] > 90


async def test_exploding_gradients_grow_layer_by_layer_then_diverge_and_say_why():
    lesson = Lesson("exploding-gradients")
    async with lesson.app.run_test(size=(80, 24)) as pilot:
        await lesson.start(pilot)
        rows = gradient_rows(await lesson.watch(1.0))  # one step a second: the first
        assert "1 step/s" in lesson.status() and lesson.app.snapshot.steps == 1
        last = f"L{len(lesson.app.snapshot.sizes) - 1}"
        assert rows["L1"][1] > 100 * rows[last][1]  # δ grew through the layers
        screen = " ".join((await lesson.watch(8.0)).split())
    assert "DIVERGED" in screen and "Choose init he (ReLU) or xavier" in screen


async def test_zero_init_sits_at_a_symmetric_stationary_point():
    lesson = Lesson("zero-init")
    async with lesson.app.run_test(size=(80, 24)) as pilot:
        await lesson.start(pilot)
        screen = await lesson.watch(8.0)
        status = lesson.status()
    rows = gradient_rows(screen)
    assert "symmetric" in rows["L1"][2] and rows["L1"][0] == 0.0
    assert "stationary point, not a minimum" in " ".join(screen.split())
    assert "nan" not in screen and numbers(r"acc ([\d.]+)%", status)[0] <= 60


async def test_dead_relu_the_second_layer_dies_and_accuracy_falls_to_chance():
    lesson = Lesson("dead-relu")
    async with lesson.app.run_test(size=(80, 24)) as pilot:
        await lesson.start(pilot)
        screen = await lesson.watch(8.0)
        status = lesson.status()
    assert "16/16 dead" in gradient_rows(screen)["L2"][2]
    assert "○" in screen  # the network marks the dead neurons
    assert numbers(r"acc ([\d.]+)%", status)[0] <= 65
