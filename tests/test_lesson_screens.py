"""Each lesson shows what its paragraph says to watch, on the 80x24 screen (and 120x40 where
the paragraph is about a picture), at its own pace.

The real app runs each lesson with a controlled clock: the test moves the clock, the worker
loop (``TrainingSession.tick``) trains what the pace allows, and the assertions read the
screen as a person would (the status line, the panels' text), not the trainer.
"""

from __future__ import annotations

import re

import pytest
from apphelpers import wait_until

from core.lessons import get_lesson, load_lessons
from core.trainer import Trainer
from tui.ui.app import BackpropApp
from tui.ui.widgets.quiz_dialog import QuizDialog
from tui.worker.clock import ManualClock
from tui.worker.session import TrainingSession

SIZES = [(80, 24), (120, 40)]


class Lesson:
    """A lesson in the app, started with ⏎ as a person would, and the time it ran."""

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

    async def answer(self, key: str) -> tuple[str, str]:
        """Answer the lesson's question with ``key`` (its step runs): the screen with the
        question, then with the answer revealed. (⏎ then lets the lesson go on.)"""
        assert await wait_until(self.pilot, lambda: isinstance(self.app.screen, QuizDialog))
        asked = self.screen()
        await self.pilot.press(key)
        await self.turns(1)  # the worker applies the answer: the step runs
        assert await wait_until(self.pilot, lambda: self.app.screen.reveal is not None)
        await self.pilot.pause()
        return asked, self.screen()

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
        assert "Loss surface" in screen and "✕ m 3, b 2" in screen
        assert screen.count("•") >= 20  # the path: a • at each epoch
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


def surface_rows(screen: str) -> list[str]:
    """The loss surface's map rows (the right-hand panel between its header and footer)."""
    lines = [line.split("││")[-1] for line in screen.splitlines() if "││" in line]
    start = next(i for i, line in enumerate(lines) if "● m" in line)
    end = next(i for i, line in enumerate(lines) if "m " in line and "→ b" in line)
    return lines[start + 1 : end]


@pytest.mark.parametrize("size", SIZES)
async def test_lr_too_large_zig_zags_across_the_valley_on_screen_then_diverges(size):
    lesson = Lesson("lr-too-large")
    async with lesson.app.run_test(size=size) as pilot:
        await lesson.start(pilot)
        await lesson.watch(1.0)  # 2 epochs: the lesson asks about the next step
        before = loss_shown(lesson.status())
        asked, revealed = await lesson.answer("n")
        assert "Will this batch's loss be lower after the update" in " ".join(asked.split())
        went = numbers(r"loss went from ([-\d.e+]+) to ([-\d.e+]+)", revealed)
        assert "✓ Right: not lower." in revealed and went[1] > went[0]
        assert went[0] == float(f"{lesson.session.trainer.last_loss:.4g}") != before
        await pilot.press("enter")  # the lesson goes on
        await lesson.turns(1)
        bs, losses = [], []
        for _ in range(11):  # every half second: each epoch, as a reader follows them
            screen = await lesson.watch(0.5)
            bs.append(numbers(r"● m [-\d.e+]+\s+b ([-\d.e+]+)", screen)[0])
            losses.append(loss_shown(lesson.status()))
            rows = "".join(surface_rows(screen))
            assert "●" in rows  # the weights now, on the picture: the view follows them
        assert "2 ep/s" in lesson.status()
        assert rows.count("•") >= 10 and re.search("[\u2801-\u28ff]", rows)  # • joined by lines
        sides = [b > 2 for b in bs]  # the valley's floor is at b = 2
        assert all(a != c for a, c in zip(sides, sides[1:], strict=False))  # zig-zag
        assert [abs(b - 2) for b in bs] == sorted(abs(b - 2) for b in bs)  # further out
        assert losses == sorted(losses)  # the loss grows every epoch
        screen = " ".join((await lesson.watch(2.0)).split())  # about 8 s: 15 epochs
        assert "DIVERGED" in screen and "learning rate 1.05 is likely too large" in screen
        assert "lr·λmax = 1.05 x 2.009 = 2.11 > 2" in screen  # as the lesson says
        await pilot.press("minus", "minus", "space")  # lr 0.3, resumed
        await lesson.turns(1)
        assert "lr 0.3" in lesson.status()
        seen = [
            numbers(r"● m ([-\d.e+]+)\s+b ([-\d.e+]+)", await lesson.watch(1.0)) for _ in range(5)
        ]
        ms, bs = [m for m, _ in seen], [b for _, b in seen]
        assert bs[:2] == sorted(bs[:2]) and max(bs) < 2.05  # into the valley, not across it
        assert ms == sorted(ms)  # then along its floor towards the ✕ at m = 3


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
        await lesson.watch(0.2)  # 2 epochs: the lesson asks which layer's δ is smallest
        asked, revealed = await lesson.answer("1")
        assert "Which layer's ‖δ‖ will be the smallest?" in " ".join(asked.split())
        assert "✓ Right: layer 1's ‖δ‖ was the smallest." in revealed
        norms = lesson.session.trainer.report().delta_norm  # the step's, as the panel shows
        shown = dict(re.findall(r"L(\d) +([-\d.e+]+)", revealed))
        assert [float(shown[str(k + 1)]) for k in range(9)] == [float(f"{d:.3g}") for d in norms]
        await pilot.press("enter")  # the lesson goes on
        await lesson.turns(1)
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


