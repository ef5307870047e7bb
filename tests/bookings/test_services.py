"""The bookings services' actor checks, asked of the services directly (the API tests cover
the host/guest rules of each transition through the endpoints)."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from apps.bookings import services
from apps.bookings.models import Booking
from tests.actors import attempt
from tests.factories import BookingFactory, ListingFactory, UserFactory

pytestmark = pytest.mark.django_db


def _book(listing, actor):
    check_in = timezone.localdate() + dt.timedelta(days=30)
    return services.booking_create(
        listing_id=listing.pk,
        check_in=check_in,
        check_out=check_in + dt.timedelta(days=2),
        guests=1,
        actor=actor,
    )


@pytest.mark.parametrize(
    ("caller", "allowed"),
    [("guest", True), ("its owner", False), ("anonymous", False), ("nobody", False)],
)
def test_a_signed_in_user_books_a_listing_not_their_own(caller, allowed):
    listing = ListingFactory()
    actor = {
        "guest": UserFactory,
        "its owner": lambda: listing.owner,
        "anonymous": AnonymousUser,
        "nobody": lambda: None,
    }[caller]()

    booking = attempt(allowed, lambda: _book(listing, actor))

    assert Booking.objects.filter(listing=listing).count() == int(allowed)
    if allowed:
        assert (booking.guest, booking.status) == (actor, "pending")


@pytest.mark.parametrize(
    ("caller", "allowed"),
    [("host", True), ("guest", False), ("another owner", False),
     ("staff with cancel_booking", False)],
)  # fmt: skip
def test_only_the_host_confirms(caller, allowed):
    booking = BookingFactory(status="pending")
    actor = {
        "host": lambda: booking.listing.owner,
        "guest": lambda: booking.guest,
        "another owner": lambda: UserFactory(owner=True),
        "staff with cancel_booking": lambda: UserFactory(
            staff=True, permissions=["bookings.cancel_booking"]
        ),
    }[caller]()

    attempt(allowed, lambda: services.booking_confirm(booking=booking, actor=actor))

    status = Booking.objects.values_list("status", flat=True).get(pk=booking.pk)
    assert status == ("confirmed" if allowed else "pending")
