import datetime as dt

import factory
from django.utils import timezone

from apps.bookings.models import Booking, BookingStatus
from apps.listings.pricing import stay_quote
from tests.factories.accounts import UserFactory
from tests.factories.listings import ListingFactory


def _quote(o) -> dict:
    quote = stay_quote(
        listing_id=o.listing.pk, check_in=o.check_in, check_out=o.check_out, guests=o.guests
    )
    if quote is None:  # a stay with no price (no nights: constraint tests), an empty quote
        quote = {"lines": [], "total_cents": 0, "currency": o.listing.currency}
        quote["cancellation_policy"] = o.listing.cancellation_policy
    return quote


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    listing = factory.SubFactory(ListingFactory)
    guest = factory.SubFactory(UserFactory)
    tenant = factory.SelfAttribute("listing.tenant")
    # A week apart, so that bookings of one listing never overlap; the cycle of 100 keeps every
    # stay within BOOKING_MAX_ADVANCE_DAYS (730) however many bookings a test process makes.
    check_in = factory.Sequence(
        lambda n: timezone.localdate() + dt.timedelta(days=10 + 7 * (n % 100))
    )
    check_out = factory.LazyAttribute(lambda o: o.check_in + dt.timedelta(days=3))
    guests = 2
    status = BookingStatus.CONFIRMED
    # Priced as booking_create prices it (the listing's quote), frozen with its policy.
    quote = factory.LazyAttribute(lambda o: _quote(o))
    total_cents = factory.LazyAttribute(lambda o: o.quote["total_cents"])
    currency = factory.LazyAttribute(lambda o: o.quote["currency"])
    cancellation_policy = factory.LazyAttribute(lambda o: o.quote["cancellation_policy"])


class StayedBookingFactory(BookingFactory):
    """A stay that ended within the review window (REVIEW_WINDOW_DAYS, 14 by default): both
    sides may review it now. Four check-outs, three days apart, so that stays of one listing
    never overlap."""

    status = BookingStatus.COMPLETED
    check_out = factory.Sequence(
        lambda n: timezone.localdate() - dt.timedelta(days=1 + 3 * (n % 4))
    )
    check_in = factory.LazyAttribute(lambda o: o.check_out - dt.timedelta(days=2))
