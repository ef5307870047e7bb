import datetime as dt

import factory
from django.utils import timezone

from apps.bookings.models import Booking, BookingStatus
from tests.factories.accounts import UserFactory
from tests.factories.listings import ListingFactory


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
    total_cents = factory.LazyAttribute(
        lambda o: (o.check_out - o.check_in).days * o.listing.price_cents
    )
    currency = factory.SelfAttribute("listing.currency")
