"""Row-level security, seen through the application's own runtime connection with raw SQL."""

import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from apps.core.context import DbContext, db_context
from tests.factories import (
    BookingFactory,
    ListingFactory,
    MessageFactory,
    ReviewFactory,
    StayedBookingFactory,
    TenantFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.also_through_pgbouncer]

PROTECTED_TABLES = (
    "users profiles tenants listings listing_amenities listing_tags listing_versions categories"
    " amenities tags bookings reviews messages audit_logs api_tokens listing_price_overrides"
    " calendar_entries calendar_exports calendar_feeds wishlists wishlist_items"
).split()


def sql(query, params=()):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall() if cursor.description else cursor.rowcount


def acting_as(user):
    return db_context(DbContext().with_user(user))


def test_the_app_connects_as_a_plain_role_that_owns_nothing():
    [(role, is_super, bypass_rls)] = sql(
        "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
    )
    assert role == "app_user"
    assert not is_super
    assert not bypass_rls
    assert sql("SELECT count(*) FROM pg_class WHERE relowner = 'app_user'::regrole") == [(0,)]


@pytest.mark.parametrize("table", PROTECTED_TABLES)
def test_rls_is_enabled_and_forced(table):
    assert sql(
        "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = %s::regclass",
        [table],
    ) == [(True, True)]


def test_another_owners_draft_is_invisible_and_cannot_be_updated():
    draft = ListingFactory(draft=True)
    intruder = UserFactory(owner=True)

    with acting_as(intruder):
        visible = sql("SELECT id FROM listings WHERE id = %s", [draft.pk])
        updated = sql("UPDATE listings SET title = 'Stolen listing' WHERE id = %s", [draft.pk])

    assert visible == []
    assert updated == 0
    draft.refresh_from_db()
    assert draft.title != "Stolen listing"


def test_an_owner_sees_and_changes_all_of_their_own_listings():
    draft = ListingFactory(draft=True)

    with acting_as(draft.owner):
        assert sql("SELECT id FROM listings WHERE id = %s", [draft.pk]) == [(draft.pk,)]
        assert sql("UPDATE listings SET beds = 4 WHERE id = %s", [draft.pk]) == 1


def test_anyone_in_the_tenant_reads_published_active_listings_only():
    published = ListingFactory()
    ListingFactory(draft=True)
    ListingFactory(is_active=False)
    stranger = UserFactory()

    with acting_as(stranger):
        assert sql("SELECT id FROM listings") == [(published.pk,)]


def test_with_no_context_no_private_row_is_visible():
    booking = BookingFactory()
    MessageFactory(sender=booking.guest, recipient=booking.listing.owner)
    ReviewFactory()

    # Leave the test's system context: a fresh transaction state with nothing set.
    with db_context(DbContext(actor="")):
        for table in ("listings", "bookings", "messages", "reviews", "users", "audit_logs"):
            assert sql(f"SELECT count(*) FROM {table}") == [(0,)], table  # noqa: S608


def test_a_guest_cannot_read_someone_elses_booking_but_the_host_can():
    booking = BookingFactory()
    other_guest = UserFactory()

    with acting_as(other_guest):
        assert sql("SELECT id FROM bookings WHERE id = %s", [booking.pk]) == []
    with acting_as(booking.guest):
        assert sql("SELECT id FROM bookings WHERE id = %s", [booking.pk]) == [(booking.pk,)]
    with acting_as(booking.listing.owner):
        assert sql("SELECT id FROM bookings WHERE id = %s", [booking.pk]) == [(booking.pk,)]


def test_a_booking_can_only_be_created_by_its_guest():
    listing = ListingFactory()
    guest, impostor = UserFactory(), UserFactory()

    with acting_as(impostor), pytest.raises(ProgrammingError, match="row-level security"):
        with transaction.atomic():
            sql(
                "INSERT INTO bookings (listing_id, guest_id, tenant_id, check_in, check_out,"
                " guests, status, total_cents, currency, cancellation_reason, quote)"
                " VALUES (%s, %s, %s, '2031-01-01', '2031-01-03', 1, 'pending', %s, %s, '',"
                " listing_quote(%s, '2031-01-01', '2031-01-03', 1))",
                [
                    listing.pk,
                    guest.pk,
                    listing.tenant_id,
                    2 * listing.price_cents,
                    listing.currency,
                    listing.pk,
                ],  # the right price: row-level security is what refuses
            )


