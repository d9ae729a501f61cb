"""The package's shape, as the project rules state it: small modules, no CSS or
JavaScript held in Python, the page's assets shipped as package files."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "rallycal"
LONGEST = 400  # lines in one module


def modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_no_module_is_over_400_lines():
    lengths = {p.relative_to(SRC).as_posix(): len(p.read_text().splitlines()) for p in modules()}
    assert lengths and {m: n for m, n in lengths.items() if n > LONGEST} == {}


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


def test_the_pages_style_and_script_are_package_files():
    page = resources.files("rallycal.page")
    for name in ("style.css", "script.js", "page.html"):
        assert page.joinpath(name).read_text(encoding="utf-8").strip(), name
