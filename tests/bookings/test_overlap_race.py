"""Two transactions racing for the same nights: PostgreSQL lets exactly one win."""

import threading

import psycopg
import pytest
from django.db import connection

from apps.core.context import DbContext, db_context
from tests.factories import ListingFactory, UserFactory

INSERT = (
    "INSERT INTO bookings (listing_id, guest_id, tenant_id, check_in, check_out, guests,"
    " status, total_cents, currency, cancellation_reason, created_at, updated_at)"
    " VALUES (%s, %s, %s, %s, %s, 1, 'confirmed', 1000, 'EUR', '', now(), now())"
)


def owner_connection():
    """A second session, as the owner, outside Django (another app server, say)."""
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        password=settings["PASSWORD"] or None,
    )


@pytest.fixture
def stay():
    with db_context(DbContext.system("tests")):
        listing = ListingFactory()
        guests = UserFactory(), UserFactory()
    return listing, guests


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first_commits", [True, False])
def test_the_second_of_two_racing_bookings_waits_then_loses_or_wins(stay, first_commits):
    listing, (alice, bob) = stay
    outcome = {}

    with owner_connection() as first, owner_connection() as second:
        first.execute(INSERT, [listing.pk, alice.pk, listing.tenant_id, "2031-02-01", "2031-02-05"])

        def book_overlapping():
            try:
                # Blocks on the first transaction's uncommitted conflicting row.
                second.execute(
                    INSERT, [listing.pk, bob.pk, listing.tenant_id, "2031-02-03", "2031-02-06"]
                )
                second.commit()
                outcome["result"] = "booked"
            except psycopg.errors.ExclusionViolation as exc:
                second.rollback()
                outcome["result"] = exc.diag.constraint_name

        racer = threading.Thread(target=book_overlapping)
        racer.start()
        racer.join(timeout=1)
        assert racer.is_alive(), "the second booking should wait for the first transaction"

        if first_commits:
            first.commit()
        else:
            first.rollback()
        racer.join(timeout=10)

    assert outcome["result"] == ("bookings_no_overlap" if first_commits else "booked")
