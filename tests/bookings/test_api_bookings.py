import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from apps.bookings.errors import BookingConflict
from apps.bookings.models import Booking, BookingStatus
from apps.bookings.services import booking_complete_past, booking_create
from apps.core.context import DbContext, db_context
from apps.core.models import IdempotencyKey
from apps.core.soft_delete import soft_delete
from apps.listings.models import ListingStatus
from tests.factories import BookingFactory, ListingFactory, UserFactory
from tests.helpers import client_for, error, ids, three_rows_in_both_page_modes

pytestmark = pytest.mark.django_db
URL = "/api/v1/bookings/"
TODAY = timezone.localdate()


def days(n: int) -> str:
    return (TODAY + dt.timedelta(days=n)).isoformat()


def payload(listing, start=10, nights=3, guests=2) -> dict:
    return {
        "listing": listing.pk,
        "check_in": days(start),
        "check_out": days(start + nights),
        "guests": guests,
    }


# --- create ------------------------------------------------------------------------------


def test_a_guest_books_a_published_listing_pending_at_its_price_and_in_its_tenant():
    listing = ListingFactory(price_cents=12_500, currency="USD", max_guests=4)
    guest = UserFactory()

    response = client_for(guest).post(URL, payload(listing, nights=3, guests=4), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["listing"] == {"id": listing.pk, "title": listing.title}
    assert body["guest"] == {"id": guest.pk, "name": guest.name}
    assert (body["status"], body["nights"], body["guests"]) == ("pending", 3, 4)
    assert (body["total_cents"], body["currency"]) == (37_500, "USD")
    booking = Booking.objects.get(pk=body["id"])
    assert (booking.guest_id, booking.tenant_id) == (guest.pk, listing.tenant_id)


def test_an_overlap_with_someone_elses_booking_answers_409_booking_conflict():
    listing = ListingFactory()
    BookingFactory(listing=listing, check_in=TODAY + dt.timedelta(days=10),
                   check_out=TODAY + dt.timedelta(days=13), status="pending")  # fmt: skip
    client = client_for(UserFactory())

    conflict = client.post(URL, payload(listing, start=12, nights=5), format="json")
    back_to_back = client.post(URL, payload(listing, start=13, nights=2), format="json")

    assert error(conflict, 409, "booking_conflict") == {}
    assert back_to_back.status_code == 201  # check-out day = next check-in day: no overlap
    assert Booking.objects.filter(listing=listing).count() == 2


def test_the_conflict_leaves_the_callers_transaction_usable():
    taken = BookingFactory(status="confirmed")

    with pytest.raises(BookingConflict):
        booking_create(listing_id=taken.listing_id, check_in=taken.check_in,
                       check_out=taken.check_out, guests=1, actor=UserFactory())  # fmt: skip

    assert Booking.objects.count() == 1  # no "current transaction is aborted"


@pytest.mark.parametrize("status", ["declined", "cancelled"])
def test_declined_and_cancelled_bookings_free_their_nights(status):
    old = BookingFactory(status=status)

    response = client_for(UserFactory()).post(
        URL,
        {"listing": old.listing_id, "check_in": old.check_in.isoformat(),
         "check_out": old.check_out.isoformat(), "guests": 1},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"check_in": days(0), "check_out": days(1)}, 201, None),
        ({"check_in": days(-1), "check_out": days(2)}, 400, "check_in"),
        ({"check_in": days(10), "check_out": days(10)}, 400, "check_out"),
        ({"check_in": days(10), "check_out": days(9)}, 400, "check_out"),
        ({"check_in": days(1), "check_out": days(1 + 90)}, 201, None),
        ({"check_in": days(1), "check_out": days(1 + 91)}, 400, "check_out"),
        ({"guests": 4}, 201, None),
        ({"guests": 5}, 400, "guests"),
        ({"guests": 0}, 400, "guests"),
        ({"listing": 999_999}, 400, "listing"),
        ({"listing": "abc"}, 400, "listing"),
        ({"check_in": "2030-02-30"}, 400, "check_in"),
        ({"total_cents": 1}, 400, "total_cents"),
        ({"status": "confirmed"}, 400, "status"),
        ({"guest": 1}, 400, "guest"),
    ],
)
def test_create_validation_bounds(change, status, field):
    listing = ListingFactory(max_guests=4)

    response = client_for(UserFactory()).post(URL, {**payload(listing), **change}, format="json")

    if status == 201:
        assert response.status_code == 201, response.json()
    else:
        assert field in error(response, 400, "invalid")
        assert not Booking.objects.exists()


