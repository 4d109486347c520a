"""The layers of the tree: the library (`byosc/`) imports neither a service nor the command
line, and services do not import the command line; the command line composes both."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imported_packages(path: Path) -> set[str]:
    """Top-level package of every import in the file, including imports inside functions."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [("byosc", {"services", "cli"}), ("services", {"cli"})],
)
def test_a_layer_does_not_import_the_layers_above_it(layer: str, forbidden: set[str]) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_packages(path) & forbidden)
        for path in sorted((ROOT / layer).rglob("*.py"))
        if _imported_packages(path) & forbidden
    }
    assert offenders == {}
