"""The ports and the domain sit below every adapter: the ports import nothing of the library
but the domain, and the domain imports nothing of the library but itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BYOSC = Path(__file__).resolve().parents[2] / "byosc"


def _library_imports(path: Path) -> set[str]:
    """Every `byosc.*` module the file imports, inside functions too."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return {m for m in modules if m == "byosc" or m.startswith("byosc.")}


@pytest.mark.parametrize(
    "path", [BYOSC / "ports.py", *sorted((BYOSC / "domain").glob("*.py"))], ids=str
)
def test_the_ports_and_the_domain_import_only_the_domain(path: Path) -> None:
    outside = {m for m in _library_imports(path) if not m.startswith("byosc.domain")}
    assert outside == set()


def test_the_instruction_types_keep_their_old_import_path() -> None:
    from byosc.domain import DatasetVersion, InstructionPair
    from byosc.instructions import models

    assert models.InstructionPair is InstructionPair
    assert models.DatasetVersion is DatasetVersion
