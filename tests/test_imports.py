"""The import contract between the parts, read from the source (AST), so that a wrong import
is named by file and line:

- core/ is pure NumPy: nothing from tui/, no UI library;
- the worker side (tui/worker/, and tui/snapshot.py, the contract both sides import) never
  imports Textual, Rich, plotext or the UI;
- a widget imports, from outside the UI, only the snapshot contract (no core, no worker);
- the command line imports Textual only inside the function that starts the app, so
  ``backprop-tui --help`` and ``train`` never load it (nor --help the trainer);
- the snapshot, the contract between the worker and the screen, imports from core only;
- no two modules import each other, directly or in a ring, not even through an import
  inside a function;
- no module reaches a private member (``obj._name``) that another module defines.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UI_LIBRARIES = ("textual", "rich", "plotext", "textual_plotext")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def runtime_nodes(tree: ast.Module) -> list[ast.AST]:
    """Every node of a module but those under ``if TYPE_CHECKING:`` (annotations only:
    they import nothing when the program runs)."""
    found, todo = [], [tree]
    while todo:
        node = todo.pop()
        found.append(node)
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))
    return found


def imports(path: Path, top_level_only: bool = False) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in a file that runs: those inside
    functions too, unless ``top_level_only`` (only those run on import)."""
    tree = ast.parse(path.read_text(), str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    nodes = tree.body if top_level_only else runtime_nodes(tree)
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            name = ".".join([*base, node.module] if node.module else base)
            found.append((node.lineno, name))
            if node.module is None or node.level:  # "from . import x": x may be a module
                found += [(node.lineno, f"{name}.{alias.name}") for alias in node.names]
    return found


def sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def offending(files: list[Path], forbidden) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in files
        for line, name in imports(path)
        if forbidden(name)
    ]


def starts(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_core_imports_nothing_from_the_app_or_a_ui_library():
    assert offending(sources("core"), lambda n: starts(n, "tui", *UI_LIBRARIES)) == []


def test_the_snapshot_contract_imports_from_core_only():
    files = [ROOT / "tui" / "snapshot.py"]
    assert offending(files, lambda n: starts(n, "tui")) == []


def test_the_worker_side_never_imports_textual_or_the_ui():
    files = [*sources("tui/worker"), ROOT / "tui" / "snapshot.py"]
    assert offending(files, lambda n: starts(n, "tui.ui", "tui.cli", *UI_LIBRARIES)) == []


def test_widgets_import_only_the_snapshot_contract_from_outside_the_ui():
    outside = ("core", "tui.worker", "tui.cli")
    assert offending(sources("tui/ui/widgets"), lambda n: starts(n, *outside)) == []


def test_the_command_line_loads_textual_only_to_start_the_app():
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in sources("tui/cli")
        for line, name in imports(path, top_level_only=True)
        if starts(name, "tui.ui", *UI_LIBRARIES)
    ]
    assert found == []


def test_no_module_imports_itself_through_others():
    """Every import, those inside functions too: a ring of modules is one idea cut in two."""
    files = [*sources("core"), *sources("tui")]
    names = {module_name(p) for p in files}
    graph = {module_name(p): {n for _, n in imports(p) if n in names} for p in files}
    for package in [n for n in names if any(m.startswith(n + ".") for m in names)]:
        for module in graph:  # importing a package's module runs the package first: not a loop
            graph[module].discard(package)
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path, node, nxt]
            if nxt not in state and (ring := visit(nxt, [*path, node])):
                return ring
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            assert visit(start, []) is None, visit(start, [])


# Private members of other libraries used on purpose, and why (there is no public way).
LIBRARY_PRIVATES = {
    "_build_environment": "textual-serve's hook for each session's environment (classroom)",
}


def private_uses(path: Path) -> list[str]:
    """``obj._name`` where ``_name`` is not defined in this module (and obj is not self or
    cls): a private member of another module."""
    tree = ast.parse(path.read_text(), str(path))
    defined = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defined.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            defined.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or not node.attr.startswith("_"):
            continue
        name, owner = node.attr, node.value
        if name.startswith("__") or name in defined or name in LIBRARY_PRIVATES:
            continue
        if isinstance(owner, ast.Name) and owner.id in ("self", "cls", "os"):  # os._exit
            continue
        found.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(node)}")
    return found


def test_no_module_reaches_into_another_modules_private_members():
    files = [*sources("core"), *sources("tui")]
    assert [use for path in files for use in private_uses(path)] == []


def test_help_loads_neither_the_trainer_nor_numpy_heavy_parts():
    code = (
        "import sys; from tui.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m in ('core.trainer', 'core.network')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stderr


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["train", "--epochs", "1", "--quiet"], ["--list-lessons"]],
)
def test_the_command_line_without_the_app_never_loads_a_ui_library(argv):
    code = (
        "import sys; from tui.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {UI_LIBRARIES!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stderr
