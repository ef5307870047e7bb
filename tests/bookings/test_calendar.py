"""A listing's calendar as its host and its guests meet it through the API: blocks, the nights
they and the bookings hold, preparation nights between stays, and the host's stay rules."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission

from apps.bookings.models import CalendarEntry
from apps.core import dates
from apps.core.context import DbContext, db_context
from tests.factories import BookingFactory, ListingFactory, UserFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db
TODAY = dates.today()


def day(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def blocks_url(listing) -> str:
    return f"/api/v1/listings/{listing.pk}/blocks/"


def block(listing, start: int, end: int, note: str = ""):
    return client_for(listing.owner).post(
        blocks_url(listing),
        {"start": day(start).isoformat(), "end": day(end).isoformat(), "note": note},
        format="json",
    )


def book(listing, start: int, nights: int, guest=None):
    return client_for(guest or UserFactory()).post(
        "/api/v1/bookings/",
        {
            "listing": listing.pk,
            "check_in": day(start).isoformat(),
            "check_out": day(start + nights).isoformat(),
            "guests": 1,
        },
        format="json",
    )


def availability(listing, user=None, start: int = 0, end: int = 60) -> dict:
    response = client_for(user).get(
        f"/api/v1/listings/{listing.pk}/availability/"
        f"?from={day(start).isoformat()}&to={day(end).isoformat()}"
    )
    assert response.status_code == 200, response.content
    return response.json()


def ranges(*pairs) -> list[dict]:
    return [{"start": day(a).isoformat(), "end": day(b).isoformat()} for a, b in pairs]


def entries(listing) -> list[tuple]:
    with db_context(DbContext.system("tests")):
        return list(
            CalendarEntry.objects.filter(listing=listing)
            .order_by("start_date")
            .values_list("kind", "start_date", "end_date", "turnover_end")
        )


# --- blocks --------------------------------------------------------------------------------


def test_a_host_blocks_nights_lists_them_and_lifts_them():
    listing = ListingFactory()

    created = block(listing, 10, 14, note="  Painting the bedroom  ")

    assert created.status_code == 201, created.content
    body = created.json()
    assert {k: body[k] for k in ("start", "end", "note")} == {
        "start": day(10).isoformat(),
        "end": day(14).isoformat(),
        "note": "Painting the bedroom",
    }
    listed = client_for(listing.owner).get(blocks_url(listing)).json()["results"]
    assert [b["id"] for b in listed] == [body["id"]]
    assert entries(listing) == [("block", day(10), day(14), day(14))]

    lifted = client_for(listing.owner).delete(f"{blocks_url(listing)}{body['id']}/")

    assert lifted.status_code == 204
    assert entries(listing) == []


def test_guests_see_blocked_nights_as_unavailable_never_the_block():
    listing = ListingFactory()
    assert block(listing, 5, 8, note="family visit").status_code == 201
    guest = UserFactory()

    seen = availability(listing, guest)

    assert seen["unavailable"] == ranges((5, 8))
    assert "family visit" not in str(seen)
    # The blocks themselves are the host's: 403 to whoever else sees the listing.
    assert client_for(guest).get(blocks_url(listing)).status_code == 403
    assert client_for().get(blocks_url(listing)).status_code == 401
    with db_context(DbContext().with_user(guest)):
        assert CalendarEntry.objects.filter(listing=listing).count() == 0


def test_only_the_host_or_staff_holding_change_listing_lay_blocks():
    listing = ListingFactory()
    stranger = UserFactory()
    staff = UserFactory(staff=True)

    refused = client_for(stranger).post(
        blocks_url(listing),
        {"start": day(3).isoformat(), "end": day(5).isoformat()},
        format="json",
    )
    staff_without = client_for(staff).post(
        blocks_url(listing),
        {"start": day(3).isoformat(), "end": day(5).isoformat()},
        format="json",
    )
    staff.user_permissions.add(Permission.objects.get(codename="change_listing"))
    staff_with = client_for(staff).post(
        blocks_url(listing),
        {"start": day(3).isoformat(), "end": day(5).isoformat()},
        format="json",
    )

    assert refused.status_code == 403
    assert staff_without.status_code == 403
    assert staff_with.status_code == 201, staff_with.content
    unseen = ListingFactory(draft=True)
    assert client_for(stranger).get(blocks_url(unseen)).status_code == 404


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [(-1, 3, "start"), (5, 5, "end"), (5, 4, "end"), (1, dates.HORIZON_DAYS + 1, "end")],
)
def test_a_block_of_no_nights_or_of_past_or_too_far_nights_is_a_400_naming_the_field(
    start, end, field
):
    listing = ListingFactory()

    response = block(listing, start, end)

    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert entries(listing) == []


def test_a_block_over_a_confirmed_or_pending_stay_is_a_409_and_changes_nothing():
    listing = ListingFactory()
    BookingFactory(listing=listing, check_in=day(10), check_out=day(13), status="confirmed")
    BookingFactory(listing=listing, check_in=day(20), check_out=day(22), status="pending")

    over_confirmed = block(listing, 12, 15)
    over_pending = block(listing, 18, 21)

    for response in (over_confirmed, over_pending):
        assert response.status_code == 409, response.content
        assert response.json()["error"]["code"] == "dates_unavailable"
    assert [kind for kind, *_ in entries(listing)] == ["booking", "booking"]
    # Touching is not overlapping: the check-out day is free.
    assert block(listing, 13, 15).status_code == 201
    # Nights freed by a cancelled stay can be blocked.
    BookingFactory(listing=listing, check_in=day(30), check_out=day(32), status="cancelled")
    assert block(listing, 30, 32).status_code == 201


def test_a_stay_over_blocked_nights_is_a_409_until_the_block_is_lifted():
    listing = ListingFactory()
    laid = block(listing, 10, 12).json()

    refused = book(listing, 11, 3)
    client_for(listing.owner).delete(f"{blocks_url(listing)}{laid['id']}/")
    booked = book(listing, 11, 3)

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "booking_conflict"
    assert booked.status_code == 201, booked.content


def test_a_bookings_nights_leave_the_calendar_when_it_stops_holding_them():
    listing = ListingFactory()
    response = book(listing, 10, 3)
    booking_id = response.json()["id"]
    assert [kind for kind, *_ in entries(listing)] == ["booking"]

    declined = client_for(listing.owner).post(f"/api/v1/bookings/{booking_id}/decline/")

    assert declined.status_code == 200, declined.content
    assert entries(listing) == []
    assert availability(listing)["unavailable"] == []
    assert book(listing, 10, 3).status_code == 201


def test_availability_merges_bookings_and_blocks_and_clips_to_the_asked_range():
    listing = ListingFactory()
    BookingFactory(listing=listing, check_in=day(10), check_out=day(13))
    assert block(listing, 13, 16).status_code == 201
    assert block(listing, 40, 80).status_code == 201

    assert availability(listing, start=0, end=60)["unavailable"] == ranges((10, 16), (40, 60))
    assert availability(listing, start=11, end=12)["unavailable"] == ranges((11, 12))


# --- preparation nights -------------------------------------------------------------------


def test_preparation_nights_are_kept_free_after_and_before_each_stay():
    listing = ListingFactory(preparation_days=2)
    assert book(listing, 10, 3).status_code == 201  # nights 10-12, leaves on 13

    # After: 13 and 14 are kept for preparation; the next stay arrives on 15 at the earliest.
    assert book(listing, 13, 2).status_code == 409
    assert book(listing, 14, 2).status_code == 409
    assert book(listing, 15, 2).status_code == 201
    # Before: a stay leaving on 9 leaves one night only (9) before the arrival on 10.
    assert book(listing, 6, 3).status_code == 409
    assert book(listing, 5, 3).status_code == 201  # leaves on 8: nights 8 and 9 kept

    assert availability(listing, start=0, end=30)["unavailable"] == ranges((3, 19))
    assert [(k, s, e, t) for k, s, e, t in entries(listing)] == [
        ("booking", day(5), day(8), day(10)),
        ("booking", day(10), day(13), day(15)),
        ("booking", day(15), day(17), day(19)),
    ]


def test_a_block_may_cover_a_stays_preparation_nights():
    listing = ListingFactory(preparation_days=2)
    assert book(listing, 10, 3).status_code == 201

    assert block(listing, 13, 15).status_code == 201
    assert block(listing, 8, 10).status_code == 201


def test_a_stay_keeps_the_preparation_nights_it_was_booked_with():
    listing = ListingFactory(preparation_days=1)
    assert book(listing, 10, 3).status_code == 201
    listing.preparation_days = 0
    with db_context(DbContext.system("tests")):
        listing.save(update_fields=["preparation_days"])

    assert book(listing, 13, 2).status_code == 409  # the stay's own preparation night
    assert book(listing, 14, 2).status_code == 201


# --- the host's stay rules ----------------------------------------------------------------


def quote(listing, start: int, nights: int) -> dict:
    response = client_for(UserFactory()).get(
        f"/api/v1/listings/{listing.pk}/quote/"
        f"?check_in={day(start).isoformat()}&check_out={day(start + nights).isoformat()}"
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize(
    ("rules", "start", "nights", "code", "field"),
    [
        ({"min_nights": 3}, 10, 2, "min_nights", "check_out"),
        ({"max_nights": 5}, 10, 6, "stay_too_long", "check_out"),
        ({"advance_notice_days": 3}, 2, 2, "advance_notice", "check_in"),
        ({"booking_window_days": 30}, 31, 2, "check_in_too_far", "check_in"),
    ],
)
def test_a_stay_outside_the_hosts_rules_is_quoted_unbookable_and_refused(
    rules, start, nights, code, field
):
    listing = ListingFactory(**rules)

    quoted = quote(listing, start, nights)
    refused = book(listing, start, nights)

    assert quoted["bookable"] is False
    assert [(p["code"], p["field"]) for p in quoted["problems"]] == [(code, field)]
    assert refused.status_code == 400, refused.content
    assert field in refused.json()["error"]["fields"]
    assert entries(listing) == []


@pytest.mark.parametrize(
    ("rules", "start", "nights"),
    [
        ({"min_nights": 3}, 10, 3),
        ({"max_nights": 5}, 10, 5),
        ({"advance_notice_days": 3}, 3, 2),
        ({"booking_window_days": 30}, 30, 2),
    ],
)
def test_a_stay_on_the_edge_of_the_hosts_rules_is_bookable(rules, start, nights):
    listing = ListingFactory(**rules)

    assert quote(listing, start, nights)["bookable"] is True
    assert book(listing, start, nights).status_code == 201


def test_the_quote_reports_unavailable_dates_without_saying_whose():
    listing = ListingFactory(preparation_days=1)
    BookingFactory(listing=listing, check_in=day(10), check_out=day(13))
    assert block(listing, 20, 22).status_code == 201

    for start, nights in ((11, 2), (13, 2), (8, 2), (21, 3)):
        problems = quote(listing, start, nights)["problems"]
        assert [p["code"] for p in problems] == ["dates_unavailable"], (start, problems)
    assert quote(listing, 14, 2)["bookable"] is True


def test_availability_tells_the_stay_rules_of_today():
    listing = ListingFactory(
        min_nights=2, max_nights=14, advance_notice_days=1, booking_window_days=90
    )

    seen = availability(listing)

    assert {k: seen[k] for k in ("min_nights", "max_nights")} == {"min_nights": 2, "max_nights": 14}
    assert seen["earliest_check_in"] == day(1).isoformat()
    assert seen["latest_check_in"] == day(90).isoformat()


def test_a_host_sets_the_stay_rules_through_the_listing_api_and_guests_read_them():
    listing = ListingFactory()
    url = f"/api/v1/listings/{listing.pk}/"
    rules = {
        "min_nights": 2,
        "max_nights": 21,
        "advance_notice_days": 1,
        "preparation_days": 1,
        "booking_window_days": 180,
    }

    updated = client_for(listing.owner).patch(url, rules, format="json")
    inverted = client_for(listing.owner).patch(url, {"max_nights": 1}, format="json")

    assert updated.status_code == 200, updated.content
    assert {k: updated.json()[k] for k in rules} == rules
    assert inverted.status_code == 400
    assert "max_nights" in inverted.json()["error"]["fields"]
    seen = client_for(UserFactory()).get(url).json()
    assert {k: seen[k] for k in rules} == rules
