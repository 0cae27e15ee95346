"""One list of keys: the bindings, the help screen and the README's table all agree with it."""

import re
from pathlib import Path

from tui.ui.app import BackpropApp
from tui.ui.keys import KEYS
from tui.ui.main_screen import MainScreen
from tui.ui.widgets.help_screen import HELP

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_table() -> list[tuple[str, str]]:
    """(key, what it does) of each row of the README's key table."""
    text = README.read_text()
    section = text[text.index("## Keys") :]
    section = section[: section.index("\n\n", section.index("|"))]
    rows = re.findall(r"^\| `([^`]+)` \| (.+) \|$", section, re.M)
    return [(key, does) for key, does in rows]


def test_the_readme_lists_every_key_as_the_app_does():
    expected = [(k.show, k.does) for k in KEYS]
    table = "\n".join(f"| `{key}` | {does} |" for key, does in expected)
    assert readme_table() == expected, f"the README's table should read:\n{table}"


def test_every_binding_comes_from_the_table_and_is_in_the_help():
    bound = [(b.key, b.action) for b in [*MainScreen.BINDINGS, *BackpropApp.BINDINGS]]
    table = [(k.bind, k.action) for k in KEYS if k.bind]
    assert sorted(bound) == sorted(table)
    names = [name for keys, _ in bound for name in keys.split(",")]
    assert len(names) == len(set(names))  # no key does two things
    for key in KEYS:
        assert re.search(rf"^  {re.escape(key.show)} +{re.escape(key.does[:20])}", HELP, re.M)


def test_the_help_reads_as_markup_and_names_every_symbol_on_screen():
    from rich.text import Text

    plain = Text.from_markup(HELP).plain  # a stray [x] in the text would be read as a tag
    symbols = ("x = a0", "δ_k", "w·δ", "t", "dW, db", "‖dW‖", "|W|, Δ/W", "W_new", "fused")
    for symbol in (*symbols, "b_k[j]"):
        assert f"\n  {symbol} " in plain, symbol
    assert '"held": the' in plain
    assert max(len(line) for line in plain.splitlines()) <= 74  # the dialog at 80x24


async def test_question_mark_opens_the_help_in_the_app():
    from apphelpers import make_app, wait_until

    from tui.ui.widgets.help_screen import HelpScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "Symbols" in text and "b_k[j]" in text


async def test_the_help_repeats_what_was_said_about_a_csv_file(tmp_path):
    from apphelpers import make_app, wait_until

    from tui.ui.widgets.help_screen import HelpScreen

    path = tmp_path / "data.csv"
    path.write_text("a,b,label\n" + "".join(f"{i},{i % 3},{'xy'[i % 2]}\n" for i in range(40)))
    app = make_app(data=str(path), dataset="circle")
    async with app.run_test(size=(80, 24)) as pilot:
        assert await wait_until(pilot, lambda: app.snapshot.data_summary != ())
        await pilot.press("question_mark")
        assert await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "This data" in text and "data.csv: 40 rows" in text


def test_every_symbol_the_panels_show_is_named_in_the_help():
    from rich.text import Text

    from tui.ui.network_canvas import SHORT_NAMES
    from tui.ui.widgets.help_screen import HELP

    text = Text.from_markup(HELP).plain
    shown = ["E_s", "dE_s/dz", "dE/dW", "R²", "acc", "◉", "●", "○", "• the weights after each",
             "✕", "+ 8 more", "+8", "8×8", "saturated", "waiting", "fused", "↓ b -32",
             "w·δ", "· a value", "◀ ▶", "t an output's", "a·w (its"]  # fmt: skip
    assert [s for s in shown if s not in text] == []
    for name, short in SHORT_NAMES.items():  # column labels where room is short: "8σ"
        assert f"{short} {name}" in " ".join(text.split()), name
