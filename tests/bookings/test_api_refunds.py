"""Cancelling stores the refund the frozen policy gives, with its rule, who cancelled and when;
the preview shows the same computation first. PostgreSQL keeps the refund within the total,
makes a host's cancellation a full refund and lets a party write these columns only with the
cancellation, naming themself. The cancellations' clock is the test's (refunds.now)."""

import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.groups import SUPPORT
from apps.bookings import refunds
from apps.bookings.admin import BookingAdmin
from apps.bookings.models import Booking
from apps.core import dates
from apps.core.admin_tools import money
from apps.listings.models import CancellationPolicy
from apps.notifications.emails import build_email
from apps.notifications.models import Notification
from tests.db import acting_as, execute, refused, refused_column
from tests.factories import BookingFactory, ListingFactory, UserFactory
from tests.helpers import client_for, error

pytestmark = pytest.mark.django_db
URL = "/api/v1/bookings/"
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def clock(monkeypatch, settings):
    """clock(moment): cancellations happen at `moment` from now on."""
    settings.LISTING_TIME_ZONE = "Europe/Paris"

    def set_to(moment: dt.datetime) -> dt.datetime:
        monkeypatch.setattr(refunds, "now", lambda: moment)
        return moment

    return set_to


def stay(policy=CancellationPolicy.MODERATE, *, starts_in=20, nights=4, **fields):
    """A confirmed stay at 100 a night with 40 of cleaning, one guest."""
    listing = ListingFactory(
        price_cents=10_000, cleaning_fee_cents=4_000, cancellation_policy=policy
    )
    check_in = dates.today() + dt.timedelta(days=starts_in)
    return BookingFactory(
        listing=listing, guests=1, check_in=check_in,
        check_out=check_in + dt.timedelta(days=nights), **fields,
    )  # fmt: skip


def check_in_at(booking) -> dt.datetime:
    return refunds.stay_instants(booking)[0]


def test_the_guest_previews_then_cancels_and_the_stored_refund_is_the_preview(clock):
    booking = stay()
    clock(refunds.days_before(check_in_at(booking), 5) + MINUTE)  # moderate: half the nights
    guest = client_for(booking.guest)

    preview = guest.get(f"{URL}{booking.pk}/cancel/preview/")

    assert preview.status_code == 200, preview.json()
    shown = preview.json()
    assert shown["refund_cents"] == 2 * 10_000 + 4_000
    assert shown["refund_rule"] == "moderate_partial"
    assert shown["cancelled_by"] == "guest" and shown["total_cents"] == 44_000
    assert shown["explanation"] and shown["nights_not_spent"] == 4
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"  # nothing changed

    cancelled = guest.post(f"{URL}{booking.pk}/cancel/", {"reason": "Ill"}, format="json")

    assert cancelled.status_code == 200, cancelled.json()
    body = cancelled.json()
    assert (body["status"], body["refund_cents"], body["refund_rule"], body["cancelled_by"]) == (
        "cancelled",
        shown["refund_cents"],
        shown["refund_rule"],
        "guest",
    )
    stored = Booking.objects.get(pk=booking.pk)
    assert (stored.refund_cents, stored.refund_rule) == (24_000, "moderate_partial")
    assert stored.cancelled_at == refunds.now()
    # The host is told, refund included.
    told = Notification.objects.get(recipient=booking.listing.owner, kind="booking_cancelled")
    assert told.data["refund_cents"] == 24_000 and told.data["cancelled_by"] == "guest"
    assert told.data["refund"] == "240.00"


@pytest.mark.parametrize(
    ("offset", "rule", "amount"),
    [(-MINUTE, "moderate_full", 44_000), (MINUTE, "moderate_partial", 24_000)],
)
def test_the_api_cancel_follows_the_clock_at_the_boundary(clock, offset, rule, amount):
    booking = stay()
    clock(refunds.days_before(check_in_at(booking), 5) + offset)

    response = client_for(booking.guest).post(f"{URL}{booking.pk}/cancel/")

    assert (response.json()["refund_rule"], response.json()["refund_cents"]) == (rule, amount)


