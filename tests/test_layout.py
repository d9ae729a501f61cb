"""The package's shape: no CSS or JavaScript held in Python, the page's template and
assets shipped as package files, and no import circle between its modules."""

from __future__ import annotations

import ast
import re
from importlib import resources
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "rallycal"


def modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = ["rallycal", *path.relative_to(SRC).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, known: set[str]) -> set[str]:
    """Every rallycal module `path` imports, anywhere in it: at the top, inside a
    function or under `if TYPE_CHECKING:`."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            # `from package import module` uses the module; `from module import name`
            # uses the module that defines the name.
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != "rallycal":
                found.add(name)
    return found


def test_no_import_circle():
    """Data flows one way: no module imports, however indirectly, one that imports it
    (type-only and in-function imports counted; a package counts as its __init__)."""
    graph = {module_name(path): path for path in modules()}
    edges = {name: imports(path, set(graph)) - {name} for name, path in graph.items()}

    def reach(start: str) -> set[str]:
        seen, todo = set(), list(edges[start])
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(edges.get(name, ()))
        return seen

    circles = sorted(name for name in graph if name in reach(name))
    assert circles == []


# A style element, a CSS rule (`{ property: value;`) or script code, written in a string.
STYLE_OR_SCRIPT = re.compile(
    r"<style\b|tag\(\"style\"|\{\s*[a-z-]+\s*:\s*[^;{}\n]+;|"
    r"\bfunction\s*\(|addEventListener|document\.querySelector|\)\s*=>"
)


def test_no_css_or_javascript_inside_python():
    found = {
        f"{path.relative_to(SRC).as_posix()}:{number}": line.strip()
        for path in modules()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if STYLE_OR_SCRIPT.search(line)
    }
    assert found == {}


def test_the_pages_template_style_and_script_are_package_files():
    templates = resources.files("rallycal").joinpath("render", "templates")
    for name in ("index.html", "style.css", "script.js"):
        assert templates.joinpath(name).read_text(encoding="utf-8").strip(), name
