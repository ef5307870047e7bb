"""`manage.py seed`: the reference and demo data (docs/design.md, "Demo data"), idempotent."""

import datetime as dt

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection

from apps.accounts.models import User
from apps.bookings.models import CalendarEntry
from apps.core import dates
from apps.core.context import DbContext, db_context
from apps.listings.models import Listing
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

SEEDED_TABLES = [
    "users", "profiles", "listings", "listing_amenities", "listing_tags", "listing_versions",
    "categories", "amenities", "tags", "bookings", "reviews", "messages",
    "listing_price_overrides", "calendar_entries",
]  # fmt: skip


def row_counts() -> dict[str, int]:
    """Rows of every table of the schema (the audit trail included), as the system sees them
    (but user_search, the owner's, which the runtime role may not read at all)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace"
            " AND relkind IN ('r', 'p') AND relname NOT LIKE 'audit_logs_%'"
            " AND has_table_privilege(oid, 'SELECT') ORDER BY relname"
        )
        tables = [name for (name,) in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def test_seeding_twice_gives_the_same_rows_in_every_table(capsys):
    call_command("seed")
    first_output = capsys.readouterr().out
    first = row_counts()

    call_command("seed")
    second_output = capsys.readouterr().out

    assert row_counts() == first  # audit_logs too: the second run wrote nothing at all
    assert {table: first[table] for table in SEEDED_TABLES if not first[table]} == {}
    assert "created nothing (up to date)" in second_output
    # Generated passwords are shown once, by the run that created the accounts.
    assert "john@example.com" in first_output and "admin@example.com" in first_output
    assert "@example.com" not in second_output


def test_seed_loads_the_guides_demo_data():
    call_command("seed")

    john = User.objects.get(email="john@example.com")
    assert john.role == "owner"
    assert User.objects.get(email="jane@example.com").role == "guest"
    paris = Listing.objects.get(title="Appartement Paris Centre")
    assert (paris.owner, paris.price_cents, paris.currency) == (john, 15_000, "EUR")
    assert User.objects.filter(is_staff=True, is_superuser=False).exists()
    assert User.objects.filter(is_superuser=True, is_staff=True).exists()
    assert all(user.profile for user in User.objects.all())
    # Demo addresses receive no mail: verified, so that they book and publish at once.
    assert not User.objects.filter(email_verified_at__isnull=True).exists()


def test_demo_hosts_set_calendar_rules_and_blocked_dates_guests_see_as_unavailable():
    call_command("seed")
    today = dates.today()
    villa = Listing.objects.get(slug="villa-nice-mont-boron")

    response = client_for().get(
        f"/api/v1/listings/{villa.pk}/availability/",
        {"from": today.isoformat(), "to": (today + dt.timedelta(days=200)).isoformat()},
    )

    def day(offset):
        return (today + dt.timedelta(days=offset)).isoformat()

    body = response.json()
    # Lucas's pending week (days 60 to 67) with the villa's preparation night on each side,
    # then the owner's two blocks; guests are not told which is which.
    assert body["unavailable"] == [
        {"start": day(59), "end": day(68)},
        {"start": day(100), "end": day(110)},
        {"start": day(150), "end": day(153)},
    ]
    assert (body["min_nights"], body["max_nights"]) == (3, 90)
    assert body["earliest_check_in"] == day(2)  # two days' notice
    # The block went through the host's service: laid by the owner, with its note.
    with db_context(DbContext.for_command("tests")):
        blocks = list(
            CalendarEntry.objects.filter(listing=villa, kind="block").order_by("start_date")
        )
    assert [(b.note, b.created_by_id) for b in blocks] == [
        ("Séjour de la famille", villa.owner_id),
        ("Entretien de la piscine", villa.owner_id),
    ]
    # Most demo listings keep the defaults; one confirms at once.
    assert Listing.objects.filter(min_nights=1, preparation_days=0).count() >= 2
    assert Listing.objects.get(slug="loft-marseille-vieux-port").instant_book


def test_seed_verifies_demo_accounts_seeded_before_verification_existed():
    call_command("seed")
    # As the command itself (the suite's own context, system:tests, may not write the column).
    with db_context(DbContext.for_command("seed")):
        User.objects.filter(email="john@example.com").update(email_verified_at=None)
        call_command("seed")

    assert User.objects.get(email="john@example.com").email_verified_at is not None


def test_the_demo_review_went_through_the_rating_trigger():
    call_command("seed")

    [reviewed] = Listing.objects.filter(reviews__isnull=False).distinct()
    review = reviewed.reviews.get()
    assert reviewed.review_count == 1
    assert reviewed.rating_avg == review.rating


def test_passwords_come_from_the_environment_when_set(monkeypatch, capsys):
    monkeypatch.setenv("SEED_USER_PASSWORD", "a-long-demo-password")

    call_command("seed")

    jane = User.objects.get(email="jane@example.com")
    assert jane.check_password("a-long-demo-password")
    assert authenticate(email="JANE@example.com", password="a-long-demo-password") == jane
    output = capsys.readouterr().out
    assert "jane@example.com" not in output and "a-long-demo-password" not in output


def test_generated_passwords_let_their_user_log_in(capsys):
    call_command("seed")

    lines = [line.split() for line in capsys.readouterr().out.splitlines()]
    password = next(words[1] for words in lines if words[:1] == ["jane@example.com"])
    assert User.objects.get(email="jane@example.com").check_password(password)


def test_reference_only_creates_no_users():
    users_before = User.objects.count()

    call_command("seed", "--reference-only")

    assert User.objects.count() == users_before
    counts = row_counts()
    assert counts["categories"] and counts["amenities"] and counts["tags"]
    assert counts["listings"] == counts["bookings"] == 0


def test_reset_passwords_gives_the_demo_accounts_new_ones_and_prints_them(capsys, settings):
    settings.DEBUG = True
    call_command("seed")
    first = dict(
        words for words in map(str.split, capsys.readouterr().out.splitlines()) if len(words) == 2
    )

    call_command("seed", "--reset-passwords")

    printed = dict(
        words
        for words in map(str.split, capsys.readouterr().out.splitlines())
        if len(words) == 2 and "@" in words[0]
    )
    assert printed.keys() == {email for email in first if "@" in email}
    for email, password in printed.items():
        user = User.objects.get(email=email)
        assert user.check_password(password) and not user.check_password(first[email])


def test_reset_passwords_takes_a_new_seed_variable(capsys, settings, monkeypatch):
    settings.DEBUG = True
    call_command("seed")
    monkeypatch.setenv("SEED_ADMIN_PASSWORD", "a-new-admin-password")

    call_command("seed", "--reset-passwords")

    output = capsys.readouterr().out
    assert User.objects.get(email="admin@example.com").check_password("a-new-admin-password")
    assert "(from SEED_ADMIN_PASSWORD)" in output and "a-new-admin-password" not in output


def test_reset_passwords_is_refused_with_debug_off(settings):
    settings.DEBUG = False
    call_command("seed")
    admin = User.objects.get(email="admin@example.com")

    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("seed", "--reset-passwords")

    admin_now = User.objects.get(email="admin@example.com")
    assert admin_now.password == admin.password
