"""The audit log stays append-only: raw SQL as app_user cannot rewrite or delete its rows, and
the two scrub functions (core.0013) refuse any context but theirs. The retention job
(scrub_audit_pii) scrubs old rows and keeps recent ones."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import ProgrammingError, transaction
from django.utils import timezone

from apps.core.context import DbContext, db_context
from apps.core.models import AuditLog
from tests.db import acting_as, as_table_owner, execute
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def refused_42501(statement, params=()):
    with pytest.raises(ProgrammingError) as caught, transaction.atomic():
        execute(statement, params)
    assert caught.value.__cause__.sqlstate == "42501", caught.value
    return str(caught.value)


def audit_row(*, days_ago: float, user_id=None, ip="198.51.100.7") -> int:
    """An audit row written `days_ago` (as the owner: only the audit trigger writes them)."""
    with as_table_owner():
        [(row_id,)] = execute(
            """INSERT INTO audit_logs (table_name, record_id, action, old_data, new_data,
                   changes, user_id, actor, user_agent, ip_address, request_id, "timestamp")
               VALUES ('users', 1, 'UPDATE', %s, %s, %s, %s, 'user:1', 'Firefox', %s, 'r',
                       now() - make_interval(secs => %s))
               RETURNING id""",
            [
                json.dumps({"name": "Old Name"}),
                json.dumps({"name": "New Name"}),
                json.dumps({"name": {"old": "Old Name", "new": "New Name"}}),
                user_id,
                ip,
                days_ago * 86400,
            ],
        )
    return row_id


def values_of(row_id: int) -> dict:
    with db_context(DbContext.system("tests")):
        return AuditLog.objects.values(
            "old_data", "new_data", "changes", "ip_address", "user_agent", "actor", "user_id"
        ).get(pk=row_id)


def test_app_user_cannot_update_or_delete_audit_rows_in_any_context():
    user = UserFactory()
    row = audit_row(days_ago=0, user_id=user.pk)

    for context in (acting_as(user), db_context(DbContext.system("tests"))):
        with context:
            refused_42501("UPDATE audit_logs SET ip_address = NULL WHERE id = %s", [row])
            refused_42501("DELETE FROM audit_logs WHERE id = %s", [row])
            # The scrub functions' actor opens the policy, not the privilege (owner only).
            execute("SELECT set_config('app.actor', 'system:audit_scrub', true)")
            refused_42501("UPDATE audit_logs SET ip_address = NULL WHERE id = %s", [row])
            # Its partitions are granted to app_user, but locked: RLS forced, no policy.
            assert execute(
                "WITH u AS (UPDATE audit_logs_default SET ip_address = NULL RETURNING 1) "
                "SELECT count(*) FROM u"
            ) == [(0,)]
    assert values_of(row)["ip_address"] == "198.51.100.7"


def test_the_erasure_function_refuses_another_users_audit_trail_in_a_users_context():
    user, other = UserFactory(), UserFactory()
    theirs = audit_row(days_ago=0, user_id=other.pk)

    with acting_as(user):
        message = refused_42501("SELECT audit_logs_erase_user(%s)", [other.pk])
        # Claiming to act as them while being someone else does not pass either.
        execute("SELECT set_config('app.actor', %s, true)", [f"user:{other.pk}"])
        refused_42501("SELECT audit_logs_erase_user(%s)", [other.pk])
        refused_42501("SELECT * FROM audit_logs_scrub_expired(now(), 10)")

    assert "erase the audit trail" in message
    assert values_of(theirs)["ip_address"] == "198.51.100.7"


def test_the_erasure_function_scrubs_the_callers_own_rows_and_records_the_erasure():
    user, other = UserFactory(), UserFactory()
    mine, theirs = audit_row(days_ago=2, user_id=user.pk), audit_row(days_ago=2, user_id=other.pk)

    with acting_as(user):
        [(scrubbed,)] = execute("SELECT audit_logs_erase_user(%s)", [user.pk])

    assert scrubbed >= 1
    assert values_of(mine) == {
        "old_data": None,
        "new_data": None,
        "changes": {"name": {"old": "********", "new": "********"}},
        "ip_address": None,
        "user_agent": None,
        "actor": "user:1",
        "user_id": user.pk,
    }
    assert values_of(theirs)["old_data"] == {"name": "Old Name"}
    with db_context(DbContext.system("tests")):
        event = AuditLog.objects.filter(table_name="users", record_id=user.pk).latest("id")
    assert event.actor == f"user:{user.pk}"
    assert event.changes == {"erased": {"old": False, "new": True}}


def test_the_retention_job_scrubs_old_rows_and_keeps_recent_ones(settings):
    settings.AUDIT_PII_RETENTION_DAYS = 30
    old = [audit_row(days_ago=days) for days in (400, 45, 31)]
    recent = [audit_row(days_ago=days) for days in (29, 1)]

    dry = StringIO()
    call_command("scrub_audit_pii", "--dry-run", stdout=dry)
    assert "would scrub" in dry.getvalue()
    assert values_of(old[0])["ip_address"] == "198.51.100.7"  # the dry run changed nothing

    out = StringIO()
    call_command("scrub_audit_pii", "--batch-size", "1", stdout=out)  # a batch per row

    assert "scrub_audit_pii: scrubbed" in out.getvalue()
    for row in old:
        values = values_of(row)
        assert (values["old_data"], values["new_data"], values["ip_address"]) == (None,) * 3
        assert values["user_agent"] is None
        assert values["changes"] == {"name": {"old": "********", "new": "********"}}
        assert values["actor"] == "user:1"  # who did what when stays
    for row in recent:
        values = values_of(row)
        assert (values["old_data"], values["ip_address"]) == ({"name": "Old Name"}, "198.51.100.7")


def test_the_retention_function_wants_a_system_actor_and_a_past_cut_off():
    user = UserFactory()
    with acting_as(user):
        refused_42501("SELECT * FROM audit_logs_scrub_expired(now() - interval '1 day', 10)")
    with db_context(DbContext.system("tests")):
        with pytest.raises(Exception, match="cut-off in the past"), transaction.atomic():
            execute(
                "SELECT * FROM audit_logs_scrub_expired(%s, 10)",
                [timezone.now() + dt.timedelta(days=1)],
            )
