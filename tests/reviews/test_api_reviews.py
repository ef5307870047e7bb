import datetime as dt

import pytest
from django.utils import timezone

from apps.bookings.models import Booking
from apps.listings.models import ListingStatus
from apps.reviews.models import Review
from tests.factories import (
    BookingFactory,
    ListingFactory,
    ReviewFactory,
    TenantFactory,
    UserFactory,
)
from tests.helpers import client_for, error, ids, three_rows_in_both_page_modes

pytestmark = pytest.mark.django_db
URL = "/api/v1/reviews/"
TODAY = timezone.localdate()


def stay(status="completed", check_out_in_days=-2, **kwargs) -> Booking:
    check_out = TODAY + dt.timedelta(days=check_out_in_days)
    return BookingFactory(
        status=status, check_in=check_out - dt.timedelta(days=3), check_out=check_out, **kwargs
    )


# --- create ------------------------------------------------------------------------------


def test_the_guest_reviews_a_finished_stay_once():
    booking = stay()
    guest = client_for(booking.guest)
    photos = ["https://img.example.com/a.jpg", "http://img.example.com/b.jpg"]

    created = guest.post(
        URL, {"booking": booking.pk, "rating": 4, "comment": "Lovely", "photos": photos},
        format="json",
    )  # fmt: skip
    again = guest.post(URL, {"booking": booking.pk, "rating": 5}, format="json")

    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["listing"], body["rating"], body["comment"], body["photos"]) == (
        booking.listing_id, 4, "Lovely", photos,
    )  # fmt: skip
    assert body["is_hidden"] is False
    assert (body["author_role"], body["published_at"]) == ("guest", None)  # blind until the host
    error(again, 409, "review_exists")
    review = Review.objects.get(booking=booking)
    assert (review.listing_id, review.tenant_id) == (booking.listing_id, booking.tenant_id)


def test_a_hidden_review_still_counts_as_the_bookings_review():
    review = ReviewFactory(is_hidden=True, hidden_reason="Spam")

    response = client_for(review.booking.guest).post(
        URL, {"booking": review.booking_id, "rating": 5}, format="json"
    )

    error(response, 409, "review_exists")


@pytest.mark.parametrize(
    ("status", "check_out_in_days", "expected"),
    [
        ("completed", -2, 201),
        ("confirmed", -2, 201),
        ("confirmed", 0, 201),  # reviews open on the check-out day
        ("confirmed", 1, 400),
        ("pending", -2, 400),
        ("declined", -2, 400),
        ("cancelled", -2, 400),
    ],
)
def test_only_after_check_out_of_a_confirmed_or_completed_stay(status, check_out_in_days, expected):
    booking = stay(status=status, check_out_in_days=check_out_in_days)

    response = client_for(booking.guest).post(
        URL, {"booking": booking.pk, "rating": 5}, format="json"
    )

    if expected == 201:
        assert response.status_code == 201
    else:
        assert "booking" in error(response, 400, "invalid")
        assert not Review.objects.exists()


def test_create_permissions_404_for_the_unseen_403_for_staff():
    """The host reviews too now, the guest (tests/reviews/test_double_blind.py)."""
    booking = stay()
    data = {"booking": booking.pk, "rating": 1}

    error(client_for().post(URL, data, format="json"), 401, "not_authenticated")
    error(client_for(UserFactory()).post(URL, data, format="json"), 404, "not_found")
    error(
        client_for(UserFactory(staff=True)).post(URL, data, format="json"), 403,
        "permission_denied",
    )  # fmt: skip
    error(
        client_for(booking.guest).post(URL, {**data, "booking": 999_999}, format="json"), 404,
        "not_found",
    )  # fmt: skip
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "valid"),
    [
        ("rating", 1, True),
        ("rating", 5, True),
        ("rating", 0, False),
        ("rating", 6, False),
        ("rating", "five", False),
        ("comment", "x" * 2000, True),
        ("comment", "x" * 2001, False),
        ("comment", None, True),
        ("photos", [f"https://img.example.com/{i}.jpg" for i in range(20)], True),
        ("photos", [f"https://img.example.com/{i}.jpg" for i in range(21)], False),
        ("photos", ["javascript:alert(1)"], False),
        ("photos", ["ftp://img.example.com/a.jpg"], False),
        ("photos", "https://img.example.com/a.jpg", False),
        ("listing", 3, False),
        ("is_hidden", True, False),
    ],
)
def test_review_validation_bounds(field, value, valid):
    booking = stay()

    response = client_for(booking.guest).post(
        URL, {"booking": booking.pk, "rating": 5, field: value}, format="json"
    )

    if valid:
        assert response.status_code == 201, response.json()
    else:
        assert field in error(response, 400, "invalid")


def test_booking_and_rating_are_required():
    booking = stay()

    fields = error(client_for(booking.guest).post(URL, {}, format="json"), 400, "invalid")

    assert set(fields) == {"booking", "rating"}


# --- edit --------------------------------------------------------------------------------