async def test_zero_init_sits_at_a_symmetric_stationary_point_but_the_output_bias_moves():
    lesson = Lesson("zero-init")
    async with lesson.app.run_test(size=(80, 24)) as pilot:
        await lesson.start(pilot)
        screen = await lesson.watch(8.0)
        status = lesson.status()
        losses = [loss_shown(status)]
        for _ in range(3):
            await lesson.watch(1.0)
            losses.append(loss_shown(lesson.status()))
        await pilot.press("i", "right", "right", "right_square_bracket", "right_square_bracket")
        bias = " ".join((await lesson.watch(1.0)).split())
    rows = gradient_rows(screen)
    assert "symmetric" in rows["L1"][2] and rows["L1"][0] == 0.0
    assert "stationary point, not a minimum" in " ".join(screen.split())
    assert "nan" not in screen and numbers(r"acc ([\d.]+)%", status)[0] <= 60
    assert len(set(losses)) > 1 and all(0.68 < x < 0.71 for x in losses)  # jitters near 0.69
    assert "b3[0]" in bias and 0.05 < numbers(r"\bb = ([-\d.e]+)", bias)[0] < 0.13


async def test_dead_relu_the_second_layer_dies_and_small_steps_learn_with_few_dead():
    lesson = Lesson("dead-relu")
    async with lesson.app.run_test(size=(80, 24)) as pilot:
        await lesson.start(pilot)
        screen = await lesson.watch(8.0)
        status = lesson.status()
        assert "16/16 dead" in gradient_rows(screen)["L2"][2]
        assert "○" in screen  # the network marks the dead neurons
        assert numbers(r"acc ([\d.]+)%", status)[0] <= 65
        await pilot.press("space", *["minus"] * 4, "r", "space")  # lr 0.03, new weights
        await lesson.turns(2)
        screen = await lesson.watch(20.0)
        status = lesson.status()
    assert "lr 0.03" in status and numbers(r"acc ([\d.]+)%", status)[0] > 90  # it learns
    dead = numbers(r"(\d+)/16 dead", screen)
    assert sum(dead) <= 4  # a few may die by chance: the text says so, and to watch the count


@pytest.mark.slow
async def test_cures_a_few_relus_die_and_after_a_minute_the_validation_loss_climbs():
    lesson = Lesson("cures")
    async with lesson.app.run_test(size=(80, 24)) as pilot:
        await lesson.start(pilot)
        await lesson.watch(4.0)
        early = loss_pair(lesson.status())
        screen = await lesson.watch(56.0)
        late = loss_pair(lesson.status())
    dead = numbers(r"○ (\d+) dead", screen)  # the network's caption counts them
    assert dead and 1 <= dead[0] <= 10  # a few of the 64 died on the way
    assert late[0] < 0.02 and late[1] > 0.3 > early[1]  # train towards 0, validation up


def loss_pair(status: str) -> tuple[float, float]:
    """The training and validation loss the status line shows."""
    train, val = numbers(r"loss ([-\d.e+]+)/([-\d.e+]+)", status)[:2]
    return train, val


