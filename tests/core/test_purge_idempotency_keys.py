"""purge_idempotency_keys: expired Idempotency-Key rows go, fresh ones stay (hourly from cron)."""

import datetime as dt
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.core.models import IdempotencyKey
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SUMMARY = (
    r"purge_idempotency_keys: {verb} {count} keys created before \d{{4}}-\d\d-\d\d \d\d:\d\d UTC"
)


def run(*args) -> str:
    out = io.StringIO()
    call_command("purge_idempotency_keys", *args, stdout=out)
    return out.getvalue()


def key_aged(name: str, age: dt.timedelta, user=None) -> IdempotencyKey:
    record = IdempotencyKey.objects.create(
        user=user or UserFactory(),
        key=name,
        method="POST",
        path="/api/v1/bookings/",
        request_hash="0" * 64,
        response_status=201,
        response_body={"id": 1},
    )
    IdempotencyKey.objects.filter(pk=record.pk).update(created_at=timezone.now() - age)
    return record


@pytest.fixture
def keys():
    """Two users' expired keys and fresh ones (the command reaches every user's rows)."""
    hours = dt.timedelta(hours=1)
    guest, host = UserFactory(), UserFactory(owner=True)
    key_aged("old-guest", 25 * hours, guest)
    key_aged("old-host", 30 * 24 * hours, host)
    key_aged("fresh-guest", 23 * hours, guest)
    key_aged("fresh-host", dt.timedelta(0), host)


def remaining() -> list[str]:
    return sorted(IdempotencyKey.objects.values_list("key", flat=True))


def test_expired_keys_are_deleted_and_fresh_ones_kept(keys):
    out = run()

    assert remaining() == ["fresh-guest", "fresh-host"]
    [line] = out.splitlines()
    assert re.fullmatch(SUMMARY.format(verb="deleted", count=2), line), line
    assert re.fullmatch(SUMMARY.format(verb="deleted", count=0), run().strip())


def test_batches_delete_every_expired_key(keys):
    key_aged("old-3", dt.timedelta(days=2))

    out = run("--batch-size", "1")

    assert remaining() == ["fresh-guest", "fresh-host"]
    assert re.fullmatch(SUMMARY.format(verb="deleted", count=3), out.strip())


def test_dry_run_counts_and_deletes_nothing(keys):
    out = run("--dry-run")

    assert remaining() == ["fresh-guest", "fresh-host", "old-guest", "old-host"]
    assert re.fullmatch(SUMMARY.format(verb="would delete", count=2), out.strip())


def test_a_batch_size_below_one_is_refused():
    with pytest.raises(CommandError, match="--batch-size"):
        run("--batch-size", "0")


def test_run_job_reports_the_summary(keys):
    out = io.StringIO()
    call_command("run_job", "purge_idempotency_keys", stdout=out)

    assert re.fullmatch(
        r"job=purge_idempotency_keys status=ok seconds=\d+\.\d summary="
        + SUMMARY.format(verb="deleted", count=2),
        out.getvalue().strip(),
    )
    assert remaining() == ["fresh-guest", "fresh-host"]
