"""A few screenshots compared with stored ones: paused, seeded, stepped a fixed number of times.

Review the report (snapshot_report.html) before `pytest --snapshot-update`.
"""

from apphelpers import make_app, settled, wait_until


def stepped(steps: int):
    async def run_before(pilot) -> None:
        for _ in range(steps):
            await pilot.press("n")
        await wait_until(pilot, lambda: pilot.app.snapshot.steps == steps)
        assert await settled(pilot)

    return run_before


def test_paused_after_five_steps_80x24(snap_compare):
    assert snap_compare(make_app(seed=3), terminal_size=(80, 24), run_before=stepped(5))


def test_paused_after_five_steps_120x40(snap_compare):
    assert snap_compare(
        make_app(seed=3, hidden=(6, 4)), terminal_size=(120, 40), run_before=stepped(5)
    )


def test_mid_step_after_backward_of_the_output_layer_100x30(snap_compare):
    async def run_before(pilot) -> None:
        await pilot.press("n", "n", "p", "p", "p")
        await wait_until(pilot, lambda: str(pilot.app.snapshot.last_phase) == "backward 3")
        assert await settled(pilot)

    assert snap_compare(make_app(seed=3), terminal_size=(100, 30), run_before=run_before)


def test_chain_rule_inspector_100x30(snap_compare):
    async def run_before(pilot) -> None:
        await pilot.press("i", "n", "n", "down", "right")
        await wait_until(
            pilot,
            lambda: (
                pilot.app.snapshot.selected == (1, 0, 0)
                and pilot.app.snapshot.inspection is not None
            ),
        )
        assert await settled(pilot)

    assert snap_compare(make_app(seed=3), terminal_size=(100, 30), run_before=run_before)


def test_data_view_100x30(snap_compare):
    async def run_before(pilot) -> None:
        for _ in range(5):
            await pilot.press("e")
        await wait_until(pilot, lambda: pilot.app.snapshot.epoch == 5)
        await pilot.press("d", "v")
        await wait_until(pilot, lambda: pilot.app.snapshot.data is not None)
        assert await settled(pilot)

    assert snap_compare(make_app(seed=3, lr=0.3), terminal_size=(100, 30), run_before=run_before)


def test_chain_rule_inspector_80x24(snap_compare):
    async def run_before(pilot) -> None:
        await pilot.press("i", "n", "n", "down", "right")
        await wait_until(
            pilot,
            lambda: (
                pilot.app.snapshot.selected == (1, 0, 0)
                and pilot.app.snapshot.inspection is not None
                and pilot.app.snapshot.inspection.chain is not None
            ),
        )
        assert await settled(pilot)

    assert snap_compare(make_app(seed=3), terminal_size=(80, 24), run_before=run_before)


def test_vanishing_gradients_lesson_after_10_seconds_80x24(snap_compare):
    """The lesson at its own pace (30 epochs a second) under a controlled clock (its
    question answered), then paused: the gradient panel's first layers flagged vanishing,
    the last ones not; the loss plot's ┊ at the lowest validation loss."""
    from test_lesson_screens import Lesson

    lesson = Lesson("vanishing-gradients")

    async def run_before(pilot) -> None:
        await lesson.start(pilot)
        await lesson.watch(0.2)
        await lesson.answer("1")  # the lesson's question after 2 epochs
        await pilot.press("enter")
        await lesson.turns(1)
        await lesson.watch(10.0)
        await pilot.press("space")
        await lesson.turns(2)
        assert await settled(pilot)

    assert snap_compare(lesson.app, terminal_size=(80, 24), run_before=run_before)


def test_graph_of_one_sample_after_backward_2_80x24(snap_compare):
    """x: one sample's z, a and δ on the network, the lines backward has passed coloured by
    w·δ, the δ of the first layer still to come (·)."""

    async def run_before(pilot) -> None:
        await pilot.press("n", "n", "x", "p", "p", "p", "p")  # forward, loss, backward 3, 2
        await wait_until(
            pilot,
            lambda: (
                str(pilot.app.snapshot.last_phase) == "backward 2"
                and len(pilot.app.snapshot.detail.carried) == 3
            ),
        )
        await pilot.pause(0.1)

    assert snap_compare(make_app(seed=3), terminal_size=(80, 24), run_before=run_before)


def test_sine_fit_and_what_each_neuron_adds_120x40(snap_compare):
    async def run_before(pilot) -> None:
        for _ in range(8):
            await pilot.press("e")
        await pilot.press("d")
        await wait_until(
            pilot, lambda: pilot.app.snapshot.epoch == 8 and pilot.app.snapshot.data is not None
        )
        await pilot.pause(0.1)

    app = make_app(seed=3, dataset="sine", lr=0.1, hidden=(6,))
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