@pytest.mark.parametrize("name", ["vanishing-gradients", "features"])
async def test_at_120x40_every_neuron_the_lesson_talks_about_is_a_map(name):
    lesson = Lesson(name)
    async with lesson.app.run_test(size=(120, 40)) as pilot:
        await lesson.start(pilot)
        if name == "vanishing-gradients":  # its question after 2 epochs, answered
            await lesson.watch(0.2)
            await lesson.answer("1")
            await pilot.press("enter")
            await lesson.turns(1)
        await lesson.watch(12.5 if name == "features" else 2.0)  # features: its third run
        boxes = lesson.app.screen.query_one("NetworkView")._map_boxes
        screen = lesson.screen()
    sizes = lesson.app.snapshot.sizes
    if name == "features":
        assert sizes == (2, 4, 1) and len(boxes) == sum(sizes)  # each hidden neuron's line
        assert all(px == cells for _, _, px, cells in boxes.values())  # square
    else:  # 8 sigmoid layers of 8 at 40 rows: too many neurons a column for maps
        assert boxes == {} and "●" in screen


@pytest.mark.parametrize("name", list(load_lessons()))
async def test_each_lessons_text_is_whole_on_its_screen_at_80x24(name):
    lesson = Lesson(name)
    async with lesson.app.run_test(size=(80, 24)) as pilot:
        lesson.pilot = pilot
        await lesson.turns(1)
        dialog = [row.split("█")[1] for row in lesson.screen().splitlines() if row.count("█") == 2]
        shown = " ".join(" ".join(dialog).split())
        assert f"Lesson: {lesson.lesson.title}" in shown
        assert lesson.lesson.text in shown and "⏎ start" in shown  # every word of it
        # the status line says the run waits (once it has been drawn: it may lag the dialog)
        assert await wait_until(pilot, lambda: "waiting  for ⏎" in lesson.status())
        await pilot.press("escape")
        await lesson.turns(1)
        assert await wait_until(pilot, lambda: "paused" in lesson.status())
        assert "waiting" not in lesson.status()


def sharpness_shown(screen: str) -> tuple[float, float]:
    """(λmax, 2/lr) as the last line of the gradients panel writes them."""
    lam, limit = numbers(r"λmax ≥?([\d.]+) .*2/lr ([\d.]+)", screen)[:2]
    return lam, limit


@pytest.mark.parametrize("size", [(80, 24), pytest.param((120, 40), marks=pytest.mark.slow)])
async def test_edge_of_stability_lambda_max_climbs_to_two_over_lr_and_stays_there(size):
    lesson = Lesson("edge-of-stability")
    async with lesson.app.run_test(size=size) as pilot:
        await lesson.start(pilot)
        lam, limit = sharpness_shown(await lesson.watch(0.3))  # epoch 6
        assert limit == 2.86 and lam < 1  # "starts under 1"
        assert "20 ep/s" in lesson.status()
        lam, _ = sharpness_shown(await lesson.watch(4.5 - lesson.seconds))  # epoch 90
        assert lam < limit  # below the mark still
        lam, _ = sharpness_shown(await lesson.watch(5.5 - lesson.seconds))  # epoch 110
        assert lam > limit  # past it
        lam, _ = sharpness_shown(await lesson.watch(7.2 - lesson.seconds))  # epoch 144
        assert lam > 2 * limit
        losses, ratios = [], []
        for seconds in range(8, 26):  # epochs 160 to 500, a reading a second
            screen = await lesson.watch(seconds - lesson.seconds)
            lam, _ = sharpness_shown(screen)
            ratios.append(lam / limit)
            losses.append(loss_shown(lesson.status()))
        assert lesson.session.trainer.epoch == 500
        assert re.search(r"││ *2┤", screen)  # the loss plot reaches 2: the spike
        assert 0.87 <= min(ratios) and max(ratios) <= 1.09  # at the mark, as the text says
        assert losses[-1] == pytest.approx(0.32, abs=0.005) and losses[0] > 0.45
        await pilot.press("space", "u")  # paused: the landscape, one epoch at a time
        await lesson.turns(2)
        ways = []
        for _ in range(3):
            await pilot.press("e")
            screen = await lesson.watch(0.1)
            assert "▲ on ○" in screen  # the step lands back where the last one started
            ways.append(re.search(r"▲ next( step)? → [\d.]+ ([↑↓])", screen).group(2))
        assert ways in (["↑", "↓", "↑"], ["↓", "↑", "↓"])  # up one epoch, down the next


