"""PyYAML imported with its pattern of refused characters compiled the quick way
(`rallycal.source.yaml_import`): the same characters, and PyYAML's reader gets it."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import yaml.reader

from rallycal.source import yaml_import

ALL = "".join(map(chr, range(0x110000)))


def test_the_key_is_pyyamls_pattern_exactly():
    tree = ast.parse(Path(yaml.reader.__file__).read_text(encoding="utf-8"))
    texts = [node.value for node in ast.walk(tree)
             if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    assert yaml_import.PYYAML_NON_PRINTABLE in texts


def test_both_patterns_refuse_the_same_characters():
    # Wrapped in a group: a text of its own, so `re`'s cache cannot answer for it.
    pyyaml = re.compile(f"(?:{yaml_import.PYYAML_NON_PRINTABLE})")
    quick = re.compile(yaml_import.NON_PRINTABLE)
    refused = [m.start() for m in pyyaml.finditer(ALL)]
    assert [m.start() for m in quick.finditer(ALL)] == refused
    assert 0 < len(refused) < 5000 and ord("\t") not in refused and 0x85 not in refused


def test_pyyamls_reader_gets_the_quick_pattern_and_still_refuses_characters():
    code = (
        "from rallycal.source import yaml_import\n"
        "yaml_import.prepare()\n"
        "import yaml, yaml.reader\n"
        "print(yaml.reader.Reader.NON_PRINTABLE.pattern == yaml_import.NON_PRINTABLE)\n"
        "try:\n"
        "    yaml.safe_load('a: \\x07')\n"
        "except yaml.reader.ReaderError as error:\n"
        "    print(error.character == 7)\n"
    )
    src = str(Path(yaml_import.__file__).resolve().parents[2])
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, env={"PYTHONPATH": src})
    uses_cache = isinstance(getattr(re, "_cache", None), dict)
    assert result.stdout.split() == [str(uses_cache), "True"]