def test_another_tenants_rows_are_invisible():
    other_tenant = TenantFactory()
    foreign_owner = UserFactory(owner=True, tenant=other_tenant)
    foreign_listing = ListingFactory(owner=foreign_owner)
    local_user = UserFactory()

    with acting_as(local_user):
        assert sql("SELECT id FROM listings WHERE id = %s", [foreign_listing.pk]) == []
        assert sql("SELECT id FROM users WHERE id = %s", [foreign_owner.pk]) == []
    with acting_as(foreign_owner):
        assert sql("SELECT id FROM listings WHERE id = %s", [foreign_listing.pk]) == [
            (foreign_listing.pk,)
        ]


def test_messages_are_visible_to_their_sender_and_recipient_only():
    message = MessageFactory()
    outsider = UserFactory()

    for party in (message.sender, message.recipient):
        with acting_as(party):
            assert sql("SELECT id FROM messages WHERE id = %s", [message.pk]) == [(message.pk,)]
    with acting_as(outsider):
        assert sql("SELECT id FROM messages WHERE id = %s", [message.pk]) == []


def test_staff_see_everything():
    message = MessageFactory()
    draft = ListingFactory(draft=True)
    staff = UserFactory(staff=True)

    with acting_as(staff):
        assert sql("SELECT id FROM messages WHERE id = %s", [message.pk]) == [(message.pk,)]
        assert sql("SELECT id FROM listings WHERE id = %s", [draft.pk]) == [(draft.pk,)]


def test_hidden_reviews_are_not_public_but_their_author_and_staff_see_them():
    review = ReviewFactory(is_hidden=True, hidden_reason="Insults")
    visitor = UserFactory()

    with acting_as(visitor):
        assert sql("SELECT id FROM reviews WHERE id = %s", [review.pk]) == []
    with acting_as(review.booking.guest):
        assert sql("SELECT id FROM reviews WHERE id = %s", [review.pk]) == [(review.pk,)]
    with acting_as(UserFactory(staff=True)):
        assert sql("SELECT id FROM reviews WHERE id = %s", [review.pk]) == [(review.pk,)]


def test_a_visible_review_is_public_with_its_listing():
    review = ReviewFactory()
    visitor = UserFactory()

    with acting_as(visitor):
        assert sql("SELECT id FROM reviews WHERE id = %s", [review.pk]) == [(review.pk,)]


def test_only_the_bookings_guest_writes_the_guests_review():
    booking = StayedBookingFactory()
    host = booking.listing.owner

    with acting_as(host), pytest.raises(ProgrammingError, match="row-level security"):
        with transaction.atomic():
            sql(
                "INSERT INTO reviews (booking_id, listing_id, tenant_id, rating, photos,"
                " is_hidden, hidden_reason) VALUES (%s, %s, %s, 5, '{}', false, '')",
                [booking.pk, booking.listing_id, booking.tenant_id],
            )
    with acting_as(booking.guest):
        sql(
            "INSERT INTO reviews (booking_id, listing_id, tenant_id, rating, photos,"
            " is_hidden, hidden_reason) VALUES (%s, %s, %s, 4, '{}', false, '')",
            [booking.pk, booking.listing_id, booking.tenant_id],
        )
        assert sql("SELECT rating FROM reviews WHERE booking_id = %s", [booking.pk]) == [(4,)]


def test_the_public_availability_shows_dates_not_bookings():
    booking = BookingFactory()
    visitor = UserFactory()

    with acting_as(visitor):
        assert sql("SELECT id FROM bookings WHERE id = %s", [booking.pk]) == []
        ranges = sql(
            "SELECT * FROM listing_unavailable_ranges(%s, %s, %s)",
            [booking.listing_id, booking.check_in, booking.check_out],
        )
    assert ranges == [(booking.check_in, booking.check_out)]


def test_the_runtime_role_cannot_rewrite_or_erase_the_audit_trail():
    ListingFactory()
    staff = UserFactory(staff=True)

    with acting_as(staff):
        assert sql("SELECT count(*) FROM audit_logs")[0][0] > 0
        for statement in (
            "UPDATE audit_logs SET action = 'DELETE'",
            "DELETE FROM audit_logs",
            "INSERT INTO audit_logs (table_name, record_id, action) VALUES ('x', 1, 'CREATE')",
            "TRUNCATE audit_logs",
        ):
            with pytest.raises(ProgrammingError, match="permission denied"):
                with transaction.atomic():
                    sql(statement)


def test_audit_partitions_cannot_be_reached_directly():
    ListingFactory()
    [(partition,)] = sql(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = 'audit_logs'::regclass"
        " AND c.relname = 'audit_logs_' || to_char(now() AT TIME ZONE 'UTC', 'YYYY_MM')"
    )

    with acting_as(UserFactory(staff=True)):
        assert sql(f'SELECT count(*) FROM "{partition}"') == [(0,)]  # noqa: S608
        assert sql(f'DELETE FROM "{partition}"') == 0  # noqa: S608
    assert sql("SELECT count(*) FROM audit_logs")[0][0] > 0
