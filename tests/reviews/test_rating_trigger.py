import pytest
from django.db import connection

from apps.listings.models import Listing
from apps.reviews.models import Review
from tests.factories import BookingFactory, ListingFactory, ReviewFactory

pytestmark = pytest.mark.django_db


def summary(listing):
    listing = Listing.all_objects.get(pk=listing.pk)
    return listing.review_count, listing.rating_avg


def test_the_listing_rating_follows_its_visible_reviews():
    listing = ListingFactory()
    first = ReviewFactory(booking=BookingFactory(listing=listing, status="completed"), rating=5)
    ReviewFactory(booking=BookingFactory(listing=listing, status="completed"), rating=2)
    assert summary(listing) == (2, 3.5)

    Review.objects.filter(pk=first.pk).update(is_hidden=True, hidden_reason="Spam")
    assert summary(listing) == (1, 2)

    with connection.cursor() as cursor:
        cursor.execute("UPDATE reviews SET rating = 4 WHERE listing_id = %s", [listing.pk])
    assert summary(listing) == (1, 4)

    Review.objects.filter(listing=listing).delete()
    assert summary(listing) == (0, None)
