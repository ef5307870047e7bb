"""The periodic jobs: what they do, their one-line summaries, exit codes, and the advisory lock
that keeps two runs of the same job from overlapping."""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command, get_commands
from django.db import connection

from apps.core.locks import EX_TEMPFAIL, JobAlreadyRunning, job_lock, lock_key

CRONTAB = Path(settings.BASE_DIR) / "ops" / "crontab"


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def lock_holder():
    """Another session, as a concurrent run of a job would hold its lock."""
    params = connection.settings_dict
    holder = psycopg.connect(
        dbname=params["NAME"], user=params["USER"], host=params["HOST"],
        port=params["PORT"] or 5432, autocommit=True,
    )  # fmt: skip

    def hold(job: str) -> None:
        holder.execute("SELECT pg_advisory_lock(%s)", [lock_key(job)])

    yield hold
    holder.close()


def lock_is_free(job: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) = 0 FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 "
            "AND ((classid::bigint << 32) | objid::bigint) = %s "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [lock_key(job)],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_run_job_prints_one_summary_line():
    out = run("run_job", "purge_soft_deleted", "--", "--older-than", "30d", "--dry-run")

    [line] = out.strip().splitlines()
    assert re.fullmatch(
        r"job=purge_soft_deleted status=ok seconds=\d+\.\d summary=purge_soft_deleted: cut-off .*",
        line,
    )


@pytest.mark.django_db
def test_a_failing_job_exits_1_and_says_why():
    with pytest.raises(CommandError, match="status=failed") as failure:
        call_command("run_job", "purge_soft_deleted", "--", "--older-than", "soon")

    assert failure.value.returncode == 1
    assert "\n" not in str(failure.value)
    assert lock_is_free("purge_soft_deleted")  # released on failure too


@pytest.mark.django_db
def test_an_unknown_job_fails():
    with pytest.raises(CommandError, match="status=failed.*Unknown command") as failure:
        call_command("run_job", "no_such_command")
    assert failure.value.returncode == 1


@pytest.mark.django_db
def test_two_runs_of_a_job_never_overlap(lock_holder):
    lock_holder("complete_bookings")

    with pytest.raises(CommandError, match="status=skipped .*already running") as skipped:
        call_command("run_job", "complete_bookings")
    assert skipped.value.returncode == EX_TEMPFAIL == 75

    # The command run by hand refuses too.
    with pytest.raises(CommandError, match="already running") as refused:
        call_command("complete_bookings")
    assert refused.value.returncode == EX_TEMPFAIL


@pytest.mark.django_db
def test_the_lock_is_released_when_the_job_ends():
    with job_lock("complete_bookings"):
        assert not lock_is_free("complete_bookings")
        # Taken again by the same process (run_job, then the command itself): no refusal.
        with job_lock("complete_bookings"):
            pass
        assert not lock_is_free("complete_bookings")
    assert lock_is_free("complete_bookings")

    run("run_job", "complete_bookings")
    assert lock_is_free("complete_bookings")


@pytest.mark.django_db
def test_locks_are_per_job(lock_holder):
    lock_holder("dbbackup")

    with job_lock("complete_bookings"):
        pass
    with pytest.raises(JobAlreadyRunning), job_lock("dbbackup"):
        pass


@pytest.mark.django_db(transaction=True)
def test_exit_codes_seen_by_cron(lock_holder):
    """cron sees the process's exit status: 0 done, 75 skipped, 1 failed."""
    params = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{params['USER']}@{params['HOST']}:{params['PORT'] or 5432}"
        f"/{params['NAME']}",
    }

    def manage(*args):
        return subprocess.run(  # noqa: S603 — our own manage.py
            [sys.executable, "manage.py", "run_job", *args],
            cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip

    done = manage("complete_bookings")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("job=complete_bookings status=ok")

    failed = manage("purge_soft_deleted", "--", "--older-than", "soon")
    assert failed.returncode == 1 and "status=failed" in failed.stderr

    lock_holder("complete_bookings")
    skipped = manage("complete_bookings")
    assert skipped.returncode == 75 and "status=skipped" in skipped.stderr


def crontab_jobs() -> list[tuple[str, str]]:
    lines = [
        line
        for line in CRONTAB.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    return [(" ".join(line.split()[:5]), " ".join(line.split()[5:])) for line in lines]


def test_the_crontab_runs_every_job_through_run_job():
    jobs = crontab_jobs()
    commands = get_commands()

    scheduled = []
    for schedule, command in jobs:
        assert len(schedule.split()) == 5
        for step in command.split("&&")[1:]:
            # A job may be given its own environment first (backup_verify: the owner's URL).
            words = [word for word in step.split() if not re.match(r"[A-Z_]+=", word)]
            assert words[:3] == ["python", "manage.py", "run_job"], step
            assert words[3] in commands
            scheduled.append(" ".join(words[3:]))

    assert scheduled == [
        "dbbackup -- --compress --clean --noinput",
        "backup_verify",
        "purge_soft_deleted -- --older-than 30d --noinput",
        "audit_partitions",
        "complete_bookings",
        "publish_reviews",
        "expire_booking_requests",
        "purge_idempotency_keys",
        "purge_expired_tokens",
        "clearsessions",
        "scrub_audit_pii",
        "purge_jobs",
        "sync_calendar_feeds",
    ]
    assert [schedule for schedule, _command in jobs] == [
        "15 2 * * *", "30 3 * * *", "45 3 * * *", "5 * * * *", "10 * * * *", "*/5 * * * *",
        "20 * * * *", "0 4 * * *", "10 4 * * *", "50 3 * * *", "40 4 * * *", "*/15 * * * *",
    ]  # fmt: skip
