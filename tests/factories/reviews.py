import datetime as dt

import factory
from django.utils import timezone

from apps.bookings.models import BookingStatus
from apps.reviews.models import AuthorRole, Review
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
    author_role = AuthorRole.GUEST
    rating = 5
    comment = factory.Faker("sentence")
    # A published review (as if the other side had written): tests arrange data as a system
    # actor, whose publication the database keeps. `published_at=None` for a blind one.
    published_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        review = super()._create(model_class, *args, **kwargs)
        # The database sets the author, subject and window (reviews_derive_columns).
        review.refresh_from_db(fields=["author", "subject", "window_closes_on", "published_at"])
        return review