def test_a_host_cancelling_refunds_in_full_and_is_recorded_against_the_host(clock):
    booking = stay(CancellationPolicy.STRICT, starts_in=2)
    clock(check_in_at(booking) + dt.timedelta(days=1))  # during the stay
    host = client_for(booking.listing.owner)

    assert host.get(f"{URL}{booking.pk}/cancel/preview/").json()["refund_cents"] == 44_000
    response = host.post(f"{URL}{booking.pk}/cancel/")

    assert response.status_code == 200
    assert (response.json()["refund_cents"], response.json()["refund_rule"]) == (44_000, "host")
    assert (
        Booking.objects.filter(listing__owner=booking.listing.owner, cancelled_by="host").count()
        == 1
    )


def test_staff_cancel_on_behalf_of_a_party_refunds_in_full(clock):
    booking = stay(CancellationPolicy.STRICT, starts_in=2)
    clock(check_in_at(booking) - MINUTE)
    staff = UserFactory(staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="cancel_booking"))

    response = client_for(staff).post(f"{URL}{booking.pk}/cancel/")

    assert response.status_code == 200, response.json()
    assert (response.json()["cancelled_by"], response.json()["refund_rule"]) == ("staff", "staff")


def test_cancelling_after_check_out_is_refused_and_changes_nothing(clock):
    booking = stay(starts_in=-5, nights=3)  # checked out two days ago, not yet completed
    check_out_at = refunds.stay_instants(booking)[1]
    guest = client_for(booking.guest)

    clock(check_out_at + MINUTE)
    error(guest.get(f"{URL}{booking.pk}/cancel/preview/"), 409, "stay_over")
    error(guest.post(f"{URL}{booking.pk}/cancel/"), 409, "stay_over")
    error(client_for(booking.listing.owner).post(f"{URL}{booking.pk}/cancel/"), 409, "stay_over")
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"

    clock(check_out_at - MINUTE)
    response = guest.post(f"{URL}{booking.pk}/cancel/")
    assert (response.json()["status"], response.json()["refund_cents"]) == ("cancelled", 0)


def test_the_preview_is_the_parties_own(clock):
    booking = stay()
    clock(check_in_at(booking) - dt.timedelta(days=10))

    error(client_for(UserFactory()).get(f"{URL}{booking.pk}/cancel/preview/"), 404, "not_found")
    assert client_for().get(f"{URL}{booking.pk}/cancel/preview/").status_code in (401, 403)
    cancelled = stay(status="cancelled")
    error(
        client_for(cancelled.guest).get(f"{URL}{cancelled.pk}/cancel/preview/"),
        409,
        "invalid_transition",
    )


def queries_of(client, url: str) -> list[str]:
    client.get(url)  # warm: the client's first request looks the tenant up
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in queries]


def test_the_preview_reads_the_booking_in_one_query_no_more_than_the_detail(clock):
    booking = stay()
    clock(check_in_at(booking) - dt.timedelta(days=10))
    guest = client_for(booking.guest)

    preview = queries_of(guest, f"{URL}{booking.pk}/cancel/preview/")
    detail = queries_of(guest, f"{URL}{booking.pk}/")

    assert len([sql for sql in preview if 'FROM "bookings"' in sql]) == 1, preview
    # The request's own queries (session, user, database context) and the booking's one;
    # the detail adds the listing's title.
    assert len(preview) == len(detail) - 1, (len(preview), len(detail))


