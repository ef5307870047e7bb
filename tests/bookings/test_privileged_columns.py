"""PostgreSQL decides who moves a booking where, and keeps its price (bookings.0004): raw SQL
as the runtime role in a party's own context is refused; the services, the command and the
admin still work."""

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.utils import timezone

from apps.accounts.groups import SUPPORT
from apps.bookings import services
from apps.bookings.models import Booking
from apps.listings.pricing import stay_quote
from tests.db import acting_as, execute, refused, refused_column
from tests.factories import BookingFactory, ListingFactory, UserFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

INSERT = (
    "INSERT INTO bookings (listing_id, guest_id, tenant_id, check_in, check_out, guests,"
    " status, total_cents, currency, cancellation_reason, quote)"
    " VALUES (%s, %s, %s, %s, %s, 1, %s, %s, %s, '', %s)"
)


def status_of(booking) -> str:
    return Booking.objects.values_list("status", flat=True).get(pk=booking.pk)


def insert_as(guest, listing, *, status="pending", total_cents=None, currency=None, quote=None):
    """A booking of two nights in 30 days, written in raw SQL; by default at the listing's
    quote (stay_quote, as the guest sees the listing), its total and currency."""
    check_in = timezone.localdate() + dt.timedelta(days=30)
    check_out = check_in + dt.timedelta(days=2)
    quoted = stay_quote(listing_id=listing.pk, check_in=check_in, check_out=check_out, guests=1)
    quote = quoted if quote is None else quote
    execute(
        INSERT,
        [listing.pk, guest.pk, listing.tenant_id, check_in, check_out, status,
         quote["total_cents"] if total_cents is None else total_cents,
         currency or quote["currency"], json.dumps(quote)],
    )  # fmt: skip


@pytest.mark.parametrize("status", ["confirmed", "declined", "completed"])
def test_a_guest_cannot_move_their_own_pending_booking_but_to_cancelled(status):
    booking = BookingFactory(status="pending")

    with acting_as(booking.guest), refused_column("status"):
        execute("UPDATE bookings SET status = %s WHERE id = %s", [status, booking.pk])

    assert status_of(booking) == "pending"


@pytest.mark.parametrize(
    ("column", "value"),
    [("total_cents", 1), ("currency", "USD"), ("guests", 1), ("check_out", "2099-01-01")],
)
def test_a_party_cannot_rewrite_the_booking_or_its_price(column, value):
    booking = BookingFactory(status="confirmed")

    for party in (booking.guest, booking.listing.owner):
        with acting_as(party), refused_column(column):
            execute(f"UPDATE bookings SET {column} = %s WHERE id = %s", [value, booking.pk])  # noqa: S608


def test_a_guest_cannot_insert_a_confirmed_booking_nor_a_one_cent_one():
    listing, guest = ListingFactory(), UserFactory()

    with acting_as(guest):
        with refused_column("status"):
            insert_as(guest, listing, status="confirmed", total_cents=1)
        with refused("bookings_price_matches_listing"):
            insert_as(guest, listing, total_cents=1)
        with refused("bookings_price_matches_listing"):
            insert_as(guest, listing, currency="USD" if listing.currency != "USD" else "EUR")
        insert_as(guest, listing)  # pending, at nights x the nightly price: accepted

    assert list(Booking.objects.filter(guest=guest).values_list("status", "total_cents")) == [
        ("pending", 2 * listing.price_cents)
    ]


def test_the_cancellation_reason_is_written_with_the_cancellation_only():
    booking = BookingFactory(status="confirmed")

    with acting_as(booking.guest):
        with refused_column("cancellation_reason"):
            execute("UPDATE bookings SET cancellation_reason = 'x' WHERE id = %s", [booking.pk])
        execute(
            "UPDATE bookings SET status = 'cancelled', cancellation_reason = 'Ill',"
            " cancelled_by = 'guest', cancelled_at = now(), refund_cents = 0,"
            " refund_rule = 'strict_none' WHERE id = %s",
            [booking.pk],
        )

    assert status_of(booking) == "cancelled"


@pytest.mark.parametrize("start", ["pending", "confirmed"])
def test_the_guest_cancels_their_booking_through_the_service(start):
    booking = BookingFactory(status=start)

    with acting_as(booking.guest):
        services.booking_cancel(booking=booking, actor=booking.guest, reason="Plans changed")

    assert status_of(booking) == "cancelled"


@pytest.mark.parametrize(
    ("action", "outcome"),
    [(services.booking_confirm, "confirmed"), (services.booking_decline, "declined")],
)
def test_the_host_confirms_or_declines_through_the_service(action, outcome):
    booking = BookingFactory(status="pending")
    host = booking.listing.owner

    with acting_as(host):
        action(booking=booking, actor=host)

    assert status_of(booking) == outcome


def test_the_host_cannot_complete_a_stay_nor_can_any_system_actor_but_the_command():
    booking = BookingFactory(status="confirmed")

    with acting_as(booking.listing.owner), refused_column("status"):
        execute("UPDATE bookings SET status = 'completed' WHERE id = %s", [booking.pk])
    with refused_column("status"):  # the test's own system actor
        execute("UPDATE bookings SET status = 'completed' WHERE id = %s", [booking.pk])


def test_complete_bookings_completes_past_stays():
    today = timezone.localdate()
    past = BookingFactory(status="confirmed", check_in=today - dt.timedelta(days=5),
                          check_out=today - dt.timedelta(days=1))  # fmt: skip

    call_command("complete_bookings")

    assert status_of(past) == "completed"


def test_staff_cancel_with_cancel_booking_and_rewrite_with_change_booking_only():
    booking = BookingFactory(status="confirmed")
    canceller = UserFactory(staff=True)
    canceller.user_permissions.add(Permission.objects.get(codename="cancel_booking"))
    support = UserFactory(staff=True)
    support.groups.add(Group.objects.get(name=SUPPORT))  # change_booking

    with acting_as(canceller):
        with refused_column("total_cents"):
            execute("UPDATE bookings SET total_cents = 1 WHERE id = %s", [booking.pk])
        services.booking_cancel(booking=booking, actor=canceller, reason="Flood")
    with acting_as(support):
        execute("UPDATE bookings SET guests = 3 WHERE id = %s", [booking.pk])

    assert Booking.objects.values_list("status", "guests").get(pk=booking.pk) == ("cancelled", 3)


def test_when_a_service_forgets_its_check_the_api_answers_403_naming_the_field(monkeypatch):
    """The API refuses before the database; were that check lost, PostgreSQL would still say
    no, and the answer is a 403 in our error shape, never a 500."""
    booking = BookingFactory(status="pending")
    # A regression in Python: the service believes the guest is the host.
    monkeypatch.setattr(services, "_lock", lambda booking, actor: (status_of(booking), True, True))

    response = client_for(booking.guest).post(f"/api/v1/bookings/{booking.pk}/confirm/")

    assert response.status_code == 403, response.content
    error = response.json()["error"]
    assert error["code"] == "permission_denied"
    assert list(error["fields"]) == ["status"]
    assert status_of(booking) == "pending"