def test_every_invalid_field_is_reported_at_once():
    listing = ListingFactory(max_guests=2)
    data = {"listing": listing.pk, "check_in": days(-3), "check_out": days(-5), "guests": 3}

    fields = error(client_for(UserFactory()).post(URL, data, format="json"), 400, "invalid")

    assert set(fields) == {"check_in", "check_out", "guests"}


def test_missing_fields_answer_400_and_guests_defaults_to_1():
    listing = ListingFactory()
    client = client_for(UserFactory())

    assert set(error(client.post(URL, {}, format="json"), 400, "invalid")) == {
        "listing", "check_in", "check_out",
    }  # fmt: skip
    data = payload(listing)
    del data["guests"]
    assert client.post(URL, data, format="json").json()["guests"] == 1


def test_the_maximum_stay_comes_from_settings(settings):
    settings.BOOKING_MAX_NIGHTS = 5
    listing = ListingFactory()
    client = client_for(UserFactory())

    too_long = client.post(URL, payload(listing, nights=6), format="json")
    longest = client.post(URL, payload(listing, nights=5), format="json")

    assert "5 nights" in error(too_long, 400, "invalid")["check_out"][0]
    assert longest.status_code == 201


@pytest.mark.parametrize(
    "listing_kwargs",
    [{"status": ListingStatus.DRAFT}, {"is_active": False}, {}],
    ids=["draft", "inactive", "deleted"],
)
def test_only_published_active_listings_can_be_booked(listing_kwargs):
    listing = ListingFactory(**listing_kwargs)
    if not listing_kwargs:
        soft_delete(listing, listing.owner)

    response = client_for(UserFactory()).post(URL, payload(listing), format="json")

    assert "listing" in error(response, 400, "invalid")


def test_create_permissions_anonymous_owner_staff():
    listing = ListingFactory()

    error(client_for().post(URL, payload(listing), format="json"), 401, "not_authenticated")
    error(
        client_for(listing.owner).post(URL, payload(listing), format="json"), 403,
        "permission_denied",
    )  # fmt: skip
    staff = UserFactory(staff=True)
    response = client_for(staff).post(URL, payload(listing), format="json")
    assert response.status_code == 201 and response.json()["guest"]["id"] == staff.pk
    assert Booking.objects.count() == 1


# --- idempotency ---------------------------------------------------------------------------