def weight_sizes(screen: str) -> list[float]:
    """|W| of each layer, as the gradients panel shows them, the first layer first."""
    return numbers(r"\|W\| ([-\d.e+]+)", screen)


def plot_area(screen: str) -> str:
    """The loss plot's rows from its frame down (the legend is above it): the right-hand
    panel's, beside the network."""
    rows = [line.split("││", 1)[1] for line in screen.splitlines() if "││" in line]
    top = next(i for i, row in enumerate(rows) if "┌" in row)
    return "\n".join(rows[top : top + 12])


@pytest.mark.parametrize("size", SIZES)
async def test_overfitting_the_validation_loss_turns_up_at_the_mark_and_l2_shrinks_w(size):
    lesson = Lesson("overfitting")
    async with lesson.app.run_test(size=size) as pilot:
        await lesson.start(pilot)
        screen = await lesson.watch(6.5)  # 195 of the first run's 200 epochs
        train, val = loss_pair(lesson.status())
        best = numbers(r"┊ lowest val ep ([\d,]+)", screen)
        assert "30 ep/s" in lesson.status() and train < 0.01 and val > 1  # climbed past 1
        assert best and 30 <= best[0] <= 40 and "┊" in plot_area(screen)  # near epoch 35
        first = weight_sizes(screen)
        assert len(first) == 3 and 18 < first[1] < 20  # layer 2's about 19
        if size != (80, 24):
            return  # the rest at 80x24 only
        screen = await lesson.watch(6.5)  # the second run, l2 0.001, near its end
        assert "L2     0.001" in screen and "━• L2 0" in screen
        later = numbers(r"┊ lowest val ep ([\d,]+)", screen)[0]
        assert 70 <= later <= 90 and 0.5 < loss_pair(lesson.status())[1] < val  # later, less
        screen = await lesson.watch(8.0)  # the third, l2 0.01: then paused
        train, val = loss_pair(lesson.status())
        assert "paused" in lesson.status() and "L2     0.01" in screen
        assert "━• L2 0" in screen and "━• L2 0.001" in screen  # the ghosts, by their L2
        last = weight_sizes(screen)
        assert all(1.5 < w < 2.5 for w in last)  # near 2 in every layer, smaller than before
        assert all(a < b for a, b in zip(last, first, strict=True))
        assert train > 0.2 and 0.3 < val < 0.5


@pytest.mark.parametrize("size", SIZES)
async def test_dropout_the_turn_up_comes_later_or_not_and_w_stays_large(size):
    lesson = Lesson("dropout")
    async with lesson.app.run_test(size=size) as pilot:
        await lesson.start(pilot)
        screen = await lesson.watch(6.5)  # 195 of the first run's 200 epochs, p = 0
        train, val = loss_pair(lesson.status())
        assert re.search(r"drop +0\b", screen) and train < 0.01 and val > 1  # past 1
        assert 30 <= numbers(r"┊ lowest val ep ([\d,]+)", screen)[0] <= 40  # near 35
        if size != (80, 24):
            return  # the rest at 80x24 only
        screen = await lesson.watch(6.5)  # p = 0.3, near its end
        assert re.search(r"drop +0\.3", screen) and "━• drop 0" in screen
        later = numbers(r"┊ lowest val ep ([\d,]+)", screen)[0]
        assert 90 <= later <= 115 and loss_pair(lesson.status())[1] > 0.6  # it climbs too
        screen = await lesson.watch(8.0)  # p = 0.5: then paused
        assert "paused" in lesson.status() and re.search(r"drop +0\.5", screen)
        assert "━• drop 0 " in screen and "━• drop 0.3" in screen  # the ghosts, by their p
        assert loss_pair(lesson.status())[1] < 0.6  # below 0.6 at epoch 200
        assert 19 <= weight_sizes(screen)[1] <= 28  # layer 2's |W|: not shrunk
