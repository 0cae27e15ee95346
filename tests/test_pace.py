"""The pace: parsing, the ladder, and the worker's schedule under a controlled clock."""

import math
import threading

import pytest

from core.config import Config
from core.pace import EPOCHS, FULL, PACES, PHASES, STEPS, Pace, Pacer, pace_step, parse_pace
from core.trainer import Trainer
from tui.worker.clock import ManualClock
from tui.worker.commands import ChangeSettings, Select, SetRunning, StepPace
from tui.worker.session import TrainingSession


@pytest.mark.parametrize(
    ("text", "pace"),
    [
        ("full", Pace()),
        ("MAX", Pace()),
        ("300", Pace(EPOCHS, 300)),
        ("3 ep/s", Pace(EPOCHS, 3)),
        ("0.5", Pace(EPOCHS, 0.5)),
        ("1 step", Pace(STEPS, 1)),
        ("2 steps/s", Pace(STEPS, 2)),
        ("phases", PACES[-1]),
    ],
)
def test_parse_pace_reads_what_a_person_types(text, pace):
    assert parse_pace(text) == pace
    assert parse_pace(pace.short) == pace  # what the controls show reads back the same


@pytest.mark.parametrize("text", ["", "fast", "0", "-3", "nan", "inf", "1e9", "3 eps/h", "[/]"])
def test_a_bad_pace_is_refused_with_what_is_allowed(text):
    with pytest.raises(ValueError, match="is not allowed: full, a number of epochs a second"):
        parse_pace(text)


def test_the_ladder_walks_from_full_speed_to_phases_and_back():
    slower, pace = [], Pace()
    for _ in range(len(PACES) + 1):
        slower.append(pace.label)
        pace = pace_step(pace, slower=True)
    assert slower[:3] == ["full speed", "1000 ep/s", "300 ep/s"]
    assert slower[-4:] == ["1 ep/s", "1 step/s", "phases (0.5 s each)", "phases (0.5 s each)"]
    faster = [pace_step(p, slower=False) for p in PACES]
    assert faster == [PACES[0], *PACES[:-1]]
    assert pace_step(Pace(EPOCHS, 50), slower=True) == Pace(EPOCHS, 30)  # off the ladder
    assert pace_step(Pace(EPOCHS, 50), slower=False) == Pace(EPOCHS, 100)
    assert pace_step(Pace(STEPS, 5), slower=True) == PACES[-2]


def test_the_pacer_is_exact_and_even_where_it_is_slow():
    clock = ManualClock(100.0)
    pacer = Pacer(Pace(EPOCHS, 3), clock())
    done_at = []
    for _ in range(120):  # two seconds, looked at every 1/60 s as the worker would
        clock.now += 1 / 60
        for _ in range(pacer.due(clock())):
            pacer.done()
            done_at.append(clock.now - 100.0)
    assert len(done_at) == 6
    assert done_at == pytest.approx([1 / 3, 2 / 3, 1, 4 / 3, 5 / 3, 2], abs=1 / 60 + 1e-9)
    assert pacer.wait(clock()) == pytest.approx(1 / 3, abs=1e-9)
    assert Pacer(Pace(), clock()).due(clock()) == 1 and Pacer(Pace(), 0).wait(5) == 0


def test_a_stall_is_forgiven_not_made_up_in_a_burst():
    clock = ManualClock(100.0)
    pacer = Pacer(Pace(EPOCHS, 10), clock())
    clock.now += 5.0  # the machine was busy for 5 s: 50 epochs "due"
    assert pacer.due(clock()) == 1
    pacer.done()
    clock.now += 0.1
    assert pacer.due(clock()) == 1


def session(pace: Pace, clock: ManualClock, **config) -> TrainingSession:
    """A running session driven by hand (no thread): ``tick()`` is one turn of its loop."""
    trainer = Trainer(Config(n_samples=100, batch_size=10, pace=pace, **config))
    return TrainingSession(trainer, paused=False, clock=clock)


def test_at_3_epochs_a_second_each_epoch_is_published_when_it_is_due():
    clock = ManualClock(100.0)
    s = session(Pace(EPOCHS, 3), clock)
    shown: list[tuple[float, int]] = []  # (time, epoch) of every snapshot published
    s.on_publish = lambda: shown.append((clock.now - 100.0, s.latest.epoch))
    for _ in range(200):  # 2 s of 10 ms turns
        clock.now += 0.01
        s.tick()
    firsts = {}
    for at, epoch in shown:
        firsts.setdefault(epoch, at)
    assert s.trainer.epoch == 6
    assert [firsts[e] for e in range(1, 7)] == pytest.approx(
        [1 / 3, 2 / 3, 1, 4 / 3, 5 / 3, 2], abs=0.01 + 1e-9
    )
    assert s.latest.pace.label == "3 ep/s" and s.latest.status == "running"


