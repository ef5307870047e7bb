"""PostgreSQL itself refuses bad data, whatever path writes it (here: the ORM without
full_clean(), and raw SQL)."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from apps.bookings.models import Booking, BookingStatus
from apps.listings.models import Category, Listing, ListingTag
from apps.messaging.models import Message
from apps.reviews.models import Review
from tests.factories import (
    BookingFactory,
    CategoryFactory,
    ListingFactory,
    MessageFactory,
    ReviewFactory,
    TagFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def refused(constraint: str):
    """Expect the database to refuse the write, naming `constraint`."""

    class Refusal:
        def __enter__(self):
            self.raises = pytest.raises(IntegrityError, match=constraint)
            self.raises.__enter__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()

        def __exit__(self, *exc):
            self.atomic.__exit__(*exc)
            return self.raises.__exit__(*exc)

    return Refusal()


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.mark.parametrize(
    ("field", "value", "constraint"),
    [
        ("price_cents", 0, "listings_price_positive"),
        ("price_cents", -100, "listings_price_positive"),
        ("beds", -1, "listings_beds_non_negative"),
        ("baths", -1, "listings_baths_non_negative"),
        ("max_guests", 0, "listings_max_guests_min_1"),
        ("latitude", 91, "listings_latitude_range"),
        ("longitude", 181, "listings_longitude_range"),
        ("status", "deleted", "listings_status_valid"),
        ("currency", "eur", "listings_currency_iso_4217"),
        ("title", "Flat", "listings_title_min_length"),
        ("area", 0, "listings_area_positive"),
    ],
)
def test_listing_columns_are_checked_by_the_database(field, value, constraint):
    listing = ListingFactory()

    with refused(constraint):
        Listing.all_objects.filter(pk=listing.pk).update(**{field: value})


def test_coordinates_come_in_pairs():
    listing = ListingFactory()

    with refused("listings_coordinates_both_or_neither"):
        Listing.all_objects.filter(pk=listing.pk).update(longitude=None)


def test_at_most_twenty_photos():
    with refused("listings_photos_max_20"):
        ListingFactory(photos=[f"https://img.example.com/{i}.jpg" for i in range(21)])


def test_unknown_status_is_refused_by_raw_sql_too():
    listing = ListingFactory()

    with refused("listings_status_valid"):
        sql("UPDATE listings SET status = 'deleted' WHERE id = %s", [listing.pk])


def test_rating_must_be_between_1_and_5():
    review = ReviewFactory()

    for rating in (0, 6):
        with refused("reviews_rating_1_to_5"):
            Review.objects.filter(pk=review.pk).update(rating=rating)


def test_one_review_per_booking():
    review = ReviewFactory()

    with refused("reviews_booking_id"):
        ReviewFactory(booking=review.booking)


def test_a_hidden_review_needs_a_reason():
    review = ReviewFactory()

    with refused("reviews_hidden_needs_reason"):
        Review.objects.filter(pk=review.pk).update(is_hidden=True, hidden_reason="")


@pytest.mark.parametrize("nights", [0, -2])
def test_check_out_must_follow_check_in(nights):
    day = dt.date(2031, 5, 10)

    with refused("bookings_check_out_after_check_in"):
        BookingFactory(check_in=day, check_out=day + dt.timedelta(days=nights))


def test_bookings_need_a_guest_and_a_known_status():
    booking = BookingFactory()

    with refused("bookings_guests_min_1"):
        Booking.objects.filter(pk=booking.pk).update(guests=0)
    with refused("bookings_status_valid"):
        Booking.objects.filter(pk=booking.pk).update(status="lost")


@pytest.mark.parametrize("status", [BookingStatus.CONFIRMED, BookingStatus.PENDING])
def test_overlapping_bookings_are_refused(status):
    first = BookingFactory(check_in=dt.date(2031, 7, 1), check_out=dt.date(2031, 7, 8))

    with refused("bookings_no_overlap"):
        BookingFactory(
            listing=first.listing,
            check_in=dt.date(2031, 7, 5),
            check_out=dt.date(2031, 7, 10),
            status=status,
        )


def test_what_does_not_overlap_is_allowed():
    first = BookingFactory(check_in=dt.date(2031, 7, 1), check_out=dt.date(2031, 7, 8))

    # Back-to-back: the next guest arrives the day the first leaves.
    BookingFactory(
        listing=first.listing, check_in=dt.date(2031, 7, 8), check_out=dt.date(2031, 7, 9)
    )
    # Declined and cancelled bookings hold no nights.
    for status in (BookingStatus.DECLINED, BookingStatus.CANCELLED):
        BookingFactory(
            listing=first.listing,
            check_in=dt.date(2031, 7, 2),
            check_out=dt.date(2031, 7, 4),
            status=status,
        )
    # Another listing, same dates.
    BookingFactory(check_in=first.check_in, check_out=first.check_out)
    assert Booking.objects.filter(listing=first.listing).count() == 4


def test_reviving_a_cancelled_booking_into_an_overlap_is_refused():
    first = BookingFactory(check_in=dt.date(2031, 8, 1), check_out=dt.date(2031, 8, 5))
    cancelled = BookingFactory(
        listing=first.listing,
        check_in=dt.date(2031, 8, 3),
        check_out=dt.date(2031, 8, 6),
        status=BookingStatus.CANCELLED,
    )

    with refused("bookings_no_overlap"):
        Booking.objects.filter(pk=cancelled.pk).update(status=BookingStatus.CONFIRMED)


def test_email_is_unique_whatever_its_case():
    UserFactory(email="Marie@Example.com")

    with refused("users_email_ci_unique"):
        UserFactory(email="marie@example.COM")
    with refused("users_email_ci_unique"):
        sql(
            "INSERT INTO users (password, is_superuser, email, name, role, is_verified,"
            " preferences, is_staff, is_active, tenant_id)"
            " SELECT '', false, 'MARIE@EXAMPLE.COM', 'M', 'guest', false, '{}', false, true, id"
            " FROM tenants LIMIT 1"
        )


def test_user_role_and_country_are_checked():
    user = UserFactory()
    from apps.accounts.models import User

    with refused("users_role_valid"):
        User.objects.filter(pk=user.pk).update(role="admin")
    for country in ("XX", "fr"):
        with refused("users_country_iso_3166_alpha2"):
            User.objects.filter(pk=user.pk).update(country=country)
    User.objects.filter(pk=user.pk).update(country="FR")


def test_nobody_messages_themself():
    user = UserFactory()

    with refused("messages_not_to_self"):
        MessageFactory(sender=user, recipient=user)


def test_a_read_message_has_its_read_time():
    message = MessageFactory()

    with refused("messages_read_has_read_at"):
        Message.objects.filter(pk=message.pk).update(is_read=True, read_at=None)


def test_listing_tag_and_amenity_pairs_are_unique():
    listing = ListingFactory()
    tag = TagFactory()
    ListingTag.objects.create(listing=listing, tag=tag)

    with refused("listing_tags_unique_pair"):
        ListingTag.objects.create(listing=listing, tag=tag)


def test_listing_versions_are_unique_per_listing():
    # Only the version trigger may write versions (the app role cannot), so the unique
    # constraint guards the trigger itself: check it is declared in PostgreSQL.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conname = 'listing_versions_unique_version'"
        )
        assert cursor.fetchone() == ("UNIQUE (listing_id, version)",)


def test_categories_cannot_form_a_cycle():
    parent = CategoryFactory()
    child = CategoryFactory(parent=parent)

    # The trigger speaks first; the check constraint would refuse it too.
    with refused("own descendant|categories_not_own_parent"):
        Category.objects.filter(pk=parent.pk).update(parent=parent)
    with refused("its own descendant"):
        Category.objects.filter(pk=parent.pk).update(parent=child)
