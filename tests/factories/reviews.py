import datetime as dt

import factory
from django.utils import timezone

from apps.bookings.models import BookingStatus
from apps.reviews.models import Review
from tests.factories.bookings import BookingFactory


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    booking = factory.SubFactory(
        BookingFactory,
        status=BookingStatus.COMPLETED,
        check_in=factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=10)),
        check_out=factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=7)),
    )
    listing = factory.SelfAttribute("booking.listing")
    tenant = factory.SelfAttribute("booking.tenant")
    rating = 5
    comment = factory.Faker("sentence")
