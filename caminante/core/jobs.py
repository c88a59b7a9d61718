"""Periodic jobs run by `caminante worker`: overdue alerts, reminders, expiries.

An app registers a job at import time (in its AppConfig.ready or a module the app imports):

    register_periodic("feedback.overdue", timedelta(minutes=15), send_overdue_alerts)

The function takes no arguments and returns a short summary (or None). Each run is claimed
with a conditional UPDATE, so with several workers a job runs once per period.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from .models import PeriodicJob

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[], object]


_JOBS: dict[str, Job] = {}


def register_periodic(name: str, every: timedelta, run: Callable[[], object]) -> None:
    _JOBS[name] = Job(name, every, run)


def registered() -> list[Job]:
    return sorted(_JOBS.values(), key=lambda job: job.name)


def claim(job: Job, now=None) -> bool:
    """Take this period's run of the job; False if it ran less than `every` ago (or another worker has it)."""
    now = now or timezone.now()
    PeriodicJob.objects.get_or_create(name=job.name)
    due = Q(last_started__isnull=True) | Q(last_started__lte=now - job.every)
    return PeriodicJob.objects.filter(due, name=job.name).update(last_started=now) == 1


def run_due(now=None) -> list[str]:
    """Run every registered job that is due; a failing job is logged and does not stop the others."""
    summaries = []
    for job in registered():
        if not claim(job, now):
            continue
        error = ""
        try:
            summary = job.run()
            if summary:
                summaries.append(f"{job.name}: {summary}")
        except Exception as exc:  # noqa: BLE001 - one broken job must not stop the worker
            log.exception("periodic job %s failed", job.name)
            error = repr(exc)
        PeriodicJob.objects.filter(name=job.name).update(last_finished=timezone.now(), last_error=error)
    return summaries
