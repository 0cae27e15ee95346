"""The features lesson: what its paragraph says, with the trainer's numbers and on the 80x24
screen at its own pace (a controlled clock, as in test_lesson_screens)."""

from test_lesson_screens import Lesson, numbers

from core.lessons import get_lesson
from core.trainer import Trainer


def runs() -> list[Trainer]:
    """The lesson's run and the runs it compares, as trainers."""
    lesson = get_lesson("features")
    changes = [{}, *lesson.compare]
    return [Trainer(lesson.config.replace(**change)) for change in changes]


def test_squares_need_no_hidden_layer_plain_inputs_do():
    squares, plain, deep = runs()
    assert squares.net.sizes == [2, 1] and squares.train_set.feature_names == ("x1²", "x2²")
    assert squares.train(5).train_acc > 0.95  # "over 95% within a few epochs"
    assert squares.net.n_params == 3  # "two weights and a bias"
    assert plain.net.sizes == [2, 1] and plain.train(40).train_acc < 0.6  # near chance
    assert deep.net.sizes == [2, 4, 1] and deep.net.n_params == 17
    assert deep.train(10).train_acc < 0.95 < deep.train(30).train_acc  # more slowly


def acc(status: str) -> float:
    return numbers(r"acc ([\d.]+)%", status)[0]


async def test_the_circle_from_squares_then_a_line_then_depth_on_screen():
    lesson = Lesson("features")
    assert lesson.lesson.config.pace.per_second <= 30
    async with lesson.app.run_test(size=(80, 24)) as pilot:
        await lesson.start(pilot)
        screen = await lesson.watch(1.0)  # 10 epochs
        assert "10 ep/s" in lesson.status() and acc(lesson.status()) > 95
        assert "x1² ●" in screen and "x2² ●" in screen  # the network names its inputs
        assert "inputs x1²,x2²" in screen and "hidden none" in screen  # the controls
        assert "P(class 1)" in screen  # the data view, where the circle is drawn
        await lesson.watch(5.0)  # the second run: plain inputs, epoch 20 of 40
        status = lesson.status()
        assert "x1² ●" not in lesson.screen() and "inputs x1,x2" in lesson.screen()
        assert acc(status) < 65 and numbers(r"ep (\d+)", status)[0] == 20
        await lesson.watch(8.0)  # the third: a hidden layer of 4 on x1, x2, to the end
        status = lesson.status()
        assert "paused" in status and "ep 40" in status and acc(status) > 95
        assert "hidden 4" in lesson.screen()
        assert "the 3 runs are on one plot" in lesson.app.snapshot.notice
        await pilot.press("d")  # the loss plot: the earlier runs as ghosts, by what differs
        await pilot.pause()
        screen = lesson.screen()
        assert "Loss" in screen and "hidden none" in screen  # run 2 differs in its layers
        assert "inputs x1²,x2², hidden none" in screen  # run 1 in its inputs too