def test_at_one_step_a_second_the_steps_follow_the_clock():
    clock = ManualClock(100.0)
    s = session(Pace(STEPS, 1), clock)
    assert s.tick() == pytest.approx(1.0) and s.trainer.steps == 0
    clock.now += 1.0
    s.tick()
    assert s.trainer.steps == 1 and s.latest.steps == 1
    clock.now += 0.5
    s.tick()
    assert s.trainer.steps == 1
    clock.now += 0.5
    s.tick()
    assert s.trainer.steps == 2 and s.latest.detail is not None


def test_animated_phases_show_each_phase_with_its_numbers_while_running():
    clock = ManualClock(100.0)
    s = session(PACES[-1], clock, hidden=(4, 2))
    assert s.submit(Select((0, 0, 0))) > 0
    seen = []
    for _ in range(6):  # forward, loss, backward 3, 2, 1, update: half a second each
        clock.now += 0.5
        s.tick()
        snap = s.latest
        seen.append(str(snap.last_phase))
        assert snap.status == "running" and snap.detail is not None
    assert seen == ["forward", "loss", "backward 3", "backward 2", "backward 1", "update"]
    assert s.latest.inspection.chain is not None and s.latest.inspection.step_done
    assert s.trainer.steps == 1


def test_changing_the_pace_applies_at_once_and_restarts_the_schedule():
    clock = ManualClock(100.0)
    s = session(Pace(EPOCHS, 1), clock)
    clock.now += 0.9
    s.tick()
    assert s.trainer.epoch == 0
    s.submit(ChangeSettings.of(pace=Pace(EPOCHS, 10)))
    s.tick()
    assert s.latest.pace == Pace(EPOCHS, 10)
    clock.now += 0.1
    s.tick()
    assert s.trainer.epoch == 1
    s.submit(StepPace(slower=False))  # 10 -> 30 ep/s
    s.tick()
    assert s.latest.pace == Pace(EPOCHS, 30)


def test_a_key_ends_the_wait_for_the_next_slow_step_at_once():
    """At a pace whose next unit is due in 1000 s (a clock that does not move), a command
    must still be applied: the worker's wait ends when a command arrives."""
    clock = ManualClock(100.0)
    s = session(Pace(STEPS, 0.001), clock)
    thread = threading.Thread(target=s.run, daemon=True)
    thread.start()
    try:
        number = s.submit(SetRunning(False))
        done = threading.Event()
        s.on_publish = lambda: done.set() if s.latest.applied >= number else None
        s.request_snapshot()
        assert done.wait(5.0), "the pause waited for the slow schedule"
        assert s.latest.status == "paused" and clock.now == 100.0
    finally:
        s.stop()
        thread.join(2)


def test_full_speed_is_unpaced():
    clock = ManualClock(100.0, tick=0.001)  # the slice (0.02 s) ends after 20 readings
    s = session(Pace(), clock)
    assert s.tick() == 0 and s.trainer.steps > 1  # a whole slice: as many steps as it holds
    assert s.latest.pace.kind == FULL and math.isinf(s.latest.pace.per_second)
    assert PACES[-1].kind == PHASES


async def test_the_pace_keys_the_controls_and_the_status_line_agree():
    from apphelpers import dialog, make_app, settled, wait_until

    from tui.ui.fields import FIELDS
    from tui.ui.widgets.controls import Controls
    from tui.ui.widgets.status_line import StatusLine

    app = make_app(paused=False, pace=Pace(EPOCHS, 1))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("greater_than_sign", "greater_than_sign", "greater_than_sign")
        assert await wait_until(pilot, lambda: app.snapshot.pace == Pace(EPOCHS, 30))
        assert await settled(pilot)
        assert "running  30 ep/s · ep" in app.query_one(StatusLine).render().plain
        assert "pace   30 ep/s" in app.query_one(Controls).render().plain
        await pilot.press("less_than_sign")
        assert await wait_until(pilot, lambda: app.snapshot.pace == Pace(EPOCHS, 10))
        controls = app.query_one(Controls)
        controls.cursor = [f.name for f in FIELDS].index("pace")
        await dialog(pilot, "enter")
        await pilot.press(*"1 step", "enter")
        assert await wait_until(pilot, lambda: app.snapshot.pace == Pace(STEPS, 1))
        await dialog(pilot, "enter")
        await pilot.press(*"fast", "enter")
        assert await settled(pilot)
        assert "is not allowed: full, a number" in str(
            app.screen.query_one("#dialog-error").render()
        )
        assert app.snapshot.pace == Pace(STEPS, 1)  # a bad value changes nothing


def test_the_pace_flag_and_a_lessons_pace(tmp_path):
    from core.lessons import load_lessons
    from tui.cli.args import build_parser

    assert build_parser().parse_args(["--pace", "3"]).pace == Pace(EPOCHS, 3)
    for lesson in load_lessons().values():  # every lesson's pace reads, slow enough to watch
        assert lesson.config.pace.per_second <= 30
