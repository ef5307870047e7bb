"""Instant book (issue 16): on a listing with instant_book, a guest's booking is confirmed at
once — no request, no expiry job — and the host is told it was booked. It still goes through
the exclusion constraint; PostgreSQL's guard lets a guest insert a confirmed booking on such a
listing only, and only a confirmed one there."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from apps.bookings import services
from apps.bookings.errors import BookingConflict
from apps.bookings.models import Booking
from apps.listings.pricing import stay_quote
from apps.notifications.models import Notification
from tests.db import acting_as, execute, refused_column
from tests.factories import ListingFactory, UserFactory
from tests.helpers import client_for, error

pytestmark = pytest.mark.django_db

CHECK_IN = dt.timedelta(days=30)


def book(listing, guest, *, nights=3):
    check_in = timezone.localdate() + CHECK_IN
    return services.booking_create(
        listing_id=listing.pk,
        check_in=check_in,
        check_out=check_in + dt.timedelta(days=nights),
        guests=1,
        actor=guest,
    )


def told(booking) -> set[tuple[int, str]]:
    notifications = Notification.objects.filter(event_key__startswith=f"booking:{booking.pk}:")
    return {(n.recipient_id, n.kind) for n in notifications}


def expiry_jobs(booking) -> int:
    [(count,)] = execute(
        "SELECT count(*) FROM procrastinate_jobs"
        " WHERE task_name = 'apps.bookings.tasks.expire_booking_request'"
        " AND (args ->> 'booking_id')::bigint = %s",
        [booking.pk],
    )
    return count


def test_an_instant_booking_is_confirmed_at_once_and_the_host_told_it_was_booked():
    listing, guest = ListingFactory(instant_book=True), UserFactory()

    booking = book(listing, guest)

    assert booking.status == "confirmed" and booking.expires_at is None
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"
    assert told(booking) == {
        (listing.owner_id, "instant_booking"),
        (guest.pk, "booking_confirmed"),
    }
    assert expiry_jobs(booking) == 0


def test_a_request_without_instant_book_stays_pending_and_asks_the_host():
    listing, guest = ListingFactory(), UserFactory()

    booking = book(listing, guest)

    assert booking.status == "pending"
    assert told(booking) == {(listing.owner_id, "booking_requested")}
    assert expiry_jobs(booking) == 1


def test_instant_bookings_still_never_overlap():
    listing = ListingFactory(instant_book=True)
    book(listing, UserFactory())

    with pytest.raises(BookingConflict):
        book(listing, UserFactory(), nights=5)
    assert Booking.objects.filter(listing=listing).count() == 1


def test_the_pending_cap_does_not_count_nor_stop_instant_bookings():
    guest = UserFactory()
    for _ in range(3):
        book(ListingFactory(), guest)

    booking = book(ListingFactory(instant_book=True), guest)

    assert booking.status == "confirmed"
    assert Booking.objects.filter(guest=guest, status="pending").count() == 3


def insert_as(guest, listing, status):
    check_in = timezone.localdate() + CHECK_IN
    check_out = check_in + dt.timedelta(days=2)
    quote = stay_quote(listing_id=listing.pk, check_in=check_in, check_out=check_out, guests=1)
    execute(
        "INSERT INTO bookings (listing_id, guest_id, tenant_id, check_in, check_out, guests,"
        " status, total_cents, currency, cancellation_policy, quote)"
        " VALUES (%s, %s, %s, %s, %s, 1, %s, %s, %s, %s, %s)",
        [listing.pk, guest.pk, listing.tenant_id, check_in, check_out, status,
         quote["total_cents"], quote["currency"], quote["cancellation_policy"],
         json.dumps(quote)],
    )  # fmt: skip


def test_postgresql_lets_a_guest_insert_a_confirmed_booking_on_an_instant_listing_only():
    guest = UserFactory()
    instant, on_request = ListingFactory(instant_book=True), ListingFactory()

    with acting_as(guest):
        with refused_column("status"):
            insert_as(guest, on_request, "confirmed")
        with refused_column("status"):
            insert_as(guest, instant, "pending")
        insert_as(guest, instant, "confirmed")
        insert_as(guest, on_request, "pending")

    assert dict(Booking.objects.filter(guest=guest).values_list("listing_id", "status")) == {
        instant.pk: "confirmed",
        on_request.pk: "pending",
    }


def test_the_owner_turns_instant_book_on_through_the_api_and_guests_book_at_once():
    listing = ListingFactory()
    url = f"/api/v1/listings/{listing.pk}/"
    owner, guest = client_for(listing.owner), client_for(UserFactory())
    assert guest.get(url).json()["instant_book"] is False

    assert owner.patch(url, {"instant_book": True}, format="json").json()["instant_book"] is True
    error(guest.patch(url, {"instant_book": False}, format="json"), 403, "permission_denied")
    error(owner.patch(url, {"instant_book": "sometimes"}, format="json"), 400, "invalid")

    check_in = timezone.localdate() + CHECK_IN
    response = guest.post(
        "/api/v1/bookings/",
        {"listing": listing.pk, "check_in": str(check_in),
         "check_out": str(check_in + dt.timedelta(days=2))},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert (response.json()["status"], response.json()["expires_at"]) == ("confirmed", None)
