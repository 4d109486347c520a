"""How the scheduler runs. Read as `Settings.schedules` (environment: BYOSC_SCHEDULES__*)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ScheduleSettings(BaseModel):
    tick_s: float = Field(
        default=30.0,
        gt=0,
        description="How often the beat process looks for due refreshes. A schedule runs at "
        "most this late; the schedules are read from the database on every look, so a change "
        "applies without a restart.",
    )
    min_interval_s: int = Field(
        default=60,
        ge=1,
        description="Shortest interval a schedule may ask for (cron's finest step is a "
        "minute): a refresh lists the whole source, which costs the source's API quota.",
    )
    claim_s: int = Field(
        default=300,
        ge=1,
        description="How long a claimed due run stays with the process that claimed it. "
        "If that process dies before starting the refresh, the run is due again after this.",
    )