def test_postgresql_keeps_the_refund_within_the_total_and_with_the_cancellation_only():
    booking = stay()
    guest, host = booking.guest, booking.listing.owner
    cancel = (
        "UPDATE bookings SET status = 'cancelled', cancelled_by = %s, cancelled_at = now(),"
        " refund_cents = %s, refund_rule = 'moderate_partial' WHERE id = %s"
    )

    with acting_as(guest):
        with refused_column("refund_cents"):  # not without cancelling
            execute("UPDATE bookings SET refund_cents = 1 WHERE id = %s", [booking.pk])
        with refused_column("cancelled_by"):  # the guest cannot pose as the host
            execute(cancel, ["host", 44_000, booking.pk])
        with refused_column("refund_cents"):  # a cancellation records its refund
            execute(
                "UPDATE bookings SET status = 'cancelled', cancelled_by = 'guest' WHERE id = %s",
                [booking.pk],
            )
        with refused("bookings_refund_within_total"):
            execute(cancel, ["guest", 44_001, booking.pk])
        with refused("bookings_refund_within_total"):
            execute(cancel, ["guest", -1, booking.pk])
    with acting_as(host), refused("bookings_host_cancel_refunds_all"):
        execute(cancel, ["host", 0, booking.pk])
    with acting_as(guest):
        execute(cancel, ["guest", 24_000, booking.pk])
        with refused_column("refund_cents"):  # written once, with the cancellation
            execute("UPDATE bookings SET refund_cents = 44000 WHERE id = %s", [booking.pk])

    assert Booking.objects.values_list("refund_cents", flat=True).get(pk=booking.pk) == 24_000


def test_the_admin_shows_the_refund_its_rule_and_who_cancelled(clock, superuser_client):
    booking = stay()
    clock(check_in_at(booking) - dt.timedelta(days=1))
    client_for(booking.listing.owner).post(f"{URL}{booking.pk}/cancel/")

    page = superuser_client.get(f"/admin/bookings/booking/{booking.pk}/change/")
    listing = superuser_client.get("/admin/bookings/booking/?cancelled_by__exact=host")

    assert page.status_code == 200
    html = page.content.decode()
    assert str(money(44_000, booking.currency)) in html
    assert "Cancelled by the host: full refund" in html
    assert listing.status_code == 200 and f"/admin/bookings/booking/{booking.pk}/" in (
        listing.content.decode()
    )


@pytest.mark.parametrize(
    ("language", "line"),
    [("en", "Refund to the guest: 440.00 EUR."), ("fr", "Remboursement au voyageur : 440.00 EUR.")],
)
def test_the_cancellation_e_mail_states_the_refund(clock, language, line):
    booking = stay()
    booking.guest.preferences = {"language": language}
    booking.guest.save(update_fields=["preferences"])
    clock(refunds.days_before(check_in_at(booking), 5) + MINUTE)
    client_for(booking.listing.owner).post(f"{URL}{booking.pk}/cancel/")  # host: full, 440
    told = Notification.objects.select_related("recipient").get(recipient=booking.guest)

    email = build_email(told)

    assert line in email.body, email.body
    assert line in email.alternatives[0][0]


def test_support_cancelling_in_the_admin_refunds_in_full_as_staff():
    booking = stay(CancellationPolicy.STRICT, starts_in=2)
    support = UserFactory(staff=True)
    support.groups.add(Group.objects.get(name=SUPPORT))
    client = Client()
    client.force_login(support)

    client.post(
        reverse("admin:bookings_booking_changelist"),
        {"action": "cancel", "_selected_action": [str(booking.pk)], "apply": "1",
         "reason": "Flood"},
        follow=True,
    )  # fmt: skip

    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_by, booking.refund_rule) == (
        "cancelled", "staff", "staff"
    )  # fmt: skip
    assert booking.refund_cents == booking.total_cents and booking.cancelled_at is not None


def test_staff_moving_a_cancelled_booking_back_drop_its_cancellation_record(rf):
    booking = stay()
    client_for(booking.guest).post(f"{URL}{booking.pk}/cancel/")
    superuser = UserFactory(staff=True, is_superuser=True)
    request = rf.post("/admin/")
    request.user = superuser
    booking.refresh_from_db()
    booking.status = "confirmed"

    with acting_as(superuser):
        BookingAdmin(Booking, admin.site).save_model(request, booking, form=None, change=True)

    stored = Booking.objects.get(pk=booking.pk)
    assert (stored.status, stored.refund_cents, stored.refund_rule, stored.cancelled_by) == (
        "confirmed", None, "", ""
    )  # fmt: skip
