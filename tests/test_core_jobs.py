"""Periodic jobs: due jobs run once per period, whichever worker gets there first."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from caminante.core import jobs
from caminante.core.models import PeriodicJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(monkeypatch):
    """An empty job registry for the test (the apps' real jobs are left alone)."""
    monkeypatch.setattr(jobs, "_JOBS", {})
    return jobs


def test_a_job_runs_once_per_period(registry):
    runs = []
    registry.register_periodic("test.count", timedelta(minutes=10), lambda: runs.append(1) or "counted")
    now = timezone.now()
    assert registry.run_due(now) == ["test.count: counted"]
    assert registry.run_due(now + timedelta(minutes=5)) == []  # a second worker, same period
    assert registry.run_due(now + timedelta(minutes=11)) == ["test.count: counted"]
    assert len(runs) == 2
    job = PeriodicJob.objects.get(name="test.count")
    assert job.last_finished is not None and job.last_error == ""


def test_two_workers_claim_one_run(registry):
    registry.register_periodic("test.claim", timedelta(hours=1), lambda: None)
    job = registry.registered()[0]
    now = timezone.now()
    assert [registry.claim(job, now), registry.claim(job, now)] == [True, False]


def test_a_failing_job_is_recorded_and_does_not_stop_the_others(registry):
    def broken():
        raise RuntimeError("boom")

    done = []
    registry.register_periodic("test.a-broken", timedelta(minutes=1), broken)
    registry.register_periodic("test.b-fine", timedelta(minutes=1), lambda: done.append(1))
    registry.run_due()
    assert done == [1]
    assert "boom" in PeriodicJob.objects.get(name="test.a-broken").last_error


def test_the_worker_runs_due_jobs(registry, keep_signal_handlers):
    registry.register_periodic("test.worker", timedelta(minutes=1), lambda: "ran")
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    assert "test.worker: ran" in out.getvalue()
