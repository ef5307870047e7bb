"""PostgreSQL triggers write the audit trail, whatever path changes a row."""

import pytest
from django.core.management import call_command
from django.db import connection

from apps.accounts.services import user_set_password
from apps.core.admin import audited_tables
from apps.core.context import DbContext, db_context
from apps.core.models import AuditLog
from apps.listings.models import Listing
from tests.factories import ListingFactory, UserFactory

pytestmark = pytest.mark.django_db


def history(table, record_id):
    # Only staff and system actors may read the audit trail.
    with db_context(DbContext.system("tests")):
        return list(AuditLog.objects.filter(table_name=table, record_id=record_id).order_by("id"))


@pytest.fixture
def listing():
    return ListingFactory(title="Sunny flat in Nice", price_cents=10_000)


@pytest.fixture
def as_owner(listing):
    with db_context(DbContext().with_user(listing.owner)):
        yield listing.owner


def updates_of(listing):
    return [e for e in history("listings", listing.pk) if e.action == "UPDATE"]


def test_creating_a_row_records_create_with_its_data(listing):
    [entry] = history("listings", listing.pk)

    assert entry.action == "CREATE"
    assert entry.new_data["title"] == "Sunny flat in Nice"
    assert "search_vector" not in entry.new_data
    assert entry.actor == "system:tests"


def test_an_orm_save_leaves_one_row_with_only_the_changed_columns(listing, as_owner):
    listing.price_cents = 12_500
    listing.save()

    [entry] = updates_of(listing)
    assert entry.changes == {"price_cents": {"old": 10_000, "new": 12_500}}
    assert entry.user_id == as_owner.pk
    assert entry.actor == f"user:{as_owner.pk}"
    assert entry.old_data["price_cents"] == 10_000
    assert entry.new_data["price_cents"] == 12_500


def test_a_queryset_update_leaves_one_row(listing, as_owner):
    Listing.objects.filter(pk=listing.pk).update(beds=5)

    [entry] = updates_of(listing)
    assert entry.changes == {"beds": {"old": 2, "new": 5}}
    assert entry.user_id == as_owner.pk


def test_raw_sql_leaves_one_row(listing, as_owner):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE listings SET city = 'Nice' WHERE id = %s", [listing.pk])

    [entry] = updates_of(listing)
    assert entry.changes == {"city": {"old": "Paris", "new": "Nice"}}
    assert entry.user_id == as_owner.pk


def test_a_save_that_changes_nothing_leaves_no_row(listing, as_owner):
    listing.save()  # only updated_at moves

    assert updates_of(listing) == []


def test_a_bulk_update_audits_every_row_in_one_statement():
    listings = ListingFactory.create_batch(30)
    ids = [item.pk for item in listings]

    Listing.objects.filter(pk__in=ids).update(is_active=False)

    entries = list(
        AuditLog.objects.filter(table_name="listings", action="UPDATE", record_id__in=ids)
    )
    assert len(entries) == 30
    assert {tuple(e.changes) for e in entries} == {("is_active",)}


def test_deleting_records_the_old_data(listing):
    listing_id = listing.pk
    Listing.all_objects.filter(pk=listing_id).delete()

    entry = history("listings", listing_id)[-1]
    assert entry.action == "DELETE"
    assert entry.old_data["title"] == "Sunny flat in Nice"
    assert entry.new_data is None


def test_password_hashes_never_enter_the_audit_trail():
    user = UserFactory()
    user_set_password(user=user, password="another-secret-123", actor=user)

    entries = history("users", user.pk)
    assert entries
    for entry in entries:
        for data in (entry.old_data, entry.new_data):
            if data:
                assert data["password"] == "********"
    update = [e for e in entries if e.action == "UPDATE"][-1]
    assert update.changes["password"] == {"old": "********", "new": "********"}


@pytest.mark.parametrize(
    "table_name",
    "users profiles tenants listings listing_amenities listing_tags bookings reviews messages"
    " categories amenities tags".split(),
)
def test_every_audited_table_has_its_triggers(table_name):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname LIKE %s",
            [table_name, f"{table_name}_audit_%"],
        )
        names = {row[0] for row in cursor.fetchall()}
    assert names == {f"{table_name}_audit_{op}" for op in ("insert", "update", "delete")}


def test_the_apps_declare_exactly_the_tables_the_catalog_audits():
    """Core lists no table of its own accord: each app declares its audited tables
    (AppConfig.audited_tables), and the declaration must match the triggers."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger "
            "WHERE tgname LIKE '%%\\_audit\\_insert' ORDER BY 1"
        )
        triggered = [row[0] for row in cursor.fetchall()]

    assert audited_tables() == triggered
    assert {"users", "listings", "bookings", "reviews", "messages"} <= set(triggered)


def test_a_command_is_recorded_as_its_actor(listing, capsys):
    call_command("purge_soft_deleted", "--older-than", "0d", "--noinput")
    with db_context(DbContext.for_command("purge_soft_deleted")):
        Listing.objects.filter(pk=listing.pk).update(beds=3)

    [entry] = updates_of(listing)
    assert entry.actor == "command:purge_soft_deleted"
    assert entry.user_id is None


def test_the_audit_command_prints_a_records_history(listing, as_owner, capsys):
    Listing.objects.filter(pk=listing.pk).update(title="Sunny flat in Antibes")

    call_command("audit", "listings", str(listing.pk))
    out = capsys.readouterr().out
    assert out.index("UPDATE") < out.index("CREATE")  # newest first
    assert "title: 'Sunny flat in Nice' → 'Sunny flat in Antibes'" in out

    call_command("audit", "listings", str(listing.pk), "--json", "--user", str(as_owner.pk))
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and '"action": "UPDATE"' in lines[0]
