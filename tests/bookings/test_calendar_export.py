"""A listing's calendar exported as iCalendar (RFC 5545) behind a secret address: what other
platforms polling it read, and what nobody without the address learns."""

import datetime as dt

import icalendar
import pytest
from django.test import Client

from apps.bookings.models import BookingStatus
from apps.core import dates
from tests.factories import BookingFactory, ListingFactory, UserFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db
TODAY = dates.today()


def day(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def export_url(listing, user=None) -> str:
    response = client_for(user or listing.owner).get(
        f"/api/v1/listings/{listing.pk}/calendar-export/"
    )
    assert response.status_code == 200, response.content
    return response.json()["url"]


def rotate(listing, user=None):
    return client_for(user or listing.owner).post(
        f"/api/v1/listings/{listing.pk}/calendar-export/rotate/"
    )


def fetch(url: str, **headers):
    """As another platform polls: no session, no API token."""
    return Client().get(url.removeprefix("http://testserver"), headers=headers)


def events(body: bytes) -> list[tuple[str, dt.date, dt.date, str]]:
    calendar = icalendar.Calendar.from_ical(body)
    return [
        (str(e["UID"]), e.decoded("DTSTART"), e.decoded("DTEND"), str(e["SUMMARY"]))
        for e in calendar.walk("VEVENT")
    ]


def block(listing, start: int, end: int, note: str = ""):
    response = client_for(listing.owner).post(
        f"/api/v1/listings/{listing.pk}/blocks/",
        {"start": day(start).isoformat(), "end": day(end).isoformat(), "note": note},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def calendar():
    """A listing with two preparation nights, a confirmed stay, a pending request and a block."""
    listing = ListingFactory(preparation_days=2)
    guest = UserFactory(name="Zoé Confidential", email="zoe.secret@example.com")
    confirmed = BookingFactory(
        listing=listing,
        guest=guest,
        status=BookingStatus.CONFIRMED,
        check_in=day(10),
        check_out=day(13),
    )
    pending = BookingFactory(
        listing=listing, status=BookingStatus.PENDING, check_in=day(20), check_out=day(22)
    )
    blocked = block(listing, 30, 35, note="Painting the bedroom")
    return listing, confirmed, pending, blocked


def test_the_exported_calendar_parses_and_matches_the_listing_s_entries(calendar):
    listing, confirmed, pending, blocked = calendar

    response = fetch(export_url(listing))

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    parsed = icalendar.Calendar.from_ical(response.content)
    assert str(parsed["VERSION"]) == "2.0"
    assert "Havre" in str(parsed["PRODID"])
    # Bookings hold their nights and the preparation nights after them; the block its nights.
    assert events(response.content) == [
        (f"booking-{confirmed.pk}@calendar.havre", day(10), day(15), "Reserved"),
        (f"booking-{pending.pk}@calendar.havre", day(20), day(24), "Reserved"),
        (f"block-{blocked['id']}@calendar.havre", day(30), day(35), "Not available"),
    ]
    text = response.content.decode()
    assert "DTSTART;VALUE=DATE:" + day(10).strftime("%Y%m%d") in text
    assert "DTEND;VALUE=DATE:" + day(15).strftime("%Y%m%d") in text
    assert all(line.endswith("\r") for line in text.split("\n")[:-1])  # CRLF lines
    assert all(len(line.encode()) <= 76 for line in text.split("\n"))  # folded at 75 octets
    assert all(event.get("DTSTAMP") for event in parsed.walk("VEVENT"))


def test_no_guest_data_and_no_host_note_is_exported(calendar):
    listing, confirmed, _pending, _blocked = calendar

    body = fetch(export_url(listing)).content.decode()

    for secret in ("Zoé", "Confidential", "zoe.secret", "example.com", "Painting"):
        assert secret not in body
    assert str(confirmed.total_cents) not in body


def test_uids_are_stable_and_a_cancelled_booking_leaves_the_calendar(calendar):
    listing, confirmed, pending, _blocked = calendar
    url = export_url(listing)
    before = events(fetch(url).content)

    client_for(pending.guest).post(
        f"/api/v1/bookings/{pending.pk}/cancel/", {"reason": "plans changed"}, format="json"
    )
    after = events(fetch(url).content)

    assert [e for e in before if e[0] != f"booking-{pending.pk}@calendar.havre"] == after
    assert fetch(url).content == fetch(url).content  # the same calendar, byte for byte


def test_an_unchanged_calendar_answers_304_to_its_etag_and_200_once_changed(calendar):
    listing, *_ = calendar
    url = export_url(listing)
    first = fetch(url)
    etag = first["ETag"]

    again = fetch(url, **{"If-None-Match": etag})
    block(listing, 40, 41)
    changed = fetch(url, **{"If-None-Match": etag})

    assert etag.startswith('"') and again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert len(events(changed.content)) == 4
    assert "no-cache" in first["Cache-Control"] and "private" in first["Cache-Control"]


def test_rotating_the_address_retires_the_old_one(calendar):
    listing, *_ = calendar
    old = export_url(listing)
    assert fetch(old).status_code == 200

    rotated = rotate(listing)

    assert rotated.status_code == 200, rotated.content
    new = rotated.json()["url"]
    assert new != old and rotated.json()["version"] == 1
    assert rotated.json()["rotated_at"] is not None
    assert export_url(listing) == new  # the owner reads the current one again
    assert fetch(old).status_code == 404
    assert fetch(new).status_code == 200
    assert rotate(listing).json()["version"] == 2
    assert fetch(new).status_code == 404


def test_only_the_owner_reads_or_rotates_the_address(calendar):
    listing, confirmed, *_ = calendar

    for user in (confirmed.guest, UserFactory(owner=True)):
        assert client_for(user).get(
            f"/api/v1/listings/{listing.pk}/calendar-export/"
        ).status_code in (403, 404)
        assert rotate(listing, user).status_code in (403, 404)
    anonymous = client_for()
    assert anonymous.get(f"/api/v1/listings/{listing.pk}/calendar-export/").status_code == 401
    assert (
        anonymous.post(f"/api/v1/listings/{listing.pk}/calendar-export/rotate/").status_code == 401
    )


def test_a_draft_listing_s_calendar_exports_too():
    listing = ListingFactory(draft=True)
    block(listing, 5, 7)

    response = fetch(export_url(listing))

    assert response.status_code == 200
    assert [e[1:] for e in events(response.content)] == [(day(5), day(7), "Not available")]


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "0" * 64,
        "A" * 64,
        "%00",
        "a" * 63 + "%00",
        "f" * 100_000,
        "%ff%fe",
        "../../etc/passwd",
    ],
)
def test_a_wrong_token_is_a_404_that_tells_nothing(calendar, token):
    listing, *_ = calendar

    response = Client().get(f"/api/v1/listings/{listing.pk}/calendar.ics?token={token}")

    assert response.status_code in (400, 404)  # NUL: the 400 every route gives it
    assert response["Content-Type"] == "application/json"
    assert b"BEGIN:VCALENDAR" not in response.content


