"""GET /api/v1/users/me/export/: everything Havre holds about the caller, and nobody else's
private data; a constant number of queries however many rows; long sections paged."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import ApiToken
from apps.bookings.models import BookingStatus
from apps.notifications.services import notify
from tests.factories import (
    BookingFactory,
    ListingFactory,
    MessageFactory,
    ReviewFactory,
    UserFactory,
)
from tests.helpers import client_for, error, token_client_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/users/me/export/"

SECTIONS = {
    "account",
    "api_tokens",
    "notifications",
    "audit_log",
    "listings",
    "bookings_as_guest",
    "bookings_as_host",
    "calendar_blocks",
    "reviews_written",
    "reviews_received",
    "messages",
    "wishlists",
}


def ids_of(document, section: str) -> list[int]:
    return [item["id"] for item in document["sections"][section]["items"]]


def test_the_export_holds_the_callers_booking_and_messages_and_nothing_of_other_peoples():
    guest = UserFactory(email="ines.export@example.com", name="Ines Export", phone="+33 6 11")
    host = UserFactory(owner=True, email="hugo.host@example.com")
    stranger = UserFactory(email="sam.stranger@example.com")
    listing = ListingFactory(owner=host)
    booking = BookingFactory(listing=listing, guest=guest, status=BookingStatus.PENDING)
    BookingFactory(listing=listing, guest=stranger)  # the host's, not the guest's
    sent = MessageFactory(sender=guest, recipient=host, booking=booking)
    received = MessageFactory(sender=host, recipient=guest, booking=booking)
    MessageFactory(sender=stranger, recipient=host, content="stranger's private words")
    told = notify(
        recipient_id=guest.pk,
        kind="booking_confirmed",
        event_key=f"booking:{booking.pk}:confirmed",
        data={"booking_id": booking.pk},
    )
    client = client_for(guest)
    assert client.post(f"/api/v1/notifications/{told}/read/").status_code == 204
    # An action of the guest's own: in the audit log, with their IP address.
    patched = client.patch("/api/v1/users/me/", {"city": "Rouen"}, REMOTE_ADDR="192.0.2.77")
    assert patched.status_code == 200

    response = client.get(URL)

    assert response.status_code == 200, response.content[:500]
    assert response["Content-Disposition"].startswith('attachment; filename="havre-data-')
    document = response.json()
    assert document["format"] == "havre.personal-data.v1"
    assert document["user_id"] == guest.pk
    assert set(document["sections"]) == SECTIONS
    [account] = document["sections"]["account"]["items"]
    assert (account["email"], account["name"], account["phone"], account["city"]) == (
        "ines.export@example.com",
        "Ines Export",
        "+33 6 11",
        "Rouen",
    )
    assert "password" not in account
    assert ids_of(document, "bookings_as_guest") == [booking.pk]
    assert ids_of(document, "bookings_as_host") == []
    messages = document["sections"]["messages"]["items"]
    assert [(m["id"], m["direction"]) for m in messages] == [
        (sent.pk, "sent"),
        (received.pk, "received"),
    ]
    assert {m["conversation_id"] for m in messages} == {
        f"booking:{booking.pk}:{min(guest.pk, host.pk)}-{max(guest.pk, host.pk)}"
    }
    assert "is_spam" not in messages[0] and "is_spam" in messages[1]  # the recipient's filing
    [notification] = document["sections"]["notifications"]["items"]
    assert (notification["id"], notification["kind"]) == (told, "booking_confirmed")
    assert notification["read_at"] is not None
    audit = document["sections"]["audit_log"]["items"]
    mine = [row for row in audit if row["by_you"]]
    assert any(row["ip_address"] == "192.0.2.77" for row in mine), audit
    assert all(row["ip_address"] is None for row in audit if not row["by_you"])
    assert {row["table_name"] for row in audit} <= {"users", "profiles"}
    text = response.content.decode()
    assert "sam.stranger@example.com" not in text and "stranger's private words" not in text
    assert "hugo.host@example.com" not in text


def test_the_host_gets_the_bookings_and_reviews_of_their_listings_and_token_metadata_only():
    host = UserFactory(owner=True)
    listing = ListingFactory(owner=host)
    booking = BookingFactory(
        listing=listing,
        check_in=timezone.localdate() - dt.timedelta(days=20),
        check_out=timezone.localdate() - dt.timedelta(days=17),
        status=BookingStatus.COMPLETED,
    )
    review = ReviewFactory(booking=booking)
    client = token_client_for(host)
    block = client.post(
        f"/api/v1/listings/{listing.pk}/blocks/",
        {
            "start": (timezone.localdate() + dt.timedelta(days=5)).isoformat(),
            "end": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
            "note": "Roof repairs",
        },
        format="json",
    ).json()

    document = client.get(URL).json()

    assert ids_of(document, "listings") == [listing.pk]
    assert ids_of(document, "bookings_as_host") == [booking.pk]
    [exported_block] = document["sections"]["calendar_blocks"]["items"]
    assert (exported_block["id"], exported_block["note"]) == (block["id"], "Roof repairs")
    assert ids_of(document, "reviews_received") == [review.pk]
    assert ids_of(document, "reviews_written") == []
    [token] = document["sections"]["api_tokens"]["items"]
    assert set(token) == {"id", "name", "prefix", "created_at", "last_used_at", "expires_at"}
    digest = ApiToken.objects.get(user=host).digest
    assert digest not in str(document)


def _export_queries(user) -> int:
    client = client_for(user)
    client.get(URL)  # warm: the tenant's look-up
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def _give(user, host, n: int) -> None:
    listing = ListingFactory(owner=host)
    for _ in range(n):
        BookingFactory(listing=listing, guest=user)
        MessageFactory(sender=user, recipient=host)
        MessageFactory(sender=host, recipient=user)
    for i in range(n):
        notify(recipient_id=user.pk, kind="booking_requested", event_key=f"t:{i}", data={})


def test_the_export_runs_the_same_number_of_queries_for_2_rows_as_for_20(settings):
    settings.PERSONAL_DATA_EXPORT_PAGE_SIZE = 50
    host = UserFactory(owner=True)
    few, many = UserFactory(), UserFactory()
    _give(few, host, 2)
    _give(many, host, 20)

    assert _export_queries(few) == _export_queries(many)
    # One query per section; the rest is the request's own (session, context, savepoints: 17).
    assert _export_queries(many) == len(SECTIONS) + 17


def test_a_long_section_is_paged_by_its_next_link(settings):
    settings.PERSONAL_DATA_EXPORT_PAGE_SIZE = 2
    user, other = UserFactory(), UserFactory()
    messages = [MessageFactory(sender=user, recipient=other) for _ in range(3)]
    client = client_for(user)

    first = client.get(URL).json()["sections"]["messages"]
    assert [m["id"] for m in first["items"]] == [m.pk for m in messages[:2]]
    assert first["next"].endswith(f"{URL}?section=messages&after={messages[1].pk}")

    page = client.get(first["next"])
    assert page.status_code == 200
    assert set(page.json()["sections"]) == {"messages"}
    rest = page.json()["sections"]["messages"]
    assert ([m["id"] for m in rest["items"]], rest["next"]) == ([messages[2].pk], None)


def test_an_unknown_section_or_after_alone_is_a_400_naming_it():
    client = client_for(UserFactory())

    assert list(error(client.get(URL, {"section": "passwords"}), 400, "invalid")) == ["section"]
    assert list(error(client.get(URL, {"after": "3"}), 400, "invalid")) == ["after"]
    assert list(error(client.get(URL, {"section": "messages", "after": "x"}), 400, "invalid")) == [
        "after"
    ]


def test_anonymous_callers_get_no_export(api_client):
    assert api_client.get(URL).status_code in (401, 403)
