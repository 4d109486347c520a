"""Refresh schedules: a course may carry a cron expression or an interval, and a beat
process starts its due refreshes through the same job path as a manual refresh."""