def test_the_author_edits_rating_comment_and_photos():
    review = ReviewFactory(rating=3, comment="ok", published_at=None)  # blind: still theirs
    url = f"{URL}{review.pk}/"

    response = client_for(review.booking.guest).patch(
        url, {"rating": 5, "comment": None, "photos": ["https://img.example.com/x.jpg"]},
        format="json",
    )  # fmt: skip

    assert response.status_code == 200
    assert (response.json()["rating"], response.json()["comment"]) == (5, None)
    review.refresh_from_db()
    assert (review.rating, review.comment, review.photos) == (
        5, None, ["https://img.example.com/x.jpg"],
    )  # fmt: skip


def test_edit_permissions_403_when_visible_404_when_not():
    review = ReviewFactory(rating=3)
    hidden = ReviewFactory(is_hidden=True, hidden_reason="Spam", rating=3, published_at=None)

    def patch(user, target):
        return client_for(user).patch(f"{URL}{target.pk}/", {"rating": 1}, format="json")

    error(patch(None, review), 401, "not_authenticated")
    error(patch(review.listing.owner, review), 403, "permission_denied")
    error(patch(UserFactory(), review), 403, "permission_denied")
    error(patch(UserFactory(staff=True), review), 403, "permission_denied")
    error(patch(UserFactory(), hidden), 404, "not_found")
    assert patch(hidden.booking.guest, hidden).status_code == 200  # the author still may
    assert Review.objects.get(pk=review.pk).rating == 3


@pytest.mark.parametrize(
    "data",
    [{"rating": 6}, {"rating": 0}, {"comment": "x" * 2001}, {"booking": 1}, {"is_hidden": False}],
)
def test_edit_validation(data):
    review = ReviewFactory(rating=3)

    fields = error(
        client_for(review.booking.guest).patch(f"{URL}{review.pk}/", data, format="json"), 400,
        "invalid",
    )  # fmt: skip

    assert set(fields) == set(data)


def test_put_and_delete_are_not_offered():
    review = ReviewFactory()
    author = client_for(review.booking.guest)

    error(author.put(f"{URL}{review.pk}/", {"rating": 2}, format="json"), 405,
          "method_not_allowed")  # fmt: skip
    error(author.delete(f"{URL}{review.pk}/"), 405, "method_not_allowed")


# --- read --------------------------------------------------------------------------------


def test_anyone_reads_a_listings_visible_reviews():
    listing = ListingFactory()
    older = ReviewFactory(booking=stay(listing=listing, check_out_in_days=-9))
    newer = ReviewFactory(booking=stay(listing=listing, check_out_in_days=-2))
    ReviewFactory(booking=stay(listing=listing, check_out_in_days=-5), is_hidden=True,
                  hidden_reason="Abuse")  # fmt: skip
    ReviewFactory()  # another listing's

    for user in (None, UserFactory(), listing.owner, UserFactory(staff=True), newer.booking.guest):
        assert ids(client_for(user).get(f"{URL}?listing={listing.pk}")) == [newer.pk, older.pk]


def test_hidden_reviews_are_served_to_their_author_and_staff_only():
    hidden = ReviewFactory(is_hidden=True, hidden_reason="Spam")
    url = f"{URL}{hidden.pk}/"

    error(client_for().get(url), 404, "not_found")
    error(client_for(UserFactory()).get(url), 404, "not_found")
    error(client_for(hidden.listing.owner).get(url), 404, "not_found")
    assert client_for(hidden.booking.guest).get(url).json()["is_hidden"] is True
    assert client_for(UserFactory(staff=True)).get(url).status_code == 200
    assert client_for().get(f"{URL}{ReviewFactory().pk}/").status_code == 200


def test_without_a_listing_the_caller_lists_their_own_reviews():
    mine = ReviewFactory()
    my_hidden = ReviewFactory(booking=stay(guest=mine.booking.guest), is_hidden=True,
                              hidden_reason="Spam")  # fmt: skip
    ReviewFactory()  # someone else's

    assert set(ids(client_for(mine.booking.guest).get(URL))) == {mine.pk, my_hidden.pk}
    assert ids(client_for(UserFactory()).get(URL)) == []
    assert "listing" in error(client_for().get(URL), 400, "invalid")
    assert "listing" in error(client_for().get(f"{URL}?listing=abc"), 400, "invalid")
    assert "listing" in error(client_for().get(f"{URL}?listing=0"), 400, "invalid")


def test_reviews_of_a_listing_the_caller_cannot_see_are_not_served():
    draft_review = ReviewFactory()
    draft_review.listing.status = ListingStatus.DRAFT
    draft_review.listing.save(update_fields=["status"])
    elsewhere = TenantFactory()
    foreign = ReviewFactory(
        booking=stay(listing=ListingFactory(owner=UserFactory(tenant=elsewhere)),
                     guest=UserFactory(tenant=elsewhere))
    )  # fmt: skip

    assert ids(client_for().get(f"{URL}?listing={draft_review.listing_id}")) == []
    assert ids(client_for().get(f"{URL}?listing={foreign.listing_id}")) == []
    error(client_for().get(f"{URL}{foreign.pk}/"), 404, "not_found")


def test_both_pagination_modes():
    listing = ListingFactory()
    reviews = [ReviewFactory(booking=stay(listing=listing, check_out_in_days=-2 - 4 * i))
               for i in range(3)]  # fmt: skip
    client = client_for()

    expected = [r.pk for r in sorted(reviews, key=lambda r: (r.created_at, r.pk), reverse=True)]
    three_rows_in_both_page_modes(client, f"{URL}?listing={listing.pk}", expected)
