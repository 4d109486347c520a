"""Schedule expressions: a 5-field cron expression (in a time zone) or an interval.

Cron: `0 6 * * mon-fri`, `*/30 8-18 * * *`, or a macro (`@hourly`, `@daily`, `@weekly`,
`@monthly`, `@yearly`), evaluated by cronsim in the schedule's time zone, so `0 6 * * *`
stays at 6:00 local time across daylight-saving changes. Interval: `every 6h`,
`every 1h30m`, `every 2 days`, or a number of seconds (`21600`). An expression that does not
parse, never fires, or asks for runs closer together than the settings allow is refused
with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

from byosc.errors import ByoscError

ScheduleKind = Literal["cron", "interval"]

MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_UNIT_WORDS = {
    "s": ("s", "sec", "secs", "second", "seconds"),
    "m": ("m", "min", "mins", "minute", "minutes"),
    "h": ("h", "hr", "hrs", "hour", "hours"),
    "d": ("d", "day", "days"),
}
_UNIT_OF = {word: unit for unit, words in _UNIT_WORDS.items() for word in words}
_PART = re.compile(r"(\d+)\s*([a-z]+)")
_INTERVAL = re.compile(r"(?:every\s+)?((?:\d+\s*[a-z]+\s*)+)")


class ScheduleInvalid(ByoscError):
    """A schedule expression or time zone that cannot be used; the message says why."""


@dataclass(frozen=True)
class ScheduleSpec:
    expression: str  # as stored: a 5-field cron expression, or `every <n><unit>...`
    kind: ScheduleKind
    timezone: str
    interval_s: int | None = None

    def next_after(self, moment: datetime) -> datetime:
        """The first run strictly after `moment`, in UTC, to the second."""
        moment = moment.astimezone(UTC)
        if self.interval_s is not None:
            return moment.replace(microsecond=0) + timedelta(seconds=self.interval_s)
        runs = CronSim(self.expression, moment.astimezone(zone(self.timezone)))
        return next(runs).astimezone(UTC)


def parse_schedule(
    expression: str, timezone: str = "UTC", *, min_interval_s: int = 60
) -> ScheduleSpec:
    """The schedule `expression` names, or ScheduleInvalid saying why not."""
    text = " ".join(expression.strip().lower().split())
    if not text:
        raise ScheduleInvalid("the schedule is empty: give a cron expression or an interval")
    zone(timezone)
    interval = _interval_s(text)
    if interval is not None:
        if interval < min_interval_s:
            raise ScheduleInvalid(
                f"{expression!r} runs every {interval} s; the shortest allowed interval is "
                f"{min_interval_s} s (BYOSC_SCHEDULES__MIN_INTERVAL_S)"
            )
        return ScheduleSpec(_interval_text(interval), "interval", timezone, interval)
    cron = _cron(text, expression)
    spec = ScheduleSpec(cron, "cron", timezone)
    try:
        spec.next_after(datetime.now(UTC))
    except (CronSimError, StopIteration) as exc:
        raise ScheduleInvalid(f"{expression!r} never runs: {exc or 'no such date'}") from exc
    return spec


def zone(name: str) -> tzinfo:
    if name == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleInvalid(
            f"unknown time zone {name!r}: give an IANA name such as UTC or Europe/Madrid"
        ) from exc


def _interval_s(text: str) -> int | None:
    """Seconds for an interval expression; None when `text` is not one (a cron expression)."""
    if text.isdigit():
        return int(text)
    found = _INTERVAL.fullmatch(text)
    if found is None:
        if text.startswith("every"):
            raise ScheduleInvalid(
                f"{text!r} is not an interval: write it as `every 6h`, `every 1h30m`, "
                "`every 2 days` or a number of seconds"
            )
        return None  # perhaps cron: `5 4 * * *` starts with a digit too
    total = 0
    for amount, word in _PART.findall(found.group(1)):
        unit = _UNIT_OF.get(word)
        if unit is None:
            raise ScheduleInvalid(f"unknown unit {word!r} in {text!r}: use s, m, h or d")
        total += int(amount) * _UNIT_SECONDS[unit]
    return total


def _interval_text(seconds: int) -> str:
    parts, left = [], seconds
    for unit in ("d", "h", "m", "s"):
        amount, left = divmod(left, _UNIT_SECONDS[unit])
        if amount:
            parts.append(f"{amount}{unit}")
    return "every " + "".join(parts)


def _cron(text: str, given: str) -> str:
    if text.startswith("@"):
        if text not in MACROS:
            known = ", ".join(MACROS)
            raise ScheduleInvalid(f"unknown cron macro {given.strip()!r}: use one of {known}")
        return MACROS[text]
    fields = text.split()
    if len(fields) != 5:
        raise ScheduleInvalid(
            f"{given.strip()!r} has {len(fields)} fields; a cron expression has 5 (minute "
            "hour day-of-month month day-of-week), e.g. `0 6 * * mon-fri`; an interval reads "
            "`every 6h`"
        )
    try:
        CronSim(text, datetime.now(UTC))
    except CronSimError as exc:
        raise ScheduleInvalid(f"{given.strip()!r} is not a cron expression: {exc}") from exc
    return text
