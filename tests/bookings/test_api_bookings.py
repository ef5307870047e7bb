import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.bookings.models import Booking
from apps.core.models import IdempotencyKey
from tests.factories import BookingFactory, ListingFactory, UserFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/bookings/"


def days(n):
    return (timezone.localdate() + dt.timedelta(days=n)).isoformat()


def payload(listing, start=10, nights=3, guests=2):
    return {
        "listing": listing.pk,
        "check_in": days(start),
        "check_out": days(start + nights),
        "guests": guests,
    }


def test_a_guest_books_a_published_listing():
    listing = ListingFactory(price_cents=12_500)
    guest = UserFactory()

    response = client_for(guest).post(URL, payload(listing), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["total_cents"], body["currency"], body["nights"]) == (
        "pending",
        37_500,
        "EUR",
        3,
    )
    assert Booking.objects.get(pk=body["id"]).guest == guest


def test_an_overlap_answers_409_booking_conflict():
    listing = ListingFactory()
    client_for(UserFactory()).post(URL, payload(listing, start=10), format="json")

    response = client_for(UserFactory()).post(URL, payload(listing, start=11), format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "booking_conflict"
    assert Booking.objects.filter(listing=listing).count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"check_in": days(-1)}, "check_in"),
        ({"check_out": days(10)}, "check_out"),
        ({"check_out": days(200)}, "check_out"),
        ({"guests": 9}, "guests"),
        ({"guests": 0}, "guests"),
        ({"listing": 999_999}, "listing"),
        ({"total_cents": 1}, "total_cents"),
        ({"status": "confirmed"}, "status"),
    ],
)
def test_bad_bookings_answer_400_with_the_field(change, field):
    listing = ListingFactory(max_guests=4)

    response = client_for(UserFactory()).post(URL, {**payload(listing), **change}, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"]
    assert not Booking.objects.exists()


def test_owners_cannot_book_their_own_listing_and_drafts_cannot_be_booked():
    listing = ListingFactory()
    assert client_for(listing.owner).post(URL, payload(listing), format="json").status_code == 403
    draft = ListingFactory(draft=True)
    response = client_for(UserFactory()).post(URL, payload(draft), format="json")
    assert response.status_code == 400 and "listing" in response.json()["error"]["fields"]
    assert client_for().post(URL, payload(listing), format="json").status_code in (401, 403)


def test_guests_and_hosts_list_their_own_bookings():
    mine = BookingFactory()
    BookingFactory()  # someone else's

    as_guest = client_for(mine.guest).get(URL).json()["results"]
    as_host = client_for(mine.listing.owner).get(f"{URL}?role=host").json()["results"]

    assert [b["id"] for b in as_guest] == [mine.pk]
    assert [b["id"] for b in as_host] == [mine.pk]
    assert client_for(mine.listing.owner).get(URL).json()["results"] == []
    assert client_for(mine.guest).get(f"{URL}?status=cancelled").json()["results"] == []
    assert client_for(mine.guest).get(f"{URL}?role=admin").status_code == 400


def test_another_users_booking_is_404():
    booking = BookingFactory()
    stranger = client_for(UserFactory())

    assert stranger.get(f"{URL}{booking.pk}/").status_code == 404
    assert stranger.post(f"{URL}{booking.pk}/cancel/").status_code == 404
    assert client_for(booking.guest).get(f"{URL}{booking.pk}/").status_code == 200
    assert client_for(UserFactory(staff=True)).get(f"{URL}{booking.pk}/").status_code == 200


def test_the_host_confirms_or_declines_pending_bookings_only():
    booking = BookingFactory(status="pending")
    host, guest = client_for(booking.listing.owner), client_for(booking.guest)

    assert guest.post(f"{URL}{booking.pk}/confirm/").status_code == 403
    assert host.post(f"{URL}{booking.pk}/confirm/").json()["status"] == "confirmed"
    again = host.post(f"{URL}{booking.pk}/decline/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"


def test_either_party_cancels_with_a_reason():
    booking = BookingFactory(status="confirmed")

    response = client_for(booking.guest).post(
        f"{URL}{booking.pk}/cancel/", {"reason": "Sick"}, format="json"
    )

    assert response.json()["status"] == "cancelled"
    assert Booking.objects.get(pk=booking.pk).cancellation_reason == "Sick"
    assert client_for(booking.listing.owner).post(f"{URL}{booking.pk}/cancel/").status_code == 409


def test_a_retry_with_the_same_idempotency_key_returns_the_first_booking():
    listing, guest = ListingFactory(), UserFactory()
    client = client_for(guest)

    first = client.post(URL, payload(listing), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    retry = client.post(URL, payload(listing), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == retry.status_code == 201
    assert first.json() == retry.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Booking.objects.count() == 1


def test_the_same_key_with_another_body_answers_422():
    listing, guest = ListingFactory(), UserFactory()
    client = client_for(guest)
    client.post(URL, payload(listing), format="json", HTTP_IDEMPOTENCY_KEY="k-2")

    response = client.post(
        URL, payload(listing, start=40), format="json", HTTP_IDEMPOTENCY_KEY="k-2"
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"


def test_keys_are_scoped_to_their_user_and_failures_are_not_kept():
    listing = ListingFactory()
    alice, bob = client_for(UserFactory()), client_for(UserFactory())

    assert (
        alice.post(URL, payload(listing), format="json", HTTP_IDEMPOTENCY_KEY="same").status_code
        == 201
    )
    # Bob's own "same" key is his: it runs his request (which conflicts with Alice's nights).
    conflict = bob.post(URL, payload(listing), format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert conflict.status_code == 409
    assert IdempotencyKey.objects.count() == 1  # the failed request kept nothing
    moved = bob.post(URL, payload(listing, start=30), format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert moved.status_code == 201


def test_a_page_of_1_and_of_100_cost_the_same_queries():
    guest = UserFactory()
    for i in range(100):
        BookingFactory(guest=guest, check_in=dt.date(2031, 1, 1) + dt.timedelta(days=4 * i),
                       check_out=dt.date(2031, 1, 3) + dt.timedelta(days=4 * i))  # fmt: skip
    client = client_for(guest)
    client.get(URL)
    counts = []
    for size in (1, 100):
        with CaptureQueriesContext(connection) as queries:
            assert len(client.get(f"{URL}?page_size={size}").json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