def test_a_retry_with_the_same_idempotency_key_replays_the_first_booking():
    listing, guest = ListingFactory(), UserFactory()
    client = client_for(guest)

    first = client.post(URL, payload(listing), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    retry = client.post(URL, payload(listing), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == retry.status_code == 201
    assert first.json() == retry.json()
    assert retry["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert Booking.objects.count() == 1


def test_the_same_key_with_another_body_answers_422():
    listing, guest = ListingFactory(), UserFactory()
    client = client_for(guest)
    client.post(URL, payload(listing), format="json", HTTP_IDEMPOTENCY_KEY="k-2")

    response = client.post(
        URL, payload(listing, start=40), format="json", HTTP_IDEMPOTENCY_KEY="k-2"
    )

    error(response, 422, "idempotency_key_reused")
    assert Booking.objects.count() == 1


def test_keys_are_scoped_to_their_user_and_failures_are_not_kept():
    listing = ListingFactory()
    alice, bob = client_for(UserFactory()), client_for(UserFactory())

    first = alice.post(URL, payload(listing), format="json", HTTP_IDEMPOTENCY_KEY="same")
    # Bob's "same" key is his own: his request runs (and meets Alice's nights).
    conflict = bob.post(URL, payload(listing), format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert first.status_code == 201
    error(conflict, 409, "booking_conflict")
    assert IdempotencyKey.objects.count() == 1  # the failed request kept nothing
    # ... so Bob may retry with the same key and other dates.
    moved = bob.post(URL, payload(listing, start=30), format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert moved.status_code == 201 and moved.json()["id"] != first.json()["id"]


# --- list ----------------------------------------------------------------------------------


def test_guests_list_their_stays_and_hosts_the_bookings_of_their_listings():
    mine = BookingFactory()
    BookingFactory()  # someone else's
    guest, host = client_for(mine.guest), client_for(mine.listing.owner)

    assert ids(guest.get(URL)) == [mine.pk]
    assert ids(guest.get(f"{URL}?role=guest")) == [mine.pk]
    assert ids(host.get(f"{URL}?role=host")) == [mine.pk]
    assert ids(host.get(URL)) == []  # the host booked nothing themself
    assert ids(guest.get(f"{URL}?role=host")) == []
    assert ids(client_for(UserFactory()).get(f"{URL}?role=host")) == []
    assert ids(client_for(UserFactory(staff=True)).get(URL)) == []  # staff: their own only
    error(client_for().get(URL), 401, "not_authenticated")
    assert "role" in error(guest.get(f"{URL}?role=admin"), 400, "invalid")


def test_list_filters_status_and_dates_overlapping_the_stay():
    guest = UserFactory()
    d = TODAY + dt.timedelta(days=30)

    def stay(start, end, status="confirmed"):
        return BookingFactory(guest=guest, status=status, check_in=d + dt.timedelta(days=start),
                              check_out=d + dt.timedelta(days=end))  # fmt: skip

    early, middle, late = stay(0, 5), stay(5, 10, "pending"), stay(10, 20, "cancelled")
    client = client_for(guest)

    def query(params):
        return set(ids(client.get(f"{URL}?{params}")))

    assert query("status=pending") == {middle.pk}
    assert query("status=pending&status=cancelled") == {middle.pk, late.pk}
    on = (d + dt.timedelta(days=5)).isoformat()
    # [from, to) overlaps stays with check_in < to and check_out > from.
    assert query(f"from={on}") == {middle.pk, late.pk}
    assert query(f"to={on}") == {early.pk}
    assert query(f"from={d.isoformat()}&to={(d + dt.timedelta(days=6)).isoformat()}") == {
        early.pk, middle.pk,
    }  # fmt: skip
    assert query(f"from={(d + dt.timedelta(days=12)).isoformat()}&status=cancelled") == {late.pk}
    assert "to" in error(client.get(f"{URL}?from={on}&to={on}"), 400, "invalid")
    assert "from" in error(client.get(f"{URL}?from=soon"), 400, "invalid")
    assert "status" in error(client.get(f"{URL}?status=lost"), 400, "invalid")


def test_a_guest_keeps_their_booking_when_the_listing_is_unpublished():
    booking = BookingFactory(status="confirmed")
    booking.listing.status = ListingStatus.DRAFT
    booking.listing.save(update_fields=["status"])
    guest = client_for(booking.guest)

    listed = guest.get(URL).json()["results"]
    detail = guest.get(f"{URL}{booking.pk}/")
    cancelled = guest.post(f"{URL}{booking.pk}/cancel/")

    assert [b["listing"] for b in listed] == [{"id": booking.listing_id, "title": None}]
    assert detail.status_code == 200 and detail.json()["listing"]["title"] is None
    assert cancelled.json()["status"] == "cancelled"
    host_view = client_for(booking.listing.owner).get(f"{URL}{booking.pk}/").json()
    assert host_view["listing"]["title"] == booking.listing.title


def test_both_pagination_modes():
    guest = UserFactory()
    bookings = [BookingFactory(guest=guest) for _ in range(3)]
    client = client_for(guest)

    rest = three_rows_in_both_page_modes(client, URL, [b.pk for b in reversed(bookings)])
    assert rest["next"] is None
    error(client.get(f"{URL}?page=9"), 404, "not_found")


# --- detail and transitions ----------------------------------------------------------------


def test_a_booking_is_seen_by_its_guest_its_host_and_staff_only():
    booking = BookingFactory()
    url = f"{URL}{booking.pk}/"

    error(client_for().get(url), 401, "not_authenticated")
    assert client_for(booking.guest).get(url).json()["id"] == booking.pk
    assert client_for(booking.listing.owner).get(url).json()["id"] == booking.pk
    assert client_for(UserFactory(staff=True)).get(url).status_code == 200
    error(client_for(UserFactory()).get(url), 404, "not_found")
    error(client_for(booking.guest).get(f"{URL}999999999/"), 404, "not_found")
    error(client_for(booking.guest).get(f"{URL}abc/"), 404, "not_found")


@pytest.mark.parametrize("action", ["confirm", "decline", "cancel"])
def test_transitions_of_an_invisible_booking_are_404_not_403(action):
    booking = BookingFactory(status="pending")

    error(client_for(UserFactory()).post(f"{URL}{booking.pk}/{action}/"), 404, "not_found")
    error(client_for().post(f"{URL}{booking.pk}/{action}/"), 401, "not_authenticated")
    assert Booking.objects.get(pk=booking.pk).status == "pending"


@pytest.mark.parametrize(("action", "result"), [("confirm", "confirmed"), ("decline", "declined")])
def test_only_the_host_confirms_or_declines_a_pending_booking(action, result):
    booking = BookingFactory(status="pending")
    url = f"{URL}{booking.pk}/{action}/"

    error(client_for(booking.guest).post(url), 403, "permission_denied")
    error(client_for(UserFactory(staff=True)).post(url), 403, "permission_denied")
    response = client_for(booking.listing.owner).post(url)
    again = client_for(booking.listing.owner).post(url)

    assert response.status_code == 200 and response.json()["status"] == result
    error(again, 409, "invalid_transition")
    assert Booking.objects.get(pk=booking.pk).status == result


@pytest.mark.parametrize("status", ["confirmed", "declined", "cancelled", "completed"])
def test_confirm_and_decline_need_a_pending_booking(status):
    booking = BookingFactory(status=status)
    host = client_for(booking.listing.owner)

    error(host.post(f"{URL}{booking.pk}/confirm/"), 409, "invalid_transition")
    error(host.post(f"{URL}{booking.pk}/decline/"), 409, "invalid_transition")
    assert Booking.objects.get(pk=booking.pk).status == status


@pytest.mark.parametrize(
    ("party", "status", "expected"),
    [
        ("guest", "pending", 200),
        ("guest", "confirmed", 200),
        ("host", "pending", 200),
        ("host", "confirmed", 200),
        ("guest", "declined", 409),
        ("host", "cancelled", 409),
        ("guest", "completed", 409),
    ],
)
def test_either_party_cancels_a_pending_or_confirmed_booking(party, status, expected):
    booking = BookingFactory(status=status)
    actor = booking.guest if party == "guest" else booking.listing.owner

    response = client_for(actor).post(
        f"{URL}{booking.pk}/cancel/", {"reason": "  Plans changed  "}, format="json"
    )

    if expected == 200:
        assert response.status_code == 200
        assert response.json()["status"] == "cancelled"
        assert response.json()["cancellation_reason"] == "Plans changed"
    else:
        error(response, 409, "invalid_transition")
        assert Booking.objects.get(pk=booking.pk).status == status


def test_cancel_needs_no_reason_and_validates_the_body():
    booking = BookingFactory(status="confirmed")
    guest = client_for(booking.guest)
    url = f"{URL}{booking.pk}/cancel/"

    assert "reason" in error(guest.post(url, {"reason": "x" * 2001}, format="json"), 400, "invalid")
    assert "status" in error(guest.post(url, {"status": "x"}, format="json"), 400, "invalid")
    response = guest.post(url)
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancellation_reason"] == ""


def test_staff_cancel_through_the_api_only_with_the_cancel_permission():
    booking = BookingFactory(status="confirmed")
    staff = UserFactory(staff=True)
    url = f"{URL}{booking.pk}/cancel/"

    error(client_for(staff).post(url), 403, "permission_denied")
    staff.user_permissions.add(Permission.objects.get(codename="cancel_booking"))
    assert client_for(staff).post(url, {"reason": "Fraud"}, format="json").status_code == 200


# --- completing past stays (the service behind the cron) -----------------------------------


def test_confirmed_stays_become_completed_from_their_check_out_day():
    def stay(status, check_out):
        return BookingFactory(status=status, check_out=check_out,
                              check_in=check_out - dt.timedelta(days=2))  # fmt: skip

    ended = stay("confirmed", TODAY - dt.timedelta(days=1))
    leaving_today = stay("confirmed", TODAY)
    ongoing = stay("confirmed", TODAY + dt.timedelta(days=1))
    never_confirmed = stay("pending", TODAY - dt.timedelta(days=3))

    # Completion is complete_bookings' own move (bookings.0004): its command's context.
    with db_context(DbContext.for_command("complete_bookings")):
        assert booking_complete_past(today=TODAY) == 2
        assert booking_complete_past(today=TODAY) == 0  # idempotent

        status = dict(Booking.objects.values_list("pk", "status"))
        assert status[ended.pk] == status[leaving_today.pk] == BookingStatus.COMPLETED
        assert status[ongoing.pk] == BookingStatus.CONFIRMED
        assert status[never_confirmed.pk] == BookingStatus.PENDING
        assert booking_complete_past(today=TODAY + dt.timedelta(days=1)) == 1
