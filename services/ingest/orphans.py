"""Refresh jobs a dead embedded worker left behind, put back on the queue when a worker starts.

The filesystem broker loses the messages a SIGKILLed worker held, so its job would stay
`running` until a later refresh found it stalled. A worker that starts while no other
worker runs knows every item marked running is orphaned, and resumes those jobs at once."""

from __future__ import annotations

import logging

from byosc.jobs.control import resume_orphaned
from byosc.jobs.sql import SqlJobStore
from byosc.ports import JobQueue
from byosc.settings import Settings
from services.common.jobqueue import uses_filesystem_broker
from services.ingest.presence import worker_running

log = logging.getLogger(__name__)


def resume_orphaned_refreshes(settings: Settings, jobs: SqlJobStore, queue: JobQueue) -> int:
    """Called before this worker marks itself running; the number of jobs resumed."""
    if not uses_filesystem_broker(settings) or worker_running(settings):
        return 0
    job_ids = jobs.active_ids("refresh")
    for job_id in job_ids:
        log.warning("resuming refresh job %s: the worker that ran it stopped", job_id)
        resume_orphaned(jobs, queue, job_id)
    return len(job_ids)
