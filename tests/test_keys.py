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
