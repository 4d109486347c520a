"""A service's first step: its settings, or a stop with one line per bad variable."""

from __future__ import annotations

import sys

from byosc.settings import Settings
from byosc.settings_errors import SettingsInvalid, load_settings

# Like a command-line usage error: starting again unchanged fails the same way.
BAD_SETTINGS_EXIT = 2


def settings_or_exit(service: str) -> Settings:
    """The environment's settings; refused ones end the process (exit status 2) with each
    problem on its own line of stderr, which container logs show as they are."""
    try:
        return load_settings()
    except SettingsInvalid as exc:
        for problem in exc.problems:
            print(f"{service}: {problem}", file=sys.stderr)
        print(f"{service}: not started: the settings above are refused", file=sys.stderr)
        raise SystemExit(BAD_SETTINGS_EXIT) from None
