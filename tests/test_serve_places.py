"""The places of a class (tui.cli.class_runs), on a clock the tests move: a run waits for
its student after its page goes, a returning student never needs a new place, newcomers
beyond the limit wait in line in the order they came."""

import pytest

from tui.cli.class_runs import RESERVE, WAIT_FORGET, Places, Run


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


def started(places: Places, run: Run, page="page") -> Run:
    """A run whose page connected (its app is up)."""
    run.process = object()
    places.shown_on(run, page)
    return run


def test_a_run_waits_for_its_student_for_the_grace_after_its_page_goes(clock):
    places = Places(limit=2, grace=120, clock=clock)
    run = started(places, places.claim("ada", "Ada", "xor"))
    places.page_gone(run, "page")
    clock.now += 119
    assert places.expired() == [] and places.left_for(run) == pytest.approx(1)
    assert places.claim("ada", "Ada", "xor") is run  # a reload: the same run
    clock.now += 2
    assert places.expired() == [run]


def test_a_page_that_lost_its_run_to_another_tab_does_not_start_the_grace(clock):
    places = Places(limit=2, grace=120, clock=clock)
    run = started(places, places.claim("ada", "Ada", "xor"), page="first")
    assert places.shown_on(run, "second") == "first"  # the first tab is to be closed
    places.page_gone(run, "first")
    assert run.shown and places.left_for(run) is None
    clock.now += 1000
    assert places.expired() == []


def test_a_place_asked_for_but_never_connected_is_freed(clock):
    places = Places(limit=1, grace=120, clock=clock)
    run = places.claim("ada", "Ada", "xor")
    clock.now += RESERVE + 1
    assert places.expired() == [run]


def test_a_returning_student_gets_their_place_in_a_full_class(clock):
    places = Places(limit=2, grace=120, clock=clock)
    ada = started(places, places.claim("ada", "Ada", "xor"))
    started(places, places.claim("bob", "Bob", "xor"))
    assert places.claim("cy", "Cy", "xor") == 1  # full: first in line
    places.page_gone(ada, "page")  # Ada reloads
    assert places.claim("ada", "Ada", "xor") is ada
    assert places.claim("cy", "Cy", "xor") == 1  # still waiting: the place is Ada's


def test_newcomers_beyond_the_limit_wait_in_the_order_they_came(clock):
    places = Places(limit=1, grace=120, clock=clock)
    ada = started(places, places.claim("ada", "Ada", "xor"))
    assert places.claim("bob", "Bob", "xor") == 1
    assert places.claim("cy", "Cy", "xor") == 2
    assert places.claim("bob", "Bob", "xor") == 1  # asking again keeps the turn
    places.remove(ada)
    assert places.claim("cy", "Cy", "xor") == 2  # the place is Bob's, who came first
    assert isinstance(places.claim("bob", "Bob", "xor"), Run)
    assert places.waiting() == ["cy"]


def test_a_student_who_stops_asking_loses_their_turn(clock):
    places = Places(limit=1, grace=120, clock=clock)
    ada = started(places, places.claim("ada", "Ada", "xor"))
    assert places.claim("bob", "Bob", "xor") == 1
    clock.now += WAIT_FORGET / 2
    assert places.claim("cy", "Cy", "xor") == 2
    clock.now += WAIT_FORGET / 2 + 1  # Bob closed his page
    places.remove(ada)
    assert isinstance(places.claim("cy", "Cy", "xor"), Run)


def test_in_a_full_class_a_students_next_lesson_takes_the_place_of_their_idle_run(clock):
    places = Places(limit=2, grace=120, clock=clock)
    xor = started(places, places.claim("ada", "Ada", "xor"))
    started(places, places.claim("bob", "Bob", "xor"))
    places.page_gone(xor, "page")  # Ada goes back to the lessons
    spiral = places.claim("ada", "Ada", "features")
    assert isinstance(spiral, Run) and places.taken == 2
    assert places.expired() == [xor] and xor.ended  # to be ended by the server
    assert places.find("ada", "xor") is None
    assert places.claim("cy", "Cy", "xor") == 1  # no place was made for anyone else


def test_a_run_a_page_shows_is_never_given_up_for_another_lesson(clock):
    places = Places(limit=1, grace=120, clock=clock)
    started(places, places.claim("ada", "Ada", "xor"))
    assert places.claim("ada", "Ada", "features") == 1
