"""A served session's pace is capped (so that a class shares a small machine): full speed
and faster paces become the cap, slower ones stand, and the learner is told once."""

import sys
import threading
from pathlib import Path

import pytest
from test_session import applied
from waiting import wait_for

from core.config import Config
from core.pace import EPOCHS, FULL_SPEED, PACES, PHASES, STEPS, Pace, capped
from core.trainer import Trainer
from tui.worker.commands import ChangeSettings, StepPace
from tui.worker.session import TrainingSession


@pytest.mark.parametrize(
    ("pace", "expected"),
    [
        (FULL_SPEED, Pace(EPOCHS, 100)),
        (Pace(EPOCHS, 300), Pace(EPOCHS, 100)),
        (Pace(EPOCHS, 30), Pace(EPOCHS, 30)),
        (Pace(STEPS, 500), Pace(STEPS, 100)),
        (Pace(STEPS, 1), Pace(STEPS, 1)),
        (PACES[-1], PACES[-1]),
    ],
)
def test_a_pace_is_capped_to_at_most_the_rate(pace, expected):
    assert capped(pace, 100) == expected
    assert capped(pace, None) == pace  # no cap: as asked


@pytest.fixture
def served():
    s = TrainingSession(Trainer(Config(n_samples=100)), paused=True, max_rate=100)
    thread = threading.Thread(target=s.run, daemon=True)
    thread.start()
    yield s
    s.stop()
    thread.join(2)


def test_a_capped_session_starts_and_stays_at_the_cap(served):
    assert served.pace == Pace(EPOCHS, 100)  # asked for full speed
    n = served.submit(ChangeSettings.of(pace=FULL_SPEED))
    assert applied(served, n)
    assert served.latest.pace == Pace(EPOCHS, 100)
    assert "at most 100 epochs a second" in served.latest.notice
    n = served.submit(StepPace(slower=False))  # > at the cap
    assert applied(served, n) and served.latest.pace == Pace(EPOCHS, 100)
    n = served.submit(StepPace(slower=True))  # < still slows it down
    assert applied(served, n) and served.latest.pace == Pace(EPOCHS, 30)
    n = served.submit(ChangeSettings.of(pace=PACES[-1]))
    assert applied(served, n) and served.latest.pace.kind == PHASES


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="niceness per thread: Linux")
def test_the_training_thread_alone_runs_at_the_niceness_asked():
    """A served session's training gives way to its screen: only the thread that trains is
    niced (Linux sets niceness per thread), the app's own threads keep theirs."""
    session = TrainingSession(Trainer(Config(n_samples=100)), paused=True, nice=7)
    seen, own = {}, niceness(threading.get_native_id())
    assert own != 7

    def train():
        seen["tid"] = threading.get_native_id()
        session.run()

    worker = threading.Thread(target=train)
    worker.start()
    try:
        assert wait_for(lambda: "tid" in seen and niceness(seen["tid"]) == 7)
        assert niceness(threading.get_native_id()) == own  # this thread's is as it was
    finally:
        session.stop()
        worker.join(5)


def niceness(tid: int) -> int:
    """A thread's niceness, field 19 of /proc/self/task/TID/stat."""
    stat = Path(f"/proc/self/task/{tid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[16])