def test_another_listing_s_token_and_an_unknown_listing_are_the_same_404(calendar):
    listing, *_ = calendar
    other = ListingFactory()
    token = export_url(listing).split("token=")[1]

    on_other = Client().get(f"/api/v1/listings/{other.pk}/calendar.ics?token={token}")
    unknown = Client().get(f"/api/v1/listings/{2**62}/calendar.ics?token={token}")
    missing = Client().get(f"/api/v1/listings/{listing.pk}/calendar.ics")

    assert on_other.status_code == unknown.status_code == missing.status_code == 404
    assert on_other.content == unknown.content == missing.content


def test_a_deleted_listing_s_address_stops_working():
    listing = ListingFactory()
    block(listing, 5, 7)
    url = export_url(listing)
    assert fetch(url).status_code == 200

    deleted = client_for(listing.owner).delete(f"/api/v1/listings/{listing.pk}/")

    assert deleted.status_code == 204, deleted.content
    assert fetch(url).status_code == 404


def test_the_export_accepts_get_and_head_only(calendar):
    listing, *_ = calendar
    path = export_url(listing).removeprefix("http://testserver")

    head = Client().head(path)
    post = Client().post(path)

    assert head.status_code == 200 and head.content == b""
    assert post.status_code == 405 and post.json()["error"]["code"] == "method_not_allowed"


def test_a_secret_key_rotation_keeps_addresses_working_through_the_fallbacks(calendar, settings):
    listing, *_ = calendar
    url = export_url(listing)

    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 50

    assert fetch(url).status_code == 200
    settings.SECRET_KEY_FALLBACKS = []
    assert fetch(url).status_code == 404


def test_the_calendar_speaks_the_poller_s_language(calendar):
    listing, *_ = calendar

    body = fetch(export_url(listing), **{"Accept-Language": "fr"}).content

    assert {summary for *_rest, summary in events(body)} == {"Réservé", "Indisponible"}
