"""Prints the requirements of pyproject.toml's extras, one a line, for the image builds.

The Dockerfile installs dependencies from this list before it copies the source, so a change
to the code does not reinstall torch. `byosc[x]` references are expanded; the core
dependencies come only with --core.
Usage: requirements.py PYPROJECT [--core] [--minus EXTRA]... [EXTRA]...
"""

from __future__ import annotations

import argparse
import re
import tomllib
from pathlib import Path

SELF = re.compile(r"^byosc\[([^\]]+)\]$")


def expand(extras: dict[str, list[str]], names: list[str]) -> list[str]:
    """The requirements of the named extras, self-references resolved, in first-seen order."""
    found: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen:
            return
        if name not in extras:
            raise SystemExit(f"no extra {name!r} in pyproject.toml")
        seen.add(name)
        for requirement in extras[name]:
            nested = SELF.match(requirement.replace(" ", ""))
            if nested:
                for inner in nested.group(1).split(","):
                    visit(inner)
            elif requirement not in found:
                found.append(requirement)

    for name in names:
        visit(name)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pyproject", type=Path)
    parser.add_argument("extras", nargs="*")
    parser.add_argument("--core", action="store_true", help="the core dependencies too")
    parser.add_argument("--minus", action="append", default=[], help="leave this extra's out")
    args = parser.parse_args()
    project = tomllib.loads(args.pyproject.read_text())["project"]
    extras = project.get("optional-dependencies", {})
    wanted = (project["dependencies"] if args.core else []) + expand(extras, args.extras)
    left_out = set(expand(extras, args.minus))
    print("\n".join(r for r in dict.fromkeys(wanted) if r not in left_out))


if __name__ == "__main__":
    main()
