"""Typed text is shown as typed: brackets in a prompt, a path or a notice are never markup.

Rich/Textual markup reads ``[/]`` as a closing tag and ``[a=1 b=2]`` as a style: shown as
markup they crashed the app (MarkupError) or vanished. Each case types the text into a
prompt (l: learning rate, o: open, w: a weight) and checks the app is alive and shows it.
"""

import os

from apphelpers import dialog, make_app, settled, wait_until

from tui.ui.widgets.prompt_dialog import PromptDialog

HOSTILE = ["[/]", "[a=1 b=2]", "[a=]"]


def shown(widget) -> str:
    """The text a widget puts on screen (markup already applied)."""
    return str(widget.render())


async def type_into_prompt(pilot, key: str, text: str) -> str:
    """Open the prompt of ``key``, type ``text`` (replacing the selected value), press enter;
    return the error shown under the field (the dialog stays open on a refusal)."""
    await dialog(pilot, key)
    await pilot.press(*text, "enter")
    assert await settled(pilot)
    assert isinstance(pilot.app.screen, PromptDialog)
    error = shown(pilot.app.screen.query_one("#dialog-error"))
    await pilot.press("escape")
    assert await wait_until(pilot, lambda: not isinstance(pilot.app.screen, PromptDialog))
    return error


async def test_brackets_typed_into_the_lr_and_open_prompts_are_refused_literally():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        for text in HOSTILE:
            error = await type_into_prompt(pilot, "l", text)
            assert f"lr = {text!r} is not a number: give a number > 0" in error
            error = await type_into_prompt(pilot, "o", text)
            assert f"no such file: {text}" in error
        assert app.return_code is None  # still running
        assert app.session.trainer.config.lr == 0.03


async def test_brackets_typed_into_the_weight_prompt_are_refused_literally():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("i")
        assert await wait_until(pilot, lambda: app.snapshot.selected == (0, 0, 0))
        weight = app.session.trainer.net.weights[0][0, 0]
        for text in HOSTILE:
            error = await type_into_prompt(pilot, "w", text)
            assert f"weight = {text!r} is not a number" in error
        assert app.return_code is None
        assert app.session.trainer.net.weights[0][0, 0] == weight


async def test_saving_to_and_opening_a_path_with_brackets(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a short relative path: typing is key by key
    name = "r[a=1 b=2].npz"
    app = make_app()
    app.checkpoint_path = ""
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await dialog(pilot, "s")
        await pilot.press(*name, "enter")
        assert await wait_until(pilot, lambda: os.path.exists(name))
        assert await wait_until(pilot, lambda: app.snapshot.notice == f"saved {name}")
        assert await settled(pilot)  # the notice is drawn
        assert app.return_code is None
        await dialog(pilot, "o")
        await pilot.press("enter")  # the last path is offered
        assert await wait_until(pilot, lambda: app.snapshot.notice.startswith(f"loaded {name}"))
        assert await settled(pilot)
        assert app.return_code is None
        toasts = [shown(t) for t in app.screen.query("Toast")]
        assert any(name in t for t in toasts), toasts


async def test_a_prompt_title_and_help_are_plain_text():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(PromptDialog("[/] title", "[a=]", help="[a=1 b=2] help"))
        assert "[/] title" in shown(app.screen.query_one("#dialog-title"))
        assert "[a=1 b=2] help" in shown(app.screen.query_one("#dialog-help"))
        assert app.screen.query_one("#dialog-input").value == "[a=]"
        await app.pop_screen()
        await app.push_screen(PromptDialog("choose", "", choices=["[/]", "[a=]"]))
        options = app.screen.query_one("#dialog-choices")
        assert [str(options.get_option_at_index(i).prompt) for i in range(2)] == ["[/]", "[a=]"]
        await pilot.press("enter")
        assert app.return_code is None


async def test_the_start_notices_show_a_resumed_file_name_literally():
    from core.config import Config
    from core.trainer import Trainer
    from tui.ui.app import BackpropApp
    from tui.worker.session import TrainingSession

    notice = "continuing r[a=1 b=2][/].npz at epoch 0"
    session = TrainingSession(Trainer(Config(n_samples=200)), paused=True)
    app = BackpropApp(session, notices=[notice])
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        assert await wait_until(pilot, lambda: len(app.screen.query("Toast")) > 0)
        assert await settled(pilot)
        assert app.return_code is None
        assert any(notice in shown(t) for t in app.screen.query("Toast"))
