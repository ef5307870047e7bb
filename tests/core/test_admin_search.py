"""Admin searches over big tables: a number finds ids, an address finds accounts, each through
an index; what they find is what Django's own search found."""

import pytest
from django.db.models import Q
from django.test import Client
from django.urls import reverse

from apps.bookings.models import Booking
from apps.core.admin_tools import search_condition, search_words
from apps.reviews.models import Review
from tests.factories import BookingFactory, ReviewFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_search_words_split_like_django():
    assert search_words('anne  "jean pierre" \'o"neil\'') == ["anne", "jean pierre", 'o"neil']
    assert search_words("   ") == []
    assert search_words("an\x00ne \x00") == ["anne"]


@pytest.mark.parametrize(
    ("spec", "word", "expected"),
    [
        ("=id", "42", Q(id=42)),
        ("=id", "-7", Q(id=-7)),
        ("=id", "0", Q(id=0)),
        ("=id", "042", None),  # PostgreSQL prints 42: UPPER('42') never equalled '042'
        ("=id", "4e2", None),
        ("=id", "a@b.c", None),
        ("=id", "1" * 20, None),  # more digits than any bigint
        ("=listing__id", "42", Q(listing__id=42)),
        ("=listing", "42", Q(listing=42)),
        ("=guest__email", "Ana@Example.com", Q(guest__email__iexact="Ana@Example.com")),
        ("=guest__email", "42", None),
        ("=status", "pending", Q(status__iexact="pending")),
        ("^guest__name", "an", Q(guest__name__istartswith="an")),
        ("guest__name", "an", Q(guest__name__icontains="an")),
        ("guest__name__exact", "An", Q(guest__name__exact="An")),
    ],
)
def test_each_search_field_asks_what_can_match(spec, word, expected):
    assert search_condition(Booking, spec, word) == expected


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(UserFactory(staff=True, is_superuser=True))
    return client


def found(client, model, term):
    opts = model._meta
    response = client.get(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), {"q": term}
    )
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


def test_bookings_are_found_by_id_listing_id_and_guest_address(staff_client):
    guest = UserFactory(email="Camille@Example.com")
    mine = BookingFactory(guest=guest)
    other = BookingFactory()

    def with_id(number):  # what "=id" OR "=listing__id" means
        return {b.pk for b in (mine, other) if number in (b.pk, b.listing_id)}

    assert found(staff_client, Booking, str(mine.pk)) == with_id(mine.pk) >= {mine.pk}
    assert found(staff_client, Booking, str(other.listing_id)) == with_id(other.listing_id)
    assert other.pk in with_id(other.listing_id)
    assert found(staff_client, Booking, "camille@example.COM") == {mine.pk}
    assert found(staff_client, Booking, "camille") == set()  # an exact address is needed
    both = f"{mine.pk} {other.pk}"  # every word must match
    assert found(staff_client, Booking, both) == with_id(mine.pk) & with_id(other.pk)
    assert found(staff_client, Booking, "99999999999999999999") == set()
    assert found(staff_client, Booking, "9999999999999999999") == set()  # above any bigint


def test_reviews_are_found_by_booking_id(staff_client):
    review = ReviewFactory()
    ReviewFactory()

    assert review.pk in found(staff_client, Review, str(review.booking_id))
    assert found(staff_client, Review, str(review.booking_id)) == {
        r.pk for r in Review.objects.all() if review.booking_id in (r.booking_id, r.listing_id)
    }
    assert found(staff_client, Review, "not-a-number") == set()
